"""Demo data of the portfolio module (idempotent; run by `make run` after seed_customers)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assura.identity.models import Organization
from assura.portfolio.seeding import seed_portfolio

DEMO_VOLUMES = {
    "Alliance Assurances (démo)": {"policies": 300, "accounts": 30, "claims": 56, "quotes": 24},
    "Atlas Assurances (démo)": {"policies": 40, "accounts": 5, "claims": 8, "quotes": 6},
}


class Command(BaseCommand):
    help = "Load the portfolio demo data (catalogue, policies, receivables, claims, quotes). Idempotent."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production (ASSURA_ENV=production).")
        for n, (name, volumes) in enumerate(DEMO_VOLUMES.items()):
            org = Organization.objects.filter(name=name, is_demo=True).first()
            if org is None:
                raise CommandError(f"{name} is missing: run `manage.py seed_demo` first.")
            result = seed_portfolio(organization=org, seed=2026 + n, **volumes)
            if not result["created"]:
                self.stdout.write(f"{name}: portfolio already present, nothing created.")
            else:
                self.stdout.write(f"{name}: {result}")
