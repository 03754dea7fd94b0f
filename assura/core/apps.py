from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "assura.core"
    label = "core"
    verbose_name = _("Noyau")

    def ready(self):
        from assura.core import exports  # noqa: F401  (registers the built-in job handlers)
        from assura.core.exports_lists import register_bulk_export
        from assura.core.navigation import NavItem, register, register_section

        register_bulk_export()
        register_section("main", None, 10)
        register_section("network", _("Réseau"), 50)
        register_section("admin", _("Administration"), 90)
        register(
            NavItem("home", _("Accueil"), "home", "house", "main", order=0),
            NavItem("jobs", _("Tâches d'arrière-plan"), "core:job_list", "hourglass-split", "main", "jobs.view",
                    order=80, description=_("Imports, exports et envois en cours")),
            NavItem("data", _("Gestion des données"), "data:import_list", "database", "admin", "data.import",
                    order=70, description=_("Imports et exports de contacts, comptes et pistes")),
            NavItem("audit", _("Journal d'audit"), "core:audit_list", "journal-text", "admin", "audit.view",
                    order=60, description=_("Connexions, invitations, changements de droits")),
        )
