"""A revision keeps the TLP it was published at; the existing ones take their
advisory's."""

from typing import Any

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def back_fill(apps: Any, schema_editor: Any) -> None:
    Advisory = apps.get_model("cvd", "Advisory")
    AdvisoryRevision = apps.get_model("cvd", "AdvisoryRevision")
    AdvisoryRevision.objects.update(
        tlp=Subquery(Advisory.objects.filter(pk=OuterRef("advisory_id")).values("tlp")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cvd", "0006_delivery_pending"),
    ]

    operations = [
        migrations.AddField(
            model_name="advisoryrevision",
            name="tlp",
            field=models.CharField(
                choices=[
                    ("clear", "TLP:CLEAR"),
                    ("green", "TLP:GREEN"),
                    ("amber", "TLP:AMBER"),
                    ("amber+strict", "TLP:AMBER+STRICT"),
                    ("red", "TLP:RED"),
                ],
                default="red",
                max_length=12,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(back_fill, migrations.RunPython.noop),
    ]
