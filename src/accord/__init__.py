"""Accord: the platform private-sector cyber-norm coalitions run."""

__version__ = "0.1.0"
