"""Reads of the sales app, always scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from assura.sales.choices import OpportunityStatus
from assura.sales.forecast import money
from assura.sales.models import Opportunity, PipelineStage, SalesTarget

STALE_DAYS = 30  # no activity on an open opportunity for this long → flagged
KANBAN_CARDS = 25  # cards shown per column (totals count them all)
LIST_RELATED = ("stage", "owner", "agency", "account", "contact")


def stale_condition(now=None) -> Q:
    now = now or timezone.now()
    return Q(status=OpportunityStatus.OPEN) & (
        Q(last_activity_at__lt=now - timedelta(days=STALE_DAYS)) | Q(expected_close_date__lt=timezone.localdate())
    )


def is_stale(opportunity: Opportunity, *, now=None, today=None) -> bool:
    now = now or timezone.now()
    today = today or timezone.localdate()
    return opportunity.status == OpportunityStatus.OPEN and (
        opportunity.last_activity_at < now - timedelta(days=STALE_DAYS) or opportunity.expected_close_date < today
    )


def opportunity_list(*, user):
    return Opportunity.objects.visible_to(user).select_related(*LIST_RELATED)


def opportunity_detail_queryset(*, user):
    return Opportunity.objects.visible_to(user).select_related(*LIST_RELATED, "lead")


def stages(*, user) -> list[PipelineStage]:
    from assura.sales.services import stages_ensure

    stages_ensure(organization_id=user.organization_id)
    return list(PipelineStage.objects.visible_to(user).filter(is_active=True))


@dataclass
class KanbanColumn:
    stage: PipelineStage
    count: int = 0
    amount: Decimal = Decimal("0")
    weighted: Decimal = Decimal("0")
    cards: list = field(default_factory=list)
    options_html: str = ""  # the stage <option>s of this column's cards, rendered once

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.cards))


def kanban(*, user, queryset) -> list[KanbanColumn]:
    """Columns of the pipeline for the (filtered, visible) `queryset`: totals over every matching
    opportunity (one grouped query), and the first cards of each column (one query per column)."""
    from django.utils.html import format_html, format_html_join

    columns = [KanbanColumn(stage=s) for s in stages(user=user)]
    for column in columns:
        column.options_html = format_html_join("", "{}", (
            (format_html('<option value="{}"{}>{}</option>', c.stage.pk,
                         " selected" if c.stage.pk == column.stage.pk else "", c.stage.name),)
            for c in columns if not c.stage.is_lost))
    base = queryset.order_by()
    totals = base.values("stage_id").annotate(
        n=Count("id"), total=Sum("amount"),
        w=Sum(ExpressionWrapper(F("amount") * F("probability"), output_field=DecimalField(max_digits=20,
                                                                                          decimal_places=2))),
    )
    by_stage = {row["stage_id"]: row for row in totals}
    now, today = timezone.now(), timezone.localdate()
    for column in columns:
        row = by_stage.get(column.stage.pk)
        if row:
            column.count = row["n"]
            column.amount = money(row["total"] or 0)
            column.weighted = money((row["w"] or 0) / Decimal(100))
        if row:  # one query per non-empty stage: at most one per stage
            cards = list(queryset.filter(stage=column.stage).select_related("owner", "account", "contact")
                         .order_by("expected_close_date", "id")[:KANBAN_CARDS])
            for card in cards:
                card.stale = is_stale(card, now=now, today=today)
            column.cards = cards
    return columns


def closing_soon(*, user, days: int = 30, limit: int = 8) -> list[Opportunity]:
    today = timezone.localdate()
    return list(
        Opportunity.objects.visible_to(user).filter(status=OpportunityStatus.OPEN, owner=user,
                                                    expected_close_date__lte=today + timedelta(days=days))
        .select_related("stage", "account", "contact").order_by("expected_close_date", "id")[:limit]
    )


def target_list(*, user):
    return SalesTarget.objects.visible_to(user).select_related("user", "agency")


def opportunities_of(*, user, contact=None, account=None, limit: int = 50) -> list[Opportunity]:
    """The opportunities of a contact or an account that the user may see (the 360 tab)."""
    qs = Opportunity.objects.visible_to(user).select_related("stage", "owner")
    qs = qs.filter(contact=contact) if contact is not None else qs.filter(account=account)
    return list(qs.order_by("status", "expected_close_date", "id")[:limit])
