"""Test doubles for the evidence engine: a fake internet on loopback and stub checks."""
