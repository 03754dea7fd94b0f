"""Duplicate keys of accounts: the RC without punctuation (indexed, as the NIS), NIF and NIS
kept as digits only, the name key ignoring legal-form words. Existing rows are brought to
the same form."""

from django.db import migrations, models


def refresh_keys(apps, schema_editor):
    from assura.customers.services import account_name_key, identifier_key

    Account = apps.get_model("customers", "Account")
    batch = []
    for account in Account.objects.only("pk", "name", "nif", "nis", "trade_register").iterator(chunk_size=2000):
        account.name_key = account_name_key(account.name)
        account.trade_register_key = identifier_key(account.trade_register)[:30]
        account.nif, account.nis = identifier_key(account.nif)[:20], identifier_key(account.nis)[:20]
        batch.append(account)
        if len(batch) >= 2000:
            Account.objects.bulk_update(batch, ["name_key", "trade_register_key", "nif", "nis"])
            batch = []
    Account.objects.bulk_update(batch, ["name_key", "trade_register_key", "nif", "nis"])


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_search_words'),
    ]

    operations = [
        migrations.AddField(
            model_name='account',
            name='trade_register_key',
            field=models.CharField(default='', editable=False, max_length=30),
        ),
        migrations.AddIndex(
            model_name='account',
            index=models.Index(fields=['organization', 'nis'], name='account_org_nis'),
        ),
        migrations.AddIndex(
            model_name='account',
            index=models.Index(fields=['organization', 'trade_register_key'], name='account_org_rckey'),
        ),
        migrations.RunPython(refresh_keys, migrations.RunPython.noop),
    ]
