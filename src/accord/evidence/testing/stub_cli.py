"""`python -m accord.evidence.testing.stub_cli scan ...`: the real commands, stub checks.

For tests that run the scanner in a child process (to kill it mid-scan) before, or
without, the real check set.
"""

from accord.evidence import cli, scanner
from accord.evidence.testing import stub_checks

if __name__ == "__main__":
    scanner.load_assess = lambda: stub_checks.assess_domain
    cli.evidence()
