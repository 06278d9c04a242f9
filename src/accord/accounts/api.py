"""API authentication by bearer token, and the account endpoints."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.security import HttpBearer

router = Router(tags=["accounts"])


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return None
