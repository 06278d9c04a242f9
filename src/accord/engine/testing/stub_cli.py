"""`python -m accord.engine.testing.stub_cli scan ...`: the real commands, stub checks.

For tests that run the scanner in a child process (to kill it mid-scan) before, or
without, the real check set. Worker processes (`--processes`) get the stub checks too:
they import the check set `scanner.ASSESS` names.
"""

from accord.engine import cli, scanner

STUB_ASSESS = "accord.engine.testing.stub_checks:assess_domain"

if __name__ == "__main__":
    scanner.ASSESS = STUB_ASSESS
    cli.evidence()
