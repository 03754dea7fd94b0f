from django.utils.translation import gettext_lazy as _

from assura.core.tables import Column, Table


class ActivityTable(Table):
    columns = [
        Column("kind", _("Type"), template="activities/partials/_cell_kind.html"),
        Column("subject", _("Objet"), link=True),
        Column("occurred_at", _("Date"), template="core/partials/_cell_datetime.html"),
        Column("status", _("Statut"), template="activities/partials/_cell_status.html"),
        Column("priority", _("Priorité")),
        Column("channel", _("Canal")),
        Column("about", _("Concerne"), sortable=False, template="activities/partials/_cell_about.html"),
        Column("assignee__last_name", _("Assigné à"), template="activities/partials/_cell_assignee.html"),
        Column("agency__number", _("Agence")),
    ]
    default_ordering = "-occurred_at"
    empty_message = _("Aucune activité ne correspond à ces critères.")
