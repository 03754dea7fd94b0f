from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "assura.customers"
    label = "customers"
    verbose_name = _("Clients")

    def ready(self):
        from assura.core.globalsearch import register_search_provider
        from assura.core.navigation import NavItem, register
        from assura.customers import duplicates, selectors  # noqa: F401  (duplicates: registers the scan job)
        from assura.customers.views import register_bulk_actions

        # Every role reads customers (what each one sees is scoped by `visible_to`).
        register(
            NavItem("contacts", _("Contacts"), "customers:contact_list", "person-vcard", "main", order=20,
                    description=_("Assurés et prospects : fiche 360, relations, historique")),
            NavItem("accounts", _("Comptes"), "customers:account_list", "buildings", "main", order=25,
                    description=_("Entreprises clientes, leurs contacts et filiales")),
        )
        register(
            NavItem("duplicates", _("Doublons"), "duplicates:candidate_list", "intersect", "admin", "records.delete",
                    order=40, description=_("Détecter et fusionner les fiches en double")),
        )
        register_bulk_actions()
        register_search_provider("contacts", _("Contacts"), "person-vcard", selectors.search_contacts, order=10,
                                 list_url_name="customers:contact_list")
        register_search_provider("accounts", _("Comptes"), "buildings", selectors.search_accounts, order=20,
                                 list_url_name="customers:account_list")
