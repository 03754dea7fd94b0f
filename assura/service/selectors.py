"""Reads of the service desk, always through `visible_to(user)`."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from assura.service.choices import OPEN_STATUSES, Priority, Queue, TicketStatus
from assura.service.models import InboundEmail, KbArticle, Team, Ticket, TicketMessage

LIST_RELATED = ("assignee", "team", "category", "contact", "account")


def ticket_list(*, user):
    return Ticket.objects.visible_to(user).select_related(*LIST_RELATED)


def breached_q(now):
    return Q(sla_breached=True) | Q(first_responded_at__isnull=True, first_response_due__lte=now) \
        | Q(resolution_due__lte=now)


def queue_filter(qs, queue: str, user, now: dt.datetime | None = None):
    now = now or timezone.now()
    open_qs = qs.filter(status__in=OPEN_STATUSES)
    if queue == Queue.MINE:
        return open_qs.filter(assignee=user)
    if queue == Queue.TEAM:
        return open_qs.filter(team__in=Team.objects.filter(members=user).values("pk"))
    if queue == Queue.UNASSIGNED:
        return open_qs.filter(assignee__isnull=True)
    # At risk / breached: the flags the SLA scan maintains (indexed); the ticket page shows the live state.
    if queue == Queue.AT_RISK:
        return open_qs.filter(sla_at_risk=True, sla_breached=False, sla_paused_at__isnull=True)
    if queue == Queue.BREACHED:
        return open_qs.filter(sla_breached=True, sla_paused_at__isnull=True)
    return qs


COUNT_CAP = 999


def queue_counts(*, user, cap: int = COUNT_CAP) -> dict[str, int]:
    """Open tickets per queue for the tabs, each count capped (a bounded LIMIT subquery: it stays
    fast at a million tickets; the page shows "999+")."""
    now = timezone.now()
    qs = Ticket.objects.visible_to(user).order_by()
    return {q.value: queue_filter(qs, q.value, user, now).values("pk")[: cap + 1].count() for q in Queue}


def ticket_detail_queryset(*, user):
    return Ticket.objects.visible_to(user).select_related(
        "assignee", "team", "team__lead", "category", "subcategory", "suggested_category", "contact",
        "contact__agency", "account", "agency", "sla_policy", "lead", "created_by", "policy", "claim",
    )


def conversation(*, ticket):
    return list(TicketMessage.objects.filter(ticket=ticket).select_related("author")
                .prefetch_related("attachments").order_by("created_at", "id"))


def customer_summary(*, user, ticket, limit: int = 5) -> dict:
    """The customer's other tickets (open first), policies in force and open claims."""
    customer_q = None
    if ticket.contact_id:
        customer_q = Q(contact_id=ticket.contact_id)
    elif ticket.account_id:
        customer_q = Q(account_id=ticket.account_id)
    elif ticket.customer_email:
        customer_q = Q(customer_email=ticket.customer_email)
    if customer_q is None:
        return {"tickets": [], "open_count": 0, **_portfolio_summary(user=user, ticket=ticket, limit=limit)}
    qs = Ticket.objects.visible_to(user).filter(customer_q).exclude(pk=ticket.pk)
    rows = list(qs.annotate(closed_rank=Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1),
                                         output_field=IntegerField()))
                .order_by("closed_rank", "-created_at")
                .only("pk", "reference", "subject", "status", "created_at")[:limit])
    return {"tickets": rows, "open_count": sum(1 for r in rows if r.status in OPEN_STATUSES),
            **_portfolio_summary(user=user, ticket=ticket, limit=limit)}


def _portfolio_summary(*, user, ticket, limit: int) -> dict:
    """The customer's policies in force and open claims, and the policy and claim the ticket is
    linked to (loaded with the ticket), as links when the user may see them (at most four queries)."""
    from assura.portfolio.choices import ClaimStatus, PolicyStatus
    from assura.portfolio.models import Claim, Policy

    holder = ({"contact_id": ticket.contact_id} if ticket.contact_id else
              {"account_id": ticket.account_id} if ticket.account_id else None)
    policies = Policy.objects.visible_to(user)
    claims = Claim.objects.visible_to(user)
    summary = {"policies": [], "claims": [], "policy": None, "claim": None}
    if holder:
        summary["policies"] = list(policies.filter(**holder, status=PolicyStatus.IN_FORCE).select_related("product")
                                   .order_by("expiry_date", "pk")[:limit])
        summary["claims"] = list(claims.filter(**holder).exclude(
            status__in=[ClaimStatus.SETTLED, ClaimStatus.REFUSED, ClaimStatus.CLOSED]).order_by("-declared_on", "-pk")
            [:limit])
    if ticket.policy_id and policies.filter(pk=ticket.policy_id).exists():
        summary["policy"] = ticket.policy
    if ticket.claim_id and claims.filter(pk=ticket.claim_id).exists():
        summary["claim"] = ticket.claim
    return summary


def tickets_naming(*, user, policy=None, claim=None, limit: int = 20) -> dict:
    """The tickets linked to a policy or a claim (newest first) that the user may see, for the
    section of the policy / claim page: two queries."""
    qs = Ticket.objects.visible_to(user).filter(**({"policy": policy} if policy is not None else {"claim": claim}))
    rows = list(qs.select_related("assignee").order_by("-created_at", "-id")[:limit])
    return {"tickets": rows, "count": len(rows) if len(rows) < limit else qs.count()}


def contact_tickets(*, user, contact, limit: int = 50):
    return list(Ticket.objects.visible_to(user).filter(contact=contact).select_related("assignee", "category")
                .order_by("-created_at")[:limit])


def home_items(user, *, limit: int = 5) -> list[Ticket]:
    """The user's assigned open tickets, most urgent first: breached, then the nearest due date, then priority."""
    now = timezone.now()
    rank = Case(*[When(priority=p, then=Value(i)) for i, p in enumerate(
        (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW))], default=Value(9),
        output_field=IntegerField())
    late = Case(When(breached_q(now), then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(Ticket.objects.visible_to(user).filter(assignee=user, status__in=OPEN_STATUSES)
                .select_related("category").annotate(late=late, rank=rank)
                .order_by("late", "resolution_due", "rank", "created_at")[:limit])


def kb_list(*, user):
    return KbArticle.objects.visible_to(user).select_related("category", "author")


def quarantine_list(*, user):
    return InboundEmail.objects.visible_to(user).select_related("ticket").defer("raw")


def service_report(*, user, days: int = 90) -> dict:
    """SLA met % and CSAT average over the tickets resolved in the last `days` days."""
    since = timezone.now() - dt.timedelta(days=days)
    qs = Ticket.objects.visible_to(user).filter(resolved_at__gte=since)
    figures = qs.aggregate(
        resolved=Count("pk"), with_sla=Count("pk", filter=Q(sla_met__isnull=False)),
        met=Count("pk", filter=Q(sla_met=True)), csat_avg=Avg("csat_score"),
        csat_count=Count("pk", filter=Q(csat_score__isnull=False)),
    )
    figures["sla_met_pct"] = round(100 * figures["met"] / figures["with_sla"], 1) if figures["with_sla"] else None
    figures["csat_avg"] = round(figures["csat_avg"], 2) if figures["csat_avg"] is not None else None
    figures["by_category"] = list(
        qs.values("category__name").annotate(n=Count("pk"), met=Count("pk", filter=Q(sla_met=True)),
                                             csat=Avg("csat_score")).order_by("-n")[:10])
    figures["open"] = Ticket.objects.visible_to(user).filter(status__in=OPEN_STATUSES).count()
    figures["days"] = days
    figures["status_resolved"] = TicketStatus.RESOLVED
    return figures
