"""Demo data of the portfolio module (idempotent; run by `make run` after seed_customers)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the portfolio demo data."

    def handle(self, *args, **options):
        self.stdout.write("Nothing to seed yet.")
