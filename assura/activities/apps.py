from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "assura.activities"
    label = "activities"
    verbose_name = _("Activités")

    def ready(self):
        from assura.activities.profile import register_tabs
        from assura.core.navigation import NavItem, register

        register(
            NavItem("activities", _("Activités"), "activities:activity_list", "check2-square", "main", order=40,
                    description=_("Appels, notes, tâches et rendez-vous ; mes tâches à faire")),
            NavItem("calendar", _("Calendrier"), "activities:calendar", "calendar3", "main", order=45,
                    description=_("Mes rendez-vous et échéances, et ceux de mon agence")),
        )
        register_tabs()
