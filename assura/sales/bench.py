"""`make bench` module of the sales app: opportunities at scale and the cases of issue #5.

The lead runs it on PostgreSQL (`BENCH_CASES=kanban,forecast,home,dashboard`); nothing is
pre-aggregated: the kanban, forecast and dashboard read grouped sums on indexed columns
(organization, status/stage/owner/agency, dates), exact Decimal.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

SCALE_ENV = "BENCH_OPPORTUNITIES"
SCALE_DEFAULT = 500_000


def seed(org, *, scale: int, say) -> dict:
    """Idempotent: tops the company up to `scale` opportunities (lines and stage history included),
    linked to its existing contacts, accounts, users and agencies, plus this year's monthly targets."""
    from assura.sales.demo import seed_opportunities, seed_targets
    from assura.sales.models import Opportunity

    created = seed_opportunities(organization=org, count=scale, seed=5, batch=10_000, say=say)
    targets = seed_targets(organization=org)
    analyse()
    return {"opportunities": Opportunity.objects.filter(organization=org).count(), "created": created,
            "targets_created": targets}


def analyse() -> None:
    """Fresh statistics after a bulk load: without them PostgreSQL plans the kanban's semi-joins as
    nested loops over "1 row" and a filtered board takes minutes instead of milliseconds."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("sales_opportunity", "sales_opportunityline", "sales_stagehistory", "sales_salestarget"):
            cursor.execute(f"ANALYZE {table}")


def cases(org, users) -> list[dict]:
    from assura.identity.models import Agency

    today = timezone.localdate()
    month = today.strftime("%Y-%m")
    kanban = reverse("sales:kanban")
    paths_kanban, paths_home, paths_forecast, paths_dashboard = {}, {}, {}, {}
    agency = Agency.objects.filter(organization=org, is_active=True).order_by("pk").first()
    for user in users:
        own_agency = user.agency_id or (agency.pk if agency else "")
        paths_kanban[user.email] = [
            f"{kanban}?owner={user.pk}&kind=nouvelle",
            f"{kanban}?agency={own_agency}&close_month={month}",
            f"{kanban}?agency={own_agency}&branch=automobile",
        ]
        paths_home[user.email] = [reverse("home")]
        paths_forecast[user.email] = [
            f"{reverse('sales:forecast')}?year={today.year}&period=month&group_by=agency",
            f"/api/v1/forecast/?year={today.year}&period=quarter&group_by=agency",
        ]
        if user.role != "user":
            paths_dashboard[user.email] = [f"{reverse('sales:dashboard')}?period=year",
                                           f"{reverse('sales:dashboard')}?period=12m"]
    return [
        {"key": "kanban", "label": "Kanban des opportunités, filtré", "target_ms": 100, "query_limit": 20,
         "api": False, "paths": paths_kanban},
        {"key": "forecast", "label": "Prévisions par agence sur un an", "target_ms": 300, "query_limit": 20,
         "api": False, "paths": paths_forecast},
        {"key": "home", "label": "Page d'accueil utilisateur", "target_ms": 80, "query_limit": 25, "api": False,
         "paths": paths_home},
        {"key": "dashboard", "label": "Tableau de bord du Superviseur", "target_ms": 300, "query_limit": 45,
         "api": False, "paths": paths_dashboard},
    ]
