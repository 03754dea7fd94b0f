"""Link existing tickets to the policy / claim their typed number names: same company, and of
the ticket's customer (or any customer when the ticket has none yet), as `ticket_build` does.
Company by company, in batches; a re-run links nothing more."""

from django.db import migrations
from django.db.models.functions import Upper

BATCH = 500


def _fits(ticket, record) -> bool:
    if not (ticket.contact_id or ticket.account_id):
        return True
    return bool((ticket.contact_id and record.contact_id == ticket.contact_id)
                or (ticket.account_id and record.account_id == ticket.account_id))


def _link(apps, schema_editor):
    Ticket = apps.get_model("service", "Ticket")
    Policy = apps.get_model("portfolio", "Policy")
    Claim = apps.get_model("portfolio", "Claim")
    org_ids = (Ticket.objects.exclude(policy_number="", claim_number="").order_by()
               .values_list("organization_id", flat=True).distinct())
    for org_id in list(org_ids):
        last = 0
        while True:
            batch = list(Ticket.objects.filter(organization_id=org_id, pk__gt=last, policy__isnull=True,
                                               claim__isnull=True)
                         .exclude(policy_number="", claim_number="").order_by("pk")
                         .only("pk", "contact_id", "account_id", "policy_number", "claim_number")[:BATCH])
            if not batch:
                break
            last = batch[-1].pk
            numbers = {t.policy_number.strip().upper() for t in batch if t.policy_number}
            claim_numbers = {t.claim_number.strip().upper() for t in batch if t.claim_number}
            policies = {p.key: p for p in Policy.objects.filter(organization_id=org_id).annotate(key=Upper("number"))
                        .filter(key__in=numbers).only("pk", "number", "contact_id", "account_id")}
            claims = {c.key: c for c in Claim.objects.filter(organization_id=org_id).annotate(key=Upper("number"))
                      .filter(key__in=claim_numbers).only("pk", "number", "policy_id", "contact_id", "account_id")}
            changed = []
            for ticket in batch:
                policy = policies.get(ticket.policy_number.strip().upper())
                claim = claims.get(ticket.claim_number.strip().upper())
                policy = policy if policy is not None and _fits(ticket, policy) else None
                claim = claim if claim is not None and _fits(ticket, claim) else None
                if claim is not None and policy is not None and claim.policy_id != policy.pk:
                    claim = None  # contradictory numbers: the policy the customer named wins
                if claim is not None and policy is None:
                    policy_id = claim.policy_id
                else:
                    policy_id = policy.pk if policy is not None else None
                if policy_id or claim:
                    ticket.policy_id, ticket.claim_id = policy_id, claim.pk if claim else None
                    changed.append(ticket)
            Ticket.objects.bulk_update(changed, ["policy", "claim"])


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0002_ticket_policy_claim_reply_files"),
        ("portfolio", "0001_initial"),
    ]

    operations = [migrations.RunPython(_link, migrations.RunPython.noop)]
