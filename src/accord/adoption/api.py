"""Commitments API (token-authenticated)."""

from ninja import Router

router = Router(tags=["commitments"])
