"""Open data: published adoption figures (no authentication)."""

from ninja import Router

router = Router(tags=["open data"])
