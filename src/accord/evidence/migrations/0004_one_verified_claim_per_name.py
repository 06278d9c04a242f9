"""At most one organisation holds a claim that counts on a domain name."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0003_unverify_existing_domains'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='domain',
            index=models.Index(fields=['control', 'name'], name='evidence_domain_control_idx'),
        ),
        migrations.AddConstraint(
            model_name='domain',
            constraint=models.UniqueConstraint(condition=models.Q(('control__in', ['verified', 'demo'])), fields=('name',), name='evidence_one_verified_claim_per_name'),
        ),
    ]
