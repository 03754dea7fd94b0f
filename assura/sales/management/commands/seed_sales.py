"""Demo data of the sales module (idempotent; run by `make run` after seed_customers)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assura.identity.models import Organization
from assura.sales.demo import seed_opportunities, seed_targets
from assura.sales.services import stages_ensure

DEMO = {"Alliance Assurances (démo)": 600, "Atlas Assurances (démo)": 40}


class Command(BaseCommand):
    help = "Load the sales demo data: pipeline stages, opportunities with their history, targets."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production (ASSURA_ENV=production).")
        for name, count in DEMO.items():
            org = Organization.objects.filter(name=name, is_demo=True).first()
            if org is None:
                self.stdout.write(f"{name}: missing (run seed_demo first), skipped.")
                continue
            stages_ensure(organization_id=org.pk)
            made = seed_opportunities(organization=org, count=count)
            targets = seed_targets(organization=org)
            self.stdout.write(f"{name}: {made} opportunities, {targets} targets created.")
