"""Trigram index on the activities' normalised search column (PostgreSQL only)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS activities_activity_search_trgm ON activities_activity "
        "USING gin (search_text gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS activities_activity_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("activities", "0004_reminder_email_search")]

    operations = [migrations.RunPython(forwards, backwards)]
