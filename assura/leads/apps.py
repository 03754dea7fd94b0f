from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "assura.leads"
    label = "leads"
    verbose_name = _("Pistes")

    def ready(self):
        from assura.core.navigation import NavItem, register

        register(
            NavItem("leads", _("Pistes"), "leads:lead_list", "funnel", "main", order=35,
                    description=_("Prospects à qualifier, attribuer et convertir en clients")),
            NavItem("lead_rules", _("Attribution des pistes"), "leads:rule_list", "shuffle", "admin", "leads.rules",
                    order=40, description=_("Tour de rôle, par agence ou par wilaya")),
        )
