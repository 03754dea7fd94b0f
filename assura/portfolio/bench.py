"""Portfolio at scale for `make bench` (scripts/bench.py): policies for the company's existing
contacts (same owner and agency), ~3 instalments per policy (most past ones paid), one claim
per four policies at every stage. Bulk inserts, no services (the point is volume)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

SCALE_ENV = "BENCH_POLICIES"
SCALE_DEFAULT = 2_000_000
BATCH = 5_000
PREFIX = "BEN-"
FREQUENCIES = [("annuel", 1), ("semestriel", 2), ("trimestriel", 4), ("annuel", 1)]
CLAIM_STATUSES = ["declare", "instruction", "expertise", "offre", "regle", "refuse", "classe", "instruction"]
STATUSES = ["en_vigueur"] * 17 + ["suspendue", "resiliee", "expiree"]


def seed(org, *, scale: int, say) -> dict:
    """The policies, then the traces of the nights before today (see `previous_nights`)."""
    info = _seed_policies(org, scale=scale, say=say)
    info["previous_nights"] = previous_nights(org, say=say)
    return info


def previous_nights(org, *, say) -> dict:
    """A company that has been running Assura: the scheduler already ran on the nights before today.
    Marks as done, in bulk, what those nights did — the renewal of each policy already inside the
    renewal lead time, each dunning step whose day is before today (within the catch-up window) —
    so that the timed nightly run is one night's work, not the catch-up of a freshly loaded
    portfolio. Idempotent (ignore_conflicts)."""
    from assura.portfolio.models import DunningRecord, Instalment, Policy, RenewalTask
    from assura.portfolio.services import DUNNING_CATCH_UP_DAYS, settings_for

    conf = settings_for(org.pk)
    today = datetime.date.today()
    renewals = (Policy.objects.filter(organization=org, status="en_vigueur", expiry_date__gte=today,
                                      expiry_date__lt=today + datetime.timedelta(days=conf.renewal_lead_days),
                                      non_renewal_reason="", renewal_task__isnull=True)
                .values_list("pk", flat=True))
    marked = {"renewals": 0, "dunning": 0}
    batch = []
    for pk in renewals.iterator(chunk_size=BATCH):
        batch.append(RenewalTask(organization=org, policy_id=pk))
        if len(batch) == BATCH:
            marked["renewals"] += len(RenewalTask.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    marked["renewals"] += len(RenewalTask.objects.bulk_create(batch, ignore_conflicts=True))
    for step in conf.dunning_steps or []:
        last = today - datetime.timedelta(days=step + 1)  # the step's day was yesterday or before
        items = (Instalment.objects.filter(organization=org, is_settled=False, due_date__lte=last,
                                           due_date__gt=last - datetime.timedelta(days=DUNNING_CATCH_UP_DAYS))
                 .exclude(dunning__step=step).values_list("pk", "due_date"))
        rows = [DunningRecord(organization=org, instalment_id=pk, step=step,
                              executed_on=due + datetime.timedelta(days=step)) for pk, due in items]
        marked["dunning"] += len(DunningRecord.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True))
    say(f"Portfolio: previous nights marked done: {marked}")
    return marked


def _seed_policies(org, *, scale: int, say) -> dict:
    from assura.customers.models import Contact
    from assura.portfolio.catalogue_data import seed_catalogue
    from assura.portfolio.models import Claim, Formula, Instalment, Policy
    from assura.portfolio.services import add_months, split_amount

    product = seed_catalogue(org)["AUTO-PART"]
    formula = Formula.objects.get(product=product, code="RCE")
    existing = Policy.objects.filter(organization=org, number__startswith=PREFIX).count()
    if existing >= scale:
        return {"policies": existing, "created": 0}
    holders = list(Contact.objects.filter(organization=org).order_by("pk")
                   .values_list("pk", "owner_id", "agency_id")[:300_000])
    if not holders:
        return {"policies": existing, "created": 0, "detail": "no contacts"}
    today = datetime.date.today()
    say(f"Portfolio: {existing:,} bench policies, creating {scale - existing:,}…")
    created_instalments = created_claims = 0
    for start in range(existing, scale, BATCH):
        stop = min(start + BATCH, scale)
        policies = []
        for n in range(start, stop):
            contact, owner, agency = holders[n % len(holders)]
            effective = today - datetime.timedelta(days=n * 7919 % 365)
            total = Decimal(6000 + n % 40 * 250)
            policies.append(Policy(
                organization=org, number=f"{PREFIX}{n:08d}", product=product, formula=formula, contact_id=contact,
                owner_id=owner, agency_id=agency, insured_object={"immatriculation": f"{n:05d}-120-16"},
                effective_date=effective, expiry_date=add_months(effective, 12) - datetime.timedelta(days=1),
                payment_frequency=FREQUENCIES[n % 4][0], status=STATUSES[n % len(STATUSES)],
                status_date=effective, net_premium=total - Decimal("1000"), policy_cost=Decimal("500"),
                tax=Decimal("460"), stamp_duty=Decimal("40"), total_premium=total))
        with transaction.atomic():
            Policy.objects.bulk_create(policies, batch_size=BATCH)
            ids = dict(Policy.objects.filter(organization=org, number__in=[p.number for p in policies])
                       .values_list("number", "pk"))
            instalments, claims = [], []
            for n, policy in zip(range(start, stop), policies, strict=True):
                pk = ids[policy.number]
                count = FREQUENCIES[n % 4][1]
                for k, amount in enumerate(split_amount(policy.total_premium, count)):
                    due = add_months(policy.effective_date, k * 12 // count)
                    paid = amount if due < today and (n + k) % 5 else Decimal("0")
                    instalments.append(Instalment(
                        organization=org, policy_id=pk, contact_id=policy.contact_id, owner_id=policy.owner_id,
                        agency_id=policy.agency_id, sequence=k + 1, due_date=due, amount=amount, paid_amount=paid,
                        is_settled=paid == amount))
                if n % 4 == 0:
                    loss = min(today, policy.effective_date + datetime.timedelta(days=n % 60))
                    status = CLAIM_STATUSES[n // 4 % len(CLAIM_STATUSES)]
                    claims.append(Claim(
                        organization=org, number=f"{PREFIX}S{n:08d}", policy_id=pk, contact_id=policy.contact_id,
                        owner_id=policy.owner_id, agency_id=policy.agency_id, claim_type="collision",
                        loss_date=loss, declared_on=loss, estimated_amount=Decimal("80000"),
                        reserve=Decimal("80000"), paid_amount=Decimal("60000") if status == "regle" else Decimal(0),
                        status=status))
            Instalment.objects.bulk_create(instalments, batch_size=BATCH)
            Claim.objects.bulk_create(claims, batch_size=BATCH)
        created_instalments += len(instalments)
        created_claims += len(claims)
        if (stop // BATCH) % 20 == 0:
            say(f"  {stop:,} / {scale:,} policies")
    return {"policies": scale, "created": scale - existing, "instalments": created_instalments,
            "claims": created_claims}


def cases(org, users) -> list[dict]:
    from assura.portfolio.models import Policy

    def contact_with_policies(user):
        policy = (Policy.objects.visible_to(user).filter(contact__isnull=False, status="en_vigueur")
                  .order_by("-effective_date").only("contact_id").first())
        return policy.contact_id if policy else None

    profile, renewals, claims, ageing = {}, {}, {}, {}
    for user in users:
        contact = contact_with_policies(user)
        profile[user.email] = ([f"/contacts/{contact}/?tab={tab}" for tab in ("polices", "sinistres", "creances")]
                               if contact else [])
        agency = f"&agency={user.agency_id}" if user.agency_id else ""
        renewals[user.email] = ["/policies/renewals/?days=30", "/policies/renewals/?days=90",
                                f"/policies/renewals/?days=60{agency}"]
        claims[user.email] = [f"/claims/?status=instruction{agency}", "/claims/?status=offre",
                              f"/claims/?status=declare{agency}"]
        ageing[user.email] = ["/receivables/ageing/"]
    return [
        {"key": "portfolio_profile", "label": "Contact profile: Polices, Sinistres, Créances tabs", "target_ms": 100,
         "query_limit": 30, "paths": profile},
        {"key": "renewal_queue", "label": "Renewal queue (30/60/90 days, by agency)", "target_ms": 80,
         "paths": renewals},
        {"key": "claims_list", "label": "Claims list filtered by status and agency", "target_ms": 80,
         "paths": claims},
        {"key": "ageing_report", "label": "Ageing report (0–30, 31–60, 61–90, > 90)", "target_ms": 1000,
         "paths": ageing},
    ]



# The scheduled jobs of a night, in the order the beat runs them; a module adds its own here
# (e.g. birthdays) by appending (label, callable taking organization_id).
def _nightly_jobs() -> list:
    from assura.customers.services import birthdays_notify
    from assura.portfolio import services

    return [("dunning", lambda org_id: services.dunning_run(organization_id=org_id)),
            ("renewals", lambda org_id: services.renewals_schedule(organization_id=org_id)),
            ("birthdays", lambda org_id: birthdays_notify())]


def _written(org) -> dict:
    """What a nightly run writes, counted: a second run must not add to it."""
    from assura.activities.models import Activity
    from assura.core.models import Notification
    from assura.portfolio.models import DunningRecord, RenewalTask

    return {model.__name__: model.objects.filter(organization=org).count()
            for model in (Notification, Activity, DunningRecord, RenewalTask)}


def nightly_run(organization_id) -> dict:
    """Run every nightly job once for one company; {job: (count, seconds)}."""
    import time

    done = {}
    for label, job in _nightly_jobs():
        started = time.perf_counter()
        count = job(organization_id)
        done[label] = (count, round(time.perf_counter() - started, 1))
    return done


def timings(org, users, *, selected, say) -> list[dict]:
    """The nightly scheduler run for the whole company (target ≤ 10 minutes), twice: the second run
    must find nothing left to do (safe to re-run). Rolled back, so every bench run measures the same night."""
    import time

    if selected is not None and "nightly_run" not in selected:
        return []
    say("Portfolio: the nightly scheduler run, twice…")
    with transaction.atomic():
        started = time.perf_counter()
        first = nightly_run(org.pk)
        seconds = time.perf_counter() - started
        after_first = _written(org)
        second = nightly_run(org.pk)
        added = {k: v - after_first[k] for k, v in _written(org).items() if v != after_first[k]}
        transaction.set_rollback(True)
    rerun_clean = not added
    return [{"case": "nightly_run", "label": "Nightly scheduler run (dunning, renewals, notifications)",
             "unit": "s", "value": round(seconds, 1), "target": 600, "status": "measured",
             "pass": seconds <= 600 and rerun_clean,
             "detail": f"first run {first}; second run {second}, rows it added: {added or 'none'} (rolled back)"}]


TIMING_KEYS = ("nightly_run",)
