"""How often the instance may be asked to email an address: sign-ups, password resets
and verification links sent again. Each costs an email, so each is limited per address
asked about (no one's inbox is flooded) and per client (no one probes at speed)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accord.accounts.models import AccountRequest
from accord.accounts.selectors import normal_email, valid_ip


@transaction.atomic
def admit_account_request(*, action: str, email: str, ip: str | None) -> bool:
    """Count one request of `action` and say whether it is within the limits.

    The request is counted before the limits are checked, so concurrent requests see
    each other; a refused one is then taken back, so whoever keeps being refused does
    not extend the wait, and the window empties on its own.
    """
    email, address = normal_email(email), valid_ip(ip)
    request = AccountRequest.objects.create(action=action, email=email, ip_address=address)
    since = timezone.now() - timedelta(seconds=settings.ACCORD_ACCOUNT_REQUEST_WINDOW_SECONDS)
    recent = AccountRequest.objects.filter(action=action, requested_at__gte=since)
    too_many = recent.filter(email=email).count() > settings.ACCORD_ACCOUNT_REQUESTS_PER_EMAIL
    if address is not None and not too_many:
        per_address = recent.filter(ip_address=address).count()
        too_many = per_address > settings.ACCORD_ACCOUNT_REQUESTS_PER_ADDRESS
    if too_many:
        request.delete()
    # Older requests no longer count for anything.
    AccountRequest.objects.filter(requested_at__lt=since).delete()
    return not too_many
