from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "assura.portfolio"
    label = "portfolio"
    verbose_name = _("Portefeuille")

    def ready(self):
        from assura.core.home import HomeSection, register_home_section
        from assura.core.navigation import NavItem, register
        from assura.portfolio.profile import register_tabs, register_upcoming_dates

        register(
            NavItem("policies", _("Polices"), "portfolio:policy_list", "file-earmark-text", "main", order=50,
                    description=_("Contrats, avenants, attestations")),
            NavItem("renewals", _("Renouvellements"), "portfolio:renewal_queue", "arrow-repeat", "main", order=51,
                    description=_("Polices arrivant à échéance dans 30, 60 ou 90 jours")),
            NavItem("quotes", _("Devis"), "portfolio:quote_list", "calculator", "main", order=52,
                    description=_("Devis calculés depuis le catalogue")),
            NavItem("claims", _("Sinistres"), "portfolio:claim_list", "exclamation-octagon", "main", order=53,
                    description=_("Déclaration, instruction, expertise, règlement")),
            NavItem("receivables", _("Créances"), "portfolio:instalment_list", "cash-coin", "main", order=54,
                    description=_("Échéances, encaissements, balance âgée")),
            NavItem("catalogue", _("Catalogue des produits"), "portfolio:catalogue", "boxes", "admin",
                    "catalogue.manage", order=60, description=_("Branches, produits, formules, garanties, taxes")),
        )
        register_tabs()
        register_upcoming_dates()
        # The home page: an agent's morning shows the renewals and the unpaid premiums to chase.
        register_home_section(HomeSection("renewals_due", _("Renouvellements à venir (30 jours)"),
                                          "portfolio/home/_renewals.html", _home_items, order=50))
        register_home_section(HomeSection("overdue_premiums", _("Échéances impayées"),
                                          "portfolio/home/_overdue.html", _home_items, order=55))


def _home_items(user) -> dict:
    """Both portfolio sections read the same two queries: done once per request's user."""
    from assura.portfolio.selectors import home_items

    items = getattr(user, "_portfolio_home_items", None)
    if items is None:
        items = user._portfolio_home_items = home_items(user)
    return {"items": items}
