"""Demo data of the sales module: opportunities with product lines and stage history, targets,
for the demo companies, linked to their seeded contacts, accounts, users and agencies."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assura.sales.choices import Branch, LossReason, OpportunityKind, TargetPeriod
from assura.sales.models import Opportunity, OpportunityLine, PipelineStage, SalesTarget, StageHistory
from assura.sales.services import period_bounds, stages_ensure

PRODUCTS = {
    Branch.AUTO: ["Auto particulier — Tous risques", "Auto particulier — RC élargie", "Flotte automobile",
                  "Auto — Dommages collision"],
    Branch.HOME: ["Multirisque habitation — Confort", "Multirisque habitation — Essentielle"],
    Branch.CATNAT: ["CATNAT habitation", "CATNAT commerce"],
    Branch.FIRE: ["Incendie et risques annexes — entrepôt"],
    Branch.INDUSTRIAL: ["Tous risques chantier", "Bris de machine"],
    Branch.TRANSPORT: ["Facultés maritimes", "Transport terrestre de marchandises"],
    Branch.LIABILITY: ["RC professionnelle", "RC générale exploitation"],
    Branch.AGRICULTURE: ["Multirisque agricole", "Mortalité du bétail"],
    Branch.TRAVEL: ["Assistance voyage Schengen"],
    Branch.HEALTH: ["Complémentaire santé groupe"],
    Branch.PERSONAL: ["Prévoyance collective", "Temporaire décès emprunteur"],
}
COMPETITORS = ["SAA", "CAAR", "CAAT", "CNMA", "Alliance", "GAM", "Trust Algeria", "Salama", "AXA Algérie", ""]
NEXT_STEPS = ["Envoyer le devis", "Rendez-vous en agence", "Relancer par téléphone", "Visite du site",
              "Recueillir la carte grise", "Présenter la proposition au gérant", ""]


def seed_opportunities(*, organization, count: int, seed: int = 2026, history: bool = True, batch: int = 5000,
                       say=lambda *_: None) -> int:
    """Create up to `count` opportunities for the company (idempotent: the existing ones count).
    Spread over the last 18 months and the next 6, over its users, agencies, contacts, accounts."""
    from django.contrib.auth import get_user_model

    from assura.customers.models import Account, Contact

    have = Opportunity.objects.filter(organization=organization).count()
    if have >= count:
        return 0
    rng = random.Random(seed + have)
    stages = stages_ensure(organization_id=organization.pk)
    stages = sorted(stages, key=lambda s: s.order)
    open_stages = [s for s in stages if not s.is_won and not s.is_lost]
    won = next(s for s in stages if s.is_won)
    lost = next(s for s in stages if s.is_lost)
    users = list(get_user_model().objects.filter(organization=organization, is_active=True)
                 .exclude(agency__isnull=True).values_list("pk", "agency_id"))
    if not users:
        users = list(get_user_model().objects.filter(organization=organization).values_list("pk", "agency_id"))
    contacts = list(Contact.objects.filter(organization=organization).order_by("pk")
                    .values_list("pk", flat=True)[:20000])
    accounts = list(Account.objects.filter(organization=organization).order_by("pk")
                    .values_list("pk", flat=True)[:5000])
    if not users or not (contacts or accounts):
        return 0
    tz = timezone.get_current_timezone()
    today, now = timezone.localdate(), timezone.now()
    branches = list(PRODUCTS)
    created = 0
    while have + created < count:
        n = min(batch, count - have - created)
        opps, plans = [], []
        for i in range(n):
            owner, agency = rng.choice(users)
            created_day = today - timedelta(days=rng.randint(0, 540))
            roll = rng.random()
            if roll < 0.25:
                stage = won
            elif roll < 0.40:
                stage = lost
            else:
                stage = rng.choice(open_stages)
            close = created_day + timedelta(days=rng.randint(15, 120))
            if stage.status == "open" and close < today:
                close = today + timedelta(days=rng.randint(-10, 180))  # a few overdue ones
            closed_on = None if stage.status == "open" else min(close, today)
            lines = []
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                branch = rng.choice(branches)
                premium = Decimal(rng.randint(15, 2500) * 1000 + rng.choice((0, 0, 500, 250))).quantize(
                    Decimal("0.01"))
                lines.append((branch, rng.choice(PRODUCTS[branch]), premium))
            contact = rng.choice(contacts) if contacts and (not accounts or rng.random() < 0.6) else None
            account = rng.choice(accounts) if accounts and (contact is None or rng.random() < 0.3) else None
            created_at = timezone.make_aware(datetime.combine(created_day, time(9 + rng.randint(0, 8))), tz)
            changed_at = created_at + timedelta(days=rng.randint(0, 20))
            label = lines[0][1]
            probability = stage.probability
            if stage.status == "open" and rng.random() < 0.2:
                probability = rng.randint(1, 19) * 5
            opps.append(Opportunity(
                organization=organization, name=f"{label} n° {have + created + i + 1}"[:150],
                contact_id=contact, account_id=account, stage=stage, status=stage.status,
                probability=probability,
                amount=sum((p for _b, _p, p in lines), Decimal("0.00")), expected_close_date=close,
                source=rng.choice(["site_web", "recommandation", "agence", "telephone", "salon", ""]),
                owner_id=owner, agency_id=agency, competitor=rng.choice(COMPETITORS),
                next_step=rng.choice(NEXT_STEPS) if stage.status == "open" else "",
                next_step_date=today + timedelta(days=rng.randint(0, 20)) if stage.status == "open" else None,
                loss_reason=rng.choice(LossReason.values) if stage.is_lost else "",
                kind=rng.choices(OpportunityKind.values, weights=(6, 3, 1))[0], closed_on=closed_on,
                stage_changed_at=changed_at,
                last_activity_at=(now - timedelta(days=rng.randint(0, 45), hours=rng.randint(0, 12)))
                if stage.status == "open" else changed_at,
            ))
            plans.append((lines, created_at, stage, changed_at))
        with transaction.atomic():
            Opportunity.objects.bulk_create(opps, batch_size=1000)
            if connection_lacks_returning(opps):
                ids = list(Opportunity.objects.filter(organization=organization).order_by("-pk")
                           .values_list("pk", flat=True)[:len(opps)])[::-1]
                for opp, pk in zip(opps, ids, strict=True):
                    opp.pk = pk
            line_rows, stays = [], []
            for opp, (lines, created_at, stage, changed_at) in zip(opps, plans, strict=True):
                for pos, (branch, produit, premium) in enumerate(lines):
                    line_rows.append(OpportunityLine(organization=organization, opportunity_id=opp.pk, branch=branch,
                                                     produit=produit, premium=premium, position=pos))
                if history:
                    path = [s for s in open_stages if s.order < stage.order] if stage.status == "open" else \
                        open_stages[:rng.randint(1, len(open_stages))]
                    points = [(s, created_at + (changed_at - created_at) * k / max(1, len(path)))
                              for k, s in enumerate(path)] + [(stage, changed_at)]
                    for k, (s, at) in enumerate(points):
                        left = points[k + 1][1] if k + 1 < len(points) else None
                        stays.append(StageHistory(organization=organization, opportunity_id=opp.pk, stage=s,
                                                  entered_at=at, left_at=left))
            OpportunityLine.objects.bulk_create(line_rows, batch_size=2000)
            if history:
                StageHistory.objects.bulk_create(stays, batch_size=2000)
        created += n
        say(f"  opportunities: {have + created:,}/{count:,}")
    return created


def connection_lacks_returning(objs) -> bool:
    return any(o.pk is None for o in objs)


def seed_targets(*, organization, year: int | None = None) -> int:
    """Monthly targets per agency and per active user with an agency for the current year (idempotent)."""
    from django.contrib.auth import get_user_model

    from assura.identity.models import Agency

    year = year or timezone.localdate().year
    rng = random.Random(year)
    made = 0
    agencies = list(Agency.objects.filter(organization=organization, is_active=True))
    users = list(get_user_model().objects.filter(organization=organization, is_active=True, agency__isnull=False,
                                                 role="user"))
    for month in range(1, 13):
        start, end = period_bounds(TargetPeriod.MONTH, datetime(year, month, 1).date())
        for agency in agencies:
            _t, was_created = SalesTarget.objects.get_or_create(
                organization=organization, agency=agency, user=None, start=start,
                defaults={"end": end, "period": TargetPeriod.MONTH,
                          "premium_target": Decimal(rng.randint(30, 90) * 100_000), "count_target": rng.randint(8, 25)})
            made += was_created
        for user in users:
            _t, was_created = SalesTarget.objects.get_or_create(
                organization=organization, user=user, agency=None, start=start,
                defaults={"end": end, "period": TargetPeriod.MONTH,
                          "premium_target": Decimal(rng.randint(8, 30) * 100_000), "count_target": rng.randint(2, 8)})
            made += was_created
    return made


__all__ = ["PipelineStage", "seed_opportunities", "seed_targets"]
