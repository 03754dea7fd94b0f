"""Word indexes on the normalised search column replace the trigram ones (ADR 0011):
a word-prefix search is answered from the index alone, at any table size."""

from django.db import migrations

from assura.core.search import words_index_migration


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_search_indexes")]

    operations = [words_index_migration("leads_lead")]
