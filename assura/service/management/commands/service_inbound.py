"""Feed one raw e-mail (.eml file, or stdin) to a company's service desk, as the webhook would:
`manage.py service_inbound "Alliance Assurances (démo)" message.eml`. Handy for demos and tests
of a mail gateway."""

import sys

from django.core.management.base import BaseCommand, CommandError

from assura.identity.models import Organization


class Command(BaseCommand):
    help = "Process one raw RFC 822 e-mail for a company (creates or threads a ticket)."

    def add_arguments(self, parser):
        parser.add_argument("organization", help="Company name")
        parser.add_argument("path", nargs="?", default="-", help="The .eml file ('-' for stdin)")

    def handle(self, *args, organization, path, **options):
        from assura.service.inbound import email_receive

        org = Organization.objects.filter(name=organization).first()
        if org is None:
            raise CommandError(f"No company named {organization!r}.")
        if path == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as handle:
                raw = handle.read()
        record = email_receive(organization_id=org.pk, raw=raw, source="webhook")
        ticket = record.ticket.reference if record.ticket else "—"
        self.stdout.write(f"{record.get_status_display()} {ticket} {record.reason}".strip())
