"""Evidence engine: check definitions, the safe fetcher, the scanner, observations."""
