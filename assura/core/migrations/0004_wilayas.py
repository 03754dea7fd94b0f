"""Seed the wilayas reference table from assura.core.reference (kept in sync by code)."""

from django.db import migrations


def seed(apps, schema_editor):
    from assura.core.reference import WILAYAS

    Wilaya = apps.get_model("core", "Wilaya")
    for code, name, name_ar in WILAYAS:
        Wilaya.objects.update_or_create(code=code, defaults={"name": name, "name_ar": name_ar})


class Migration(migrations.Migration):
    dependencies = [("core", "0003_wilaya_attachment_fieldchange_notification_and_more")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
