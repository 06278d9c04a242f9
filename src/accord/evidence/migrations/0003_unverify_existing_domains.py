"""Domains need proof of control to count. Every existing domain starts unverified with a
token of its own (the field's default was drawn once for all existing rows, so each row
is given a new one); demo organisations' fictional domains count as before, marked demo.

A migration of its own: PostgreSQL refuses to build an index in the transaction that
updated the table's rows.
"""

import accord.evidence.models
from django.db import migrations
from django.db.models import F


def unverify_existing_domains(apps, schema_editor):
    Domain = apps.get_model("evidence", "Domain")
    Domain.objects.update(control="unverified", control_since=F("added_at"))
    Domain.objects.filter(organisation__is_demo=True).update(
        control="demo", verified_by="demo", verified_at=F("added_at")
    )
    batch = []
    for domain in Domain.objects.only("pk").iterator(chunk_size=1000):
        domain.challenge_token = accord.evidence.models.new_challenge_token()
        batch.append(domain)
        if len(batch) == 1000:
            Domain.objects.bulk_update(batch, ["challenge_token"])
            batch = []
    Domain.objects.bulk_update(batch, ["challenge_token"])


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0002_domain_control'),
    ]

    operations = [
        migrations.RunPython(unverify_existing_domains, migrations.RunPython.noop),
    ]
