from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "assura.leads"
    label = "leads"
    verbose_name = _("Pistes")

    def ready(self):
        from assura.core.globalsearch import register_search_provider
        from assura.core.navigation import NavItem, register
        from assura.leads import selectors

        register(
            NavItem("leads", _("Pistes"), "leads:lead_list", "funnel", "main", order=35,
                    description=_("Prospects à qualifier, attribuer et convertir en clients")),
            NavItem("lead_rules", _("Attribution des pistes"), "leads:rule_list", "shuffle", "admin", "leads.rules",
                    order=40, description=_("Tour de rôle, par agence ou par wilaya")),
        )
        register_search_provider("leads", _("Pistes"), "funnel", selectors.search_leads, order=30,
                                 list_url_name="leads:lead_list")
