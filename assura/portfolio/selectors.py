"""Reads of the portfolio, always scoped by `visible_to(user)`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from assura.portfolio.choices import ClaimStatus, PolicyStatus
from assura.portfolio.models import (
    Branch,
    Claim,
    Instalment,
    Payment,
    Policy,
    PortfolioSettings,
    Product,
    Quote,
)
from assura.portfolio.services import today

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
LIST_RELATED = ("contact", "account", "product", "formula", "agency", "owner")
OPEN_CLAIM = [ClaimStatus.DECLARED, ClaimStatus.INVESTIGATING, ClaimStatus.EXPERTISE, ClaimStatus.OFFER_SENT]


def catalogue(*, user):
    return (Branch.objects.visible_to(user)
            .prefetch_related("products__formulas", "products__guarantees"))


def product_detail_queryset(*, user):
    return Product.objects.visible_to(user).select_related("branch")


def settings_get(*, user) -> PortfolioSettings:
    from assura.portfolio.services import settings_for

    return settings_for(user.organization_id)


def policy_list(*, user):
    return Policy.objects.visible_to(user).select_related(*LIST_RELATED)


def policy_detail_queryset(*, user):
    return Policy.objects.visible_to(user).select_related(*LIST_RELATED, "product__branch", "previous_policy",
                                                          "created_by")


def quote_list(*, user):
    return Quote.objects.visible_to(user).select_related(*LIST_RELATED)


def claim_list(*, user):
    return Claim.objects.visible_to(user).select_related("policy", "contact", "account", "agency", "owner")


def instalment_list(*, user):
    return Instalment.objects.visible_to(user).select_related("policy", "contact", "account", "agency")


def payment_list(*, user):
    return Payment.objects.visible_to(user).select_related("policy", "contact", "account")


RENEWAL_WINDOWS = (30, 60, 90)


def renewal_queue(*, user, days: int = 90, on=None):
    """Policies in force expiring within `days`, not yet renewed nor refused renewal."""
    on = on or today()
    return (policy_list(user=user)
            .filter(status=PolicyStatus.IN_FORCE, expiry_date__gte=on,
                    expiry_date__lte=on + datetime.timedelta(days=days), non_renewal_reason=""))


@dataclass
class RenewalRateRow:
    label: str
    due: int
    renewed: int

    @property
    def rate(self) -> Decimal | None:
        return (Decimal(self.renewed * 100) / self.due).quantize(Decimal("0.1")) if self.due else None


def renewal_rate(*, user, start, end, by: str = "branch") -> list[RenewalRateRow]:
    """Terms that came to expiry between `start` and `end` (cancelled ones excluded) and how many
    were renewed, per branch or agency: one grouped query."""
    keys = {"branch": ("product__branch__name",), "agency": ("agency__number", "agency__name")}[by]
    rows = (Policy.objects.visible_to(user)
            .filter(expiry_date__gte=start, expiry_date__lte=end)
            .exclude(status__in=[PolicyStatus.CANCELLED])
            .exclude(status__in=[PolicyStatus.IN_FORCE, PolicyStatus.SUSPENDED], expiry_date__gte=today())
            .order_by().values(*keys)
            .annotate(due=Count("pk"), renewed=Count("pk", filter=Q(status=PolicyStatus.RENEWED)))
            .order_by(*keys))
    return [RenewalRateRow(label=" — ".join(str(r[k] or "—") for k in keys), due=r["due"], renewed=r["renewed"])
            for r in rows]


# --- Ageing ---------------------------------------------------------------------------------------------

@dataclass
class AgeingRow:
    label: str
    buckets: list[Decimal] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO)


BUCKETS = (("0–30", 0, 30), ("31–60", 31, 60), ("61–90", 61, 90), ("> 90", 91, None))


def ageing_report(*, user, on=None, agency=None) -> dict:
    """Overdue amounts (amount − paid, due date passed) by days overdue, per agency: one grouped query."""
    on = on or today()
    qs = Instalment.objects.visible_to(user).filter(is_settled=False, due_date__lt=on)
    if agency is not None:
        qs = qs.filter(agency=agency)
    outstanding = F("amount") - F("paid_amount")
    aggregates = {}
    for n, (_label, low, high) in enumerate(BUCKETS):
        cond = Q(due_date__lte=on - datetime.timedelta(days=max(low, 1)))
        if high is not None:
            cond &= Q(due_date__gte=on - datetime.timedelta(days=high))
        aggregates[f"b{n}"] = Coalesce(Sum(Case(When(cond, then=outstanding), default=Value(ZERO),
                                                output_field=MONEY)), Value(ZERO), output_field=MONEY)
    grouped = (qs.order_by().values("agency__number", "agency__name").annotate(count=Count("pk"), **aggregates)
               .order_by("agency__number"))
    rows = []
    for item in grouped:
        label = f"{item['agency__number']} — {item['agency__name']}" if item["agency__number"] else "—"
        rows.append(AgeingRow(label=label, buckets=[item[f"b{n}"] for n in range(len(BUCKETS))]))
    totals = AgeingRow(label="Total", buckets=[sum((r.buckets[n] for r in rows), ZERO) for n in range(len(BUCKETS))])
    return {"labels": [b[0] for b in BUCKETS], "rows": rows, "totals": totals, "on": on}


# --- Customer profile ------------------------------------------------------------------------------------

def _holder_filter(record) -> dict:
    return {"contact": record} if record._meta.model_name == "contact" else {"account": record}


def customer_totals(*, user, record, on=None) -> dict:
    """Premiums in force, claims paid, amount overdue for a contact or account: three aggregate queries."""
    on = on or today()
    where = _holder_filter(record)
    premiums = (Policy.objects.visible_to(user).filter(status=PolicyStatus.IN_FORCE, **where)
                .aggregate(total=Sum("total_premium"), count=Count("pk")))
    claims = Claim.objects.visible_to(user).filter(**where).aggregate(
        paid=Sum("paid_amount"), open=Count("pk", filter=Q(status__in=OPEN_CLAIM)))
    overdue = (Instalment.objects.visible_to(user).filter(is_settled=False, due_date__lt=on, **where)
               .aggregate(total=Sum(F("amount") - F("paid_amount"), output_field=MONEY)))
    return {"premiums_in_force": premiums["total"] or ZERO, "policies_in_force": premiums["count"],
            "claims_paid": claims["paid"] or ZERO, "claims_open": claims["open"],
            "overdue": overdue["total"] or ZERO}


def customer_policies(*, user, record, limit: int = 50, in_force: bool = False):
    qs = policy_list(user=user).filter(**_holder_filter(record))
    if in_force:
        qs = qs.filter(status=PolicyStatus.IN_FORCE)
    return list(qs.order_by("-effective_date", "-pk")[:limit])


def customer_claims(*, user, record, limit: int = 50):
    return list(claim_list(user=user).filter(**_holder_filter(record)).order_by("-declared_on", "-pk")[:limit])


def customer_instalments(*, user, record, limit: int = 50):
    """Open instalments first (oldest due first), then the last settled ones."""
    qs = instalment_list(user=user).filter(**_holder_filter(record))
    open_items = list(qs.filter(is_settled=False).order_by("due_date", "pk")[:limit])
    paid = list(qs.filter(is_settled=True).order_by("-due_date", "-pk")[:10])
    return open_items, paid


# --- Home ------------------------------------------------------------------------------------------------

@dataclass
class HomeItem:
    kind: str  # "renewal" | "overdue"
    label: str
    detail: str
    date: datetime.date
    amount: Decimal
    url: str


def home_items(user, *, limit: int = 5) -> dict[str, list[HomeItem]]:
    """For the home page: renewals due in the next 30 days and the oldest overdue instalments
    the user may see (their own and their agency's for an Utilisateur). Two queries."""
    on = today()
    renewals = [
        HomeItem("renewal", p.number, str(p.holder or ""), p.expiry_date, p.total_premium, p.get_absolute_url())
        for p in renewal_queue(user=user, days=30, on=on).order_by("expiry_date", "pk")[:limit]
    ]
    overdue = [
        HomeItem("overdue", i.policy.number, str(i.contact or i.account or ""), i.due_date, i.outstanding,
                 i.get_absolute_url())
        for i in instalment_list(user=user).filter(is_settled=False, due_date__lt=on).order_by("due_date", "pk")[:limit]
    ]
    return {"renewals": renewals, "overdue": overdue}


# --- The customer's upcoming dates (the profile's Notifications tab) -----------------------------------

UPCOMING_INSTALMENT_DAYS = 30
UPCOMING_EXPIRY_DAYS = 90


def customer_upcoming(*, user, record, on=None, limit: int = 20) -> list:
    """Instalments overdue or due within 30 days, policies in force expiring within 90 days:
    two queries whatever the portfolio's size."""
    from django.utils.translation import gettext as _

    from assura.core.upcoming import Upcoming

    on = on or today()
    where = _holder_filter(record)
    instalments = (Instalment.objects.visible_to(user).select_related("policy")
                   .filter(is_settled=False, due_date__lte=on + datetime.timedelta(days=UPCOMING_INSTALMENT_DAYS),
                           **where).order_by("due_date", "pk")[:limit])
    policies = (Policy.objects.visible_to(user).only("pk", "number", "expiry_date")
                .filter(status=PolicyStatus.IN_FORCE, expiry_date__gte=on,
                        expiry_date__lte=on + datetime.timedelta(days=UPCOMING_EXPIRY_DAYS), **where)
                .order_by("expiry_date", "pk")[:limit])
    items = [
        Upcoming(i.due_date, (_("Échéance impayée — police %(number)s") if i.due_date < on
                              else _("Échéance — police %(number)s")) % {"number": i.policy.number},
                 _("%(amount)s DA à régler") % {"amount": i.outstanding}, i.get_absolute_url(), "cash-coin",
                 overdue=i.due_date < on)
        for i in instalments
    ]
    items += [Upcoming(p.expiry_date, _("Fin de la police %(number)s") % {"number": p.number},
                       _("À renouveler"), p.get_absolute_url(), "arrow-repeat")
              for p in policies]
    return items
