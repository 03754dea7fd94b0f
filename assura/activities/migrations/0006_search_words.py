"""Word indexes on the normalised search column replace the trigram ones (ADR 0011):
a word-prefix search is answered from the index alone, at any table size."""

from django.db import migrations

from assura.core.search import words_index_migration


class Migration(migrations.Migration):
    dependencies = [("activities", "0005_search_index")]

    operations = [words_index_migration("activities_activity")]
