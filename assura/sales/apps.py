from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "assura.sales"
    label = "sales"
    verbose_name = _("Ventes")

    def ready(self):
        from assura.core.navigation import NavItem, register
        from assura.leads.services import conversion_step
        from assura.sales import dashboard  # noqa: F401 (registers the widgets)
        from assura.sales.conversion import create_opportunity_on_conversion
        from assura.sales.home import register_sections

        register(
            NavItem("opportunities", _("Opportunités"), "sales:kanban", "kanban", "main", order=37,
                    description=_("Pipeline des affaires en cours, par étape")),
            NavItem("forecast", _("Prévisions"), "sales:forecast", "graph-up-arrow", "main", order=38,
                    description=_("Pipeline, pondéré, gagné et objectifs par période")),
            NavItem("dashboard", _("Tableau de bord"), "sales:dashboard", "speedometer2", "main", order=15,
                    description=_("Vos indicateurs, par mois")),
            NavItem("targets", _("Objectifs commerciaux"), "sales:target_list", "bullseye", "admin",
                    "targets.manage", order=42, description=_("Objectifs de primes et d'affaires par période")),
            NavItem("pipeline_stages", _("Étapes du pipeline"), "sales:stage_list", "list-ol", "admin",
                    "pipeline.manage", order=43, description=_("Étapes et probabilités par défaut")),
        )
        conversion_step(create_opportunity_on_conversion)
        from django import forms

        from assura.leads.forms import CONVERSION_OPTION_FIELDS

        CONVERSION_OPTION_FIELDS.setdefault("opportunity", lambda: forms.BooleanField(
            label=_("Créer une opportunité pour ce client"), required=False, initial=True))
        register_sections()
        self._register_customer_tabs()

    @staticmethod
    def _register_customer_tabs():
        from assura.core.permissions import user_can
        from assura.customers.views import DetailTab, register_account_tab, register_contact_tab
        from assura.sales.selectors import opportunities_of

        def context(param):
            def build(view):
                user = view.request.user
                return {"opportunities": opportunities_of(user=user, **{param: view.object}),
                        "can_create_opportunity": user_can(user, "opportunities.edit"), "opportunity_param": param}
            return build

        register_contact_tab(DetailTab("opportunities", _("Opportunités"), "sales/partials/_record_opportunities.html",
                                       order=50, context=context("contact")))
        register_account_tab(DetailTab("opportunities", _("Opportunités"), "sales/partials/_record_opportunities.html",
                                       order=50, context=context("account")))
