"""Forecast: pipeline, weighted, won and target per period and per group, exact in Decimal.

Rules (tested with tables of cases in tests/test_forecast.py):
  * an open opportunity counts in the period of its expected close date: its amount in
    "pipeline", amount × probability / 100 in "weighted" (kept exact to 1/10,000 DA and
    rounded half-up to the centime only for display);
  * a won opportunity counts in "won" (amount and count) in the period it was won (closed_on);
  * a target counts in a bucket when its whole period lies inside the bucket (monthly targets
    in months, quarters and the year; quarterly ones in quarters and the year; yearly ones in
    the year total only) — nothing is prorated, so the figures stay exact;
  * achievement % = won / target × 100, rounded half-up to one decimal; none without a target.
Branch grouping splits an opportunity by its product lines (each line's premium in its branch).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth

from assura.sales.choices import Branch, ForecastGroup, OpportunityStatus

CENT = Decimal("0.01")
ZERO = Decimal("0")
WEIGHT_FIELD = DecimalField(max_digits=20, decimal_places=2)


def weighted(amount: Decimal, probability: int) -> Decimal:
    """amount × probability / 100, exact (4 decimals at most)."""
    return (Decimal(amount) * probability / Decimal(100)).quantize(Decimal("0.0001"))


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def achievement(done: Decimal | int, target: Decimal | int | None) -> Decimal | None:
    if not target:
        return None
    return (Decimal(done) * 100 / Decimal(target)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def bucket_of(day: date, period: str) -> date:
    """First day of the month (period "month") or of the quarter ("quarter") containing `day`."""
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, day.month, 1)


def buckets(year: int, period: str) -> list[date]:
    step = 3 if period == "quarter" else 1
    return [date(year, m, 1) for m in range(1, 13, step)]


def bucket_end(start: date, period: str) -> date:
    from assura.sales.services import period_bounds

    return period_bounds("quarter" if period == "quarter" else "month", start)[1]


@dataclass
class Cell:
    pipeline: Decimal = ZERO
    weighted_raw: Decimal = ZERO  # Σ amount × probability (÷ 100 for the weighted amount)
    open_count: int = 0
    won: Decimal = ZERO
    won_count: int = 0
    target: Decimal = ZERO
    target_count: int = 0

    @property
    def weighted(self) -> Decimal:
        return money(self.weighted_raw / 100)

    @property
    def achievement(self) -> Decimal | None:
        return achievement(self.won, self.target)

    @property
    def count_achievement(self) -> Decimal | None:
        return achievement(self.won_count, self.target_count)

    def add(self, other: Cell) -> None:
        for name in ("pipeline", "weighted_raw", "open_count", "won", "won_count", "target", "target_count"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "pipeline": str(money(self.pipeline)), "weighted": str(self.weighted), "open_count": self.open_count,
            "won": str(money(self.won)), "won_count": self.won_count, "target": str(money(self.target)),
            "target_count": self.target_count,
            "achievement": None if self.achievement is None else str(self.achievement),
            "count_achievement": None if self.count_achievement is None else str(self.count_achievement),
        }


@dataclass
class ForecastRow:
    key: object
    label: str
    cells: dict = field(default_factory=dict)  # bucket start → Cell
    total: Cell = field(default_factory=Cell)


@dataclass
class Forecast:
    year: int
    period: str
    group_by: str
    buckets: list[date]
    rows: list[ForecastRow]
    total: ForecastRow


def _group_path(group_by: str) -> str:
    return {ForecastGroup.USER: "owner_id", ForecastGroup.AGENCY: "agency_id",
            ForecastGroup.REGION: "agency__region_id"}[group_by]


def _labels(user, group_by: str, keys) -> dict:
    from django.contrib.auth import get_user_model

    from assura.identity.models import Agency, Region

    keys = [k for k in keys if k is not None]
    if group_by == ForecastGroup.BRANCH:
        return {k: str(Branch(k).label) if k in Branch.values else k for k in keys}
    model = {ForecastGroup.USER: get_user_model(), ForecastGroup.AGENCY: Agency, ForecastGroup.REGION: Region}[group_by]
    objs = model.objects.filter(organization_id=user.organization_id, pk__in=keys)
    if group_by == ForecastGroup.AGENCY:
        return {o.pk: f"{o.number} {o.name}" for o in objs}
    return {o.pk: (o.get_full_name() or o.email) if group_by == ForecastGroup.USER else str(o) for o in objs}


def forecast(*, user, year: int, period: str = "month", group_by: str = ForecastGroup.AGENCY,
             opportunities=None) -> Forecast:
    """The forecast table of `year` for what `user` may see (or the given queryset)."""
    from assura.sales.models import Opportunity, OpportunityLine, SalesTarget

    if period not in ("month", "quarter"):
        period = "month"
    if group_by not in ForecastGroup.values:
        group_by = ForecastGroup.AGENCY
    start, end = date(year, 1, 1), date(year, 12, 31)
    qs = opportunities if opportunities is not None else Opportunity.objects.visible_to(user)
    cells: dict = defaultdict(lambda: defaultdict(Cell))

    open_q = Q(status=OpportunityStatus.OPEN, expected_close_date__range=(start, end))
    won_q = Q(status=OpportunityStatus.WON, closed_on__range=(start, end))
    if group_by == ForecastGroup.BRANCH:
        lines = OpportunityLine.objects.filter(opportunity__in=qs.order_by().values("pk"))
        opened = (lines.filter(**{f"opportunity__{k}": v for k, v in open_q.children})
                  .annotate(month=TruncMonth("opportunity__expected_close_date")).values("branch", "month")
                  .annotate(total=Sum("premium"), n=Count("opportunity_id", distinct=True),
                            w=Sum(ExpressionWrapper(F("premium") * F("opportunity__probability"),
                                                    output_field=WEIGHT_FIELD))))
        won = (lines.filter(**{f"opportunity__{k}": v for k, v in won_q.children})
               .annotate(month=TruncMonth("opportunity__closed_on")).values("branch", "month")
               .annotate(total=Sum("premium"), n=Count("opportunity_id", distinct=True)))
        key = "branch"
    else:
        key = _group_path(group_by)
        base = qs.order_by()
        opened = (base.filter(open_q).annotate(month=TruncMonth("expected_close_date")).values(key, "month")
                  .annotate(total=Sum("amount"), n=Count("id"),
                            w=Sum(ExpressionWrapper(F("amount") * F("probability"), output_field=WEIGHT_FIELD))))
        won = (base.filter(won_q).annotate(month=TruncMonth("closed_on")).values(key, "month")
               .annotate(total=Sum("amount"), n=Count("id")))
    for row in opened:
        cell = cells[row[key]][bucket_of(_as_date(row["month"]), period)]
        cell.pipeline += row["total"] or ZERO
        cell.weighted_raw += row["w"] or ZERO
        cell.open_count += row["n"]
    for row in won:
        cell = cells[row[key]][bucket_of(_as_date(row["month"]), period)]
        cell.won += row["total"] or ZERO
        cell.won_count += row["n"]

    # Targets: only for user and agency groupings (region: the sum of its agencies' targets).
    year_targets: dict = defaultdict(Cell)
    if group_by != ForecastGroup.BRANCH:
        targets = SalesTarget.objects.filter(organization_id=user.organization_id, start__gte=start, end__lte=end)
        if group_by == ForecastGroup.USER:
            targets = targets.filter(user__isnull=False).values_list("user_id", "period", "start", "end",
                                                                      "premium_target", "count_target")
        else:
            path = "agency_id" if group_by == ForecastGroup.AGENCY else "agency__region_id"
            targets = targets.filter(agency__isnull=False).values_list(path, "period", "start", "end",
                                                                        "premium_target", "count_target")
        visible_keys = _visible_group_keys(user, group_by)
        for gkey, _kind, t_start, t_end, premium, count in targets:
            if visible_keys is not None and gkey not in visible_keys:
                continue
            b = bucket_of(t_start, period)
            if t_end <= bucket_end(b, period):
                cells[gkey][b].target += premium
                cells[gkey][b].target_count += count
            else:  # a target longer than the bucket: counted in the year total only
                year_targets[gkey].target += premium
                year_targets[gkey].target_count += count

    labels = _labels(user, group_by, list(cells) + list(year_targets))
    rows, grand = [], ForecastRow(key=None, label="Total")
    bucket_list = buckets(year, period)
    for gkey in set(cells) | set(year_targets):
        row = ForecastRow(key=gkey, label=labels.get(gkey) or "—")
        for b in bucket_list:
            cell = cells[gkey].get(b, Cell())
            row.cells[b] = cell
            row.total.add(cell)
            grand.cells.setdefault(b, Cell()).add(cell)
        row.total.target += year_targets[gkey].target
        row.total.target_count += year_targets[gkey].target_count
        grand.total.add(row.total)
        rows.append(row)
    for b in bucket_list:
        grand.cells.setdefault(b, Cell())
    rows.sort(key=lambda r: str(r.label))
    return Forecast(year=year, period=period, group_by=group_by, buckets=bucket_list, rows=rows, total=grand)


def _visible_group_keys(user, group_by: str):
    """Targets shown only for what the user may see: a Utilisateur without company-wide reading sees
    their own target (user grouping) or their agency's (agency/region grouping)."""
    from assura.core.permissions import user_can

    if user_can(user, "records.read_all") or user_can(user, "dashboards.company"):
        return None
    if group_by == ForecastGroup.USER:
        return {user.pk}
    if group_by == ForecastGroup.AGENCY:
        return {user.agency_id} if user.agency_id else set()
    return {user.agency.region_id} if user.agency_id and user.agency.region_id else set()


def _as_date(value) -> date:
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value
