from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "assura.identity"
    label = "identity"
    verbose_name = _("Identité")

    def ready(self):
        from assura.core.navigation import NavItem, register
        from assura.identity import signals  # noqa: F401

        register(
            NavItem("users", _("Gestion des utilisateurs"), "identity:user_list", "people", "admin", "users.manage",
                    order=10, description=_("Inviter, modifier, désactiver ; rôles et statuts")),
            NavItem("groups", _("Rôles et groupes"), "identity:group_list", "shield-check", "admin", "roles.manage",
                    order=20, description=_("Groupes de permissions et matrice des rôles")),
            NavItem("agencies", _("Agences"), "identity:agency_list", "building", "network", "agencies.view",
                    order=30, description=_("Réseau d'agences et directions régionales")),
            NavItem("regions", _("Directions régionales"), "identity:region_list", "map", "network", "agencies.view",
                    order=35, description=_("Regroupement des agences par région")),
            NavItem("settings", _("Fiche entreprise"), "identity:organization_settings", "gear", "admin",
                    "workspace.manage", order=50, description=_("Identité, logo et paramètres de l'espace")),
            NavItem("wilayas", _("Wilayas"), "core:wilaya_list", "geo-alt", "admin", "workspace.manage", order=55,
                    description=_("La liste officielle des wilayas (donnée de référence)")),
        )
