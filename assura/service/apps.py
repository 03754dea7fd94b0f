from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "assura.service"
    label = "service"
    verbose_name = _("Service client")

    def ready(self):
        from assura.core.home import HomeSection, register_home_section
        from assura.core.navigation import NavItem, register
        from assura.customers.views import DetailTab, register_contact_tab
        from assura.portfolio.views import PageSection, register_claim_section, register_policy_section
        from assura.service import jobs  # noqa: F401 (registers the job handlers)

        register(
            NavItem("tickets", _("Service client"), "service:ticket_list", "headset", "main", order=45,
                    description=_("Demandes et réclamations suivies jusqu'à leur résolution, dans les délais")),
            NavItem("kb", _("Base de connaissances"), "service:kb_list", "journal-text", "main", order=46,
                    description=_("Réponses types et procédures du service client")),
            NavItem("service_report", _("Délais et satisfaction"), "service:report", "speedometer2", "main",
                    "dashboards.company", order=47,
                    description=_("Délais respectés et satisfaction des clients")),
            NavItem("service_settings", _("Service client"), "service:settings", "headset", "admin",
                    "service.settings", order=45,
                    description=_("Catégories, délais, équipes, routage, modèles, messagerie")),
        )
        register_contact_tab(DetailTab("tickets", _("Réclamations / Demandes"), "service/partials/_contact_tab.html",
                                       35, context=_contact_tickets))
        register_policy_section(PageSection("tickets", _("Tickets"), "service/partials/_portfolio_tickets.html",
                                            _policy_tickets, order=50))
        register_claim_section(PageSection("tickets", _("Tickets"), "service/partials/_portfolio_tickets.html",
                                           _claim_tickets, order=50))
        register_home_section(HomeSection("assigned_tickets", _("Mes demandes à traiter"),
                                          "service/home/_tickets.html", _home_tickets, order=45))


def _contact_tickets(view) -> dict:
    from assura.core.permissions import user_can
    from assura.service.selectors import contact_tickets

    return {"contact_tickets": contact_tickets(user=view.request.user, contact=view.object),
            "can_create_ticket": user_can(view.request.user, "tickets.edit")}


def _policy_tickets(view) -> dict:
    from assura.service.selectors import tickets_naming

    return tickets_naming(user=view.request.user, policy=view.object)


def _claim_tickets(view) -> dict:
    from assura.service.selectors import tickets_naming

    return tickets_naming(user=view.request.user, claim=view.object)


def _home_tickets(user) -> dict:
    from assura.service.selectors import home_items

    return {"items": home_items(user)}
