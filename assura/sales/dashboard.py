"""The personal dashboard's widgets: a registry of KPI cards, charts and tables, each computed
from the database for what the user may see (`visible_to`), over the chosen period.

A Superviseur (action `dashboards.company`) also has the agencies side by side."""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db import models
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from assura.core.permissions import user_can
from assura.sales.choices import OpportunityStatus
from assura.sales.forecast import _as_date, achievement, money

PERIODS = {
    "month": _("Ce mois"),
    "quarter": _("Ce trimestre"),
    "year": _("Cette année"),
    "12m": _("12 derniers mois"),
}
WEIGHT = DecimalField(max_digits=20, decimal_places=2)


@dataclass
class Period:
    key: str
    start: date
    end: date
    months: list[date]  # the months the charts show

    @property
    def start_dt(self):
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_dt(self):
        return timezone.make_aware(datetime.combine(self.end, time.max))


def _add_months(day: date, n: int) -> date:
    month = day.month - 1 + n
    return date(day.year + month // 12, month % 12 + 1, 1)


def period_for(key: str, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    if key not in PERIODS:
        key = "year"
    this_month = today.replace(day=1)
    if key == "month":
        start = this_month
    elif key == "quarter":
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    elif key == "year":
        start = date(today.year, 1, 1)
    else:
        start = _add_months(this_month, -11)
    if key == "year":
        end = date(today.year, 12, 31)
    elif key == "quarter":
        last = _add_months(start, 2)
        end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    else:
        end = this_month.replace(day=calendar.monthrange(this_month.year, this_month.month)[1])
    first_chart = min(start, _add_months(this_month, -5))
    months, cursor = [], first_chart
    while cursor <= end:
        months.append(cursor)
        cursor = _add_months(cursor, 1)
    return Period(key, start, end, months)


@dataclass(frozen=True)
class Widget:
    key: str
    label: object
    kind: str  # "kpi", "chart", "table"
    compute: Callable
    action: str | None = None
    description: object = ""


WIDGETS: dict[str, Widget] = {}


def register_widget(widget: Widget) -> None:
    WIDGETS[widget.key] = widget


def widgets_available(user) -> list[Widget]:
    return [w for w in WIDGETS.values() if w.action is None or user_can(user, w.action)]


def default_widgets(user) -> list[str]:
    keys = ["leads_created", "conversion_rate", "won", "open_pipeline", "weighted_vs_target", "activities_done",
            "crm_collab"]
    if user_can(user, "dashboards.company"):
        keys.append("agencies")
    return keys


# --- Querysets ---------------------------------------------------------------------------------------------

def _leads(user):
    from assura.leads.models import Lead

    return Lead.objects.visible_to(user).order_by()


def _opps(user):
    from assura.sales.models import Opportunity

    return Opportunity.objects.visible_to(user).order_by()


def _activities(user):
    from assura.activities.models import Activity

    return Activity.objects.visible_to(user).order_by()


def _by_month(qs, date_field: str, period: Period, **aggregates) -> dict:
    """{first day of month: row} over the chart's months; `date_field` a DateField or a DateTimeField."""
    is_date = not isinstance(qs.model._meta.get_field(date_field), models.DateTimeField)
    start = period.months[0]
    bounds = (start, period.end) if is_date else (timezone.make_aware(datetime.combine(start, time.min)),
                                                  period.end_dt)
    rows = (qs.filter(**{f"{date_field}__range": bounds}).annotate(m=TruncMonth(date_field)).values("m")
            .annotate(**aggregates))
    return {_as_date(r["m"]).replace(day=1): r for r in rows}


def _labels(period: Period) -> list[str]:
    return [date_format(m, "M Y") for m in period.months]


# --- Widgets -----------------------------------------------------------------------------------------------

def leads_created(user, period: Period) -> dict:
    n = _leads(user).filter(created_at__range=(period.start_dt, period.end_dt)).count()
    return {"value": n}


def conversion_rate(user, period: Period) -> dict:
    agg = _leads(user).filter(created_at__range=(period.start_dt, period.end_dt)).aggregate(
        n=Count("id"), converted=Count("id", filter=Q(converted_at__isnull=False)))
    rate = achievement(agg["converted"], agg["n"])
    return {"value": rate, "suffix": "%", "detail": _("%(c)s converties sur %(n)s") % {"c": agg["converted"],
                                                                                     "n": agg["n"]}}


def won(user, period: Period) -> dict:
    agg = _opps(user).filter(status=OpportunityStatus.WON, closed_on__range=(period.start, period.end)).aggregate(
        n=Count("id"), amount=Sum("amount"))
    return {"value": agg["n"], "money": money(agg["amount"] or 0)}


def open_pipeline(user, period: Period) -> dict:
    agg = _opps(user).filter(status=OpportunityStatus.OPEN).aggregate(n=Count("id"), amount=Sum("amount"))
    return {"value": money(agg["amount"] or 0), "is_money": True,
            "detail": _("%(n)s opportunités en cours") % {"n": agg["n"]}}


def _target_for(user, period: Period) -> Decimal:
    from assura.sales.models import SalesTarget

    targets = SalesTarget.objects.filter(organization_id=user.organization_id, start__gte=period.start,
                                         end__lte=period.end)
    if user_can(user, "dashboards.company"):
        targets = targets.filter(agency__isnull=False)
    else:
        targets = targets.filter(user=user)
    return targets.aggregate(t=Sum("premium_target"))["t"] or Decimal("0")


def weighted_vs_target(user, period: Period) -> dict:
    agg = _opps(user).filter(status=OpportunityStatus.OPEN, expected_close_date__range=(period.start, period.end)
                             ).aggregate(w=Sum(ExpressionWrapper(F("amount") * F("probability"), output_field=WEIGHT)))
    won_amount = _opps(user).filter(status=OpportunityStatus.WON, closed_on__range=(period.start, period.end)
                                    ).aggregate(a=Sum("amount"))["a"] or Decimal("0")
    weighted = money((agg["w"] or 0) / Decimal(100))
    target = _target_for(user, period)
    return {"value": weighted, "is_money": True, "target": money(target), "won": money(won_amount),
            "achievement": achievement(won_amount + weighted, target)}


def activities_done(user, period: Period) -> dict:
    from assura.activities.choices import ActivityStatus

    n = _activities(user).filter(status=ActivityStatus.DONE,
                                 completed_at__range=(period.start_dt, period.end_dt)).count()
    return {"value": n}


def _chart(period, datasets) -> dict:
    return {"json": json.dumps({"labels": _labels(period), "datasets": datasets}), "rows": list(zip(
        _labels(period), *[d["data"] for d in datasets], strict=True)), "headers": [d["label"] for d in datasets]}


def crm_collab(user, period: Period) -> dict:
    """The seed's "CRM collaboratif" figures per month: prospects créés, affaires gagnées, montant ouvert."""
    leads = _by_month(_leads(user), "created_at", period, n=Count("id"))
    won_rows = _by_month(_opps(user).filter(status=OpportunityStatus.WON), "closed_on", period, n=Count("id"))
    open_rows = _by_month(_opps(user).filter(status=OpportunityStatus.OPEN), "expected_close_date", period,
                          a=Sum("amount"))
    return _chart(period, [
        {"label": str(_("Prospects créés")), "data": [leads.get(m, {}).get("n", 0) for m in period.months],
         "type": "bar"},
        {"label": str(_("Affaires gagnées")), "data": [won_rows.get(m, {}).get("n", 0) for m in period.months],
         "type": "bar"},
        {"label": str(_("Montant ouvert (DA)")), "yAxisID": "y1", "type": "line",
         "data": [str(money(open_rows.get(m, {}).get("a") or 0)) for m in period.months]},
    ])


def won_by_month(user, period: Period) -> dict:
    rows = _by_month(_opps(user).filter(status=OpportunityStatus.WON), "closed_on", period, a=Sum("amount"))
    return _chart(period, [{"label": str(_("Primes gagnées (DA)")), "type": "bar",
                            "data": [str(money(rows.get(m, {}).get("a") or 0)) for m in period.months]}])


def activities_by_month(user, period: Period) -> dict:
    from assura.activities.choices import ActivityStatus

    rows = _by_month(_activities(user).filter(status=ActivityStatus.DONE), "completed_at", period, n=Count("id"))
    return _chart(period, [{"label": str(_("Activités faites")), "type": "bar",
                            "data": [rows.get(m, {}).get("n", 0) for m in period.months]}])


def agencies(user, period: Period) -> dict:
    """The company total and each agency side by side (Superviseur)."""
    from assura.identity.models import Agency
    from assura.sales.models import SalesTarget

    leads = dict(_leads(user).filter(created_at__range=(period.start_dt, period.end_dt))
                 .values("agency_id").annotate(n=Count("id")).values_list("agency_id", "n"))
    in_play = Q(status=OpportunityStatus.OPEN) | Q(status=OpportunityStatus.WON,
                                                   closed_on__range=(period.start, period.end))
    opps = {r["agency_id"]: r for r in _opps(user).filter(in_play).values("agency_id").annotate(
        won_n=Count("id", filter=Q(status=OpportunityStatus.WON, closed_on__range=(period.start, period.end))),
        won_a=Sum("amount", filter=Q(status=OpportunityStatus.WON, closed_on__range=(period.start, period.end))),
        open_a=Sum("amount", filter=Q(status=OpportunityStatus.OPEN)),
        w=Sum(ExpressionWrapper(F("amount") * F("probability"), output_field=WEIGHT),
              filter=Q(status=OpportunityStatus.OPEN, expected_close_date__range=(period.start, period.end))),
    )}
    targets = dict(SalesTarget.objects.filter(organization_id=user.organization_id, agency__isnull=False,
                                              start__gte=period.start, end__lte=period.end)
                   .values("agency_id").annotate(t=Sum("premium_target")).values_list("agency_id", "t"))
    rows = []
    total = {"label": _("Toute l'entreprise"), "leads": 0, "won_n": 0, "won_a": Decimal("0"), "open_a": Decimal("0"),
             "weighted": Decimal("0"), "target": Decimal("0")}
    names = {a.pk: f"{a.number} {a.name}" for a in Agency.objects.visible_to(user)}
    for key in sorted(set(leads) | set(opps) | set(targets), key=lambda k: names.get(k, "~")):
        r = opps.get(key, {})
        row = {"label": names.get(key, _("Sans agence")), "leads": leads.get(key, 0), "won_n": r.get("won_n", 0),
               "won_a": money(r.get("won_a") or 0), "open_a": money(r.get("open_a") or 0),
               "weighted": money((r.get("w") or 0) / Decimal(100)), "target": money(targets.get(key) or 0)}
        row["achievement"] = achievement(row["won_a"], row["target"])
        for k in ("leads", "won_n", "won_a", "open_a", "weighted", "target"):
            total[k] += row[k]
        rows.append(row)
    total["achievement"] = achievement(total["won_a"], total["target"])
    return {"rows": rows, "total": total}


for _w in (
    Widget("leads_created", _("Prospects créés"), "kpi", leads_created),
    Widget("conversion_rate", _("Taux de conversion des pistes"), "kpi", conversion_rate),
    Widget("won", _("Affaires gagnées"), "kpi", won),
    Widget("open_pipeline", _("Pipeline ouvert"), "kpi", open_pipeline),
    Widget("weighted_vs_target", _("Prévision pondérée et objectif"), "kpi", weighted_vs_target),
    Widget("activities_done", _("Activités faites"), "kpi", activities_done),
    Widget("crm_collab", _("CRM collaboratif : prospects, affaires gagnées, montant ouvert par mois"), "chart",
           crm_collab),
    Widget("won_by_month", _("Primes gagnées par mois"), "chart", won_by_month),
    Widget("activities_by_month", _("Activités faites par mois"), "chart", activities_by_month),
    Widget("agencies", _("L'entreprise et ses agences"), "table", agencies, action="dashboards.company"),
):
    register_widget(_w)


def render_data(user, widgets, period: Period) -> list[dict]:
    """[{"widget": DashboardWidget, "spec": Widget, "data": {...}}] for the user's saved widgets."""
    result = []
    available = {w.key for w in widgets_available(user)}
    for saved in widgets:
        spec = WIDGETS.get(saved.kind)
        if spec is None or spec.key not in available:
            continue
        result.append({"widget": saved, "spec": spec, "data": spec.compute(user, period)})
    return result
