"""The customer profile tabs (Polices, Sinistres, Créances) added to the contact and account
pages through customers' tab registry. Each tab runs a fixed number of queries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from assura.core.permissions import user_can
from assura.portfolio import selectors


def _totals(view) -> dict:
    return {"portfolio_totals": selectors.customer_totals(user=view.request.user, record=view.object)}


def policies_tab(view) -> dict:
    return {**_totals(view), "policies": selectors.customer_policies(user=view.request.user, record=view.object)}


def claims_tab(view) -> dict:
    user = view.request.user
    return {**_totals(view), "claims": selectors.customer_claims(user=user, record=view.object),
            "policies_in_force": selectors.customer_policies(user=user, record=view.object, in_force=True),
            "can_claim": user_can(user, "claims.edit")}


def receivables_tab(view) -> dict:
    open_items, paid = selectors.customer_instalments(user=view.request.user, record=view.object)
    return {**_totals(view), "open_instalments": open_items, "paid_instalments": paid}


def register_tabs() -> None:
    from assura.customers.views import DetailTab, register_account_tab, register_contact_tab

    tabs = [
        DetailTab("polices", _("Polices"), "portfolio/profile/_policies.html", 24, context=policies_tab),
        DetailTab("sinistres", _("Sinistres"), "portfolio/profile/_claims.html", 25, context=claims_tab),
        DetailTab("creances", _("Créances"), "portfolio/profile/_receivables.html", 26, context=receivables_tab),
    ]
    for tab in tabs:
        register_contact_tab(tab)
        register_account_tab(tab)


def register_upcoming_dates() -> None:
    """The instalments and expiries on the profile's Notifications tab ("À venir")."""
    from assura.core.upcoming import register_upcoming

    register_upcoming("portfolio", selectors.customer_upcoming)
