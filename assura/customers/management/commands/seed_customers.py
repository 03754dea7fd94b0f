"""Load realistic customers into the demo companies: contacts (households), accounts, leads,
activities, and a few duplicates for the duplicates screen.

Idempotent: a company that already has contacts is left alone unless --force (which adds
another set). Refused in production. Run after `seed_demo` (agencies and users must exist).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assura.customers.models import Contact
from assura.customers.seeding import seed_customers
from assura.identity.models import Organization

ALLIANCE_CONTACTS = 5000
# Per company, for ALLIANCE_CONTACTS contacts at Alliance (scaled with --contacts): contacts, accounts,
# leads, activities per contact, deliberate duplicate pairs.
DEMO_VOLUMES = {
    "Alliance Assurances (démo)": (5000, 500, 800, 2.7, 8),
    "Atlas Assurances (démo)": (300, 30, 60, 1.0, 2),
}


class Command(BaseCommand):
    help = "Load realistic customers, leads and activities into the demo companies. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Seed even if a company already has contacts.")
        parser.add_argument("--contacts", type=int, default=ALLIANCE_CONTACTS,
                            help=f"Contacts for Alliance (default {ALLIANCE_CONTACTS}); the rest scales with it.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (same seed, same data).")

    def handle(self, *args, force=False, contacts=ALLIANCE_CONTACTS, seed=2026, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production (ASSURA_ENV=production).")
        scale = contacts / ALLIANCE_CONTACTS
        for n, (name, (people, accounts, leads, per_contact, duplicates)) in enumerate(DEMO_VOLUMES.items()):
            org = Organization.objects.filter(name=name, is_demo=True).first()
            if org is None:
                raise CommandError(f"{name} is missing: run `manage.py seed_demo` first.")
            if not force and Contact.objects.filter(organization=org).exists():
                self.stdout.write(f"{name}: customers already present, nothing created.")
                continue
            report = seed_customers(
                organization=org, contacts=round(people * scale), accounts=round(accounts * scale),
                leads=round(leads * scale), activities_per_contact=per_contact,
                duplicates=min(duplicates, round(duplicates * scale)), seed=seed + n,
            )
            for line in report.lines():
                self.stdout.write(f"{name}: {line}")
