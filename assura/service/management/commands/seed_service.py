"""Demo data of the service module (idempotent; run by `make run` after seed_customers):
configuration, ~240 historical tickets with conversations and satisfaction at Alliance
(40 at Atlas), a few live tickets created through the services, and the triage model."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assura.identity.models import Organization
from assura.service.models import Ticket

VOLUMES = {"Alliance Assurances (démo)": 240, "Atlas Assurances (démo)": 40}

LIVE = [
    ("Réclamation : mon indemnisation n'est toujours pas versée", "reclamation", "Indemnisation",
     "Retard d'indemnisation", "email", "haute"),
    ("Demande d'attestation d'assurance pour la banque", "demande", "Contrat", "Attestation", "telephone", "normale"),
    ("Erreur sur le montant de ma prime auto", "reclamation", "Contrat", "Erreur de prime", "agence", "normale"),
    ("Comment déclarer un bris de glace ?", "information", "Information", None, "chat", "basse"),
]


class Command(BaseCommand):
    help = "Load the service demo data. Idempotent."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production.")
        from assura.service import seeding, triage
        from assura.service.services import ticket_open

        for name, volume in VOLUMES.items():
            org = Organization.objects.filter(name=name, is_demo=True).first()
            if org is None:
                raise CommandError(f"{name} is missing: run `manage.py seed_demo` first.")
            config = seeding.config_seed(org)
            if Ticket.objects.filter(organization=org).exists():
                self.stdout.write(f"{name}: tickets already present, nothing created.")
                continue
            seeding.tickets_bulk(org, count=volume, now=None)
            summary = triage.train(organization_id=org.pk)
            from assura.customers.models import Contact

            contacts = list(Contact.objects.filter(organization=org).exclude(email="").order_by("pk")[:len(LIVE)])
            for i, (subject, kind, top, sub, channel, priority) in enumerate(LIVE):
                data = {"subject": subject, "kind": kind, "channel": channel, "priority": priority,
                        "category": config["categories"][top], "subcategory": config["subs"].get(sub),
                        "description": subject + "."}
                if i < len(contacts):
                    data["contact"] = contacts[i]
                else:
                    data["customer_name"] = "Client de démonstration"
                ticket_open(organization_id=org.pk, data=data, acknowledge=False)
            self.stdout.write(f"{name}: {volume + len(LIVE)} tickets, triage "
                              f"{'mots-clés' if summary['fallback'] else 'modèle entraîné'}.")
