"""Telling people what happened: an in-app inbox, email, and each person's preferences."""
