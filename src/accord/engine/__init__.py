"""The evidence engine without Django: safe fetcher, checks, scanner, domain names.

Nothing here imports Django or another Accord app (an import-linter contract holds
this), so `accord assess` and `accord scan` start fast and the checks are tested on
files alone. The `evidence` app stores and shows what the engine finds.
"""
