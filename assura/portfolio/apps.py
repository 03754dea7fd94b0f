from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "assura.portfolio"
    label = "portfolio"
    verbose_name = _("Portefeuille")

    def ready(self):
        from assura.core.navigation import NavItem, register
        from assura.portfolio.profile import register_tabs

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
