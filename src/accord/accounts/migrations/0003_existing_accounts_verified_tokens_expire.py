"""Accounts from before email verification existed were made by the secretariat or the
command line, which vouched for the address: they count as verified from when they were
made. Tokens from before every token expired get the default lifetime from now, so
nothing that uses one stops working without warning."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.db.models import F
from django.utils import timezone


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    ApiToken = apps.get_model("accounts", "ApiToken")
    User.objects.filter(email_verified_at__isnull=True).update(email_verified_at=F("date_joined"))
    expiry = timezone.now() + timedelta(days=settings.ACCORD_TOKEN_DEFAULT_DAYS)
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=expiry)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_signup_verification_recovery_codes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
