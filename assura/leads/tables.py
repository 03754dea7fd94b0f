from django.utils.translation import gettext_lazy as _

from assura.core.tables import Column, Table


class LeadTable(Table):
    columns = [
        Column("full_name", _("Nom complet"), link=True),
        Column("company", _("Société")),
        Column("phone", _("Téléphone"), sortable=False),
        Column("source", _("Source")),
        Column("temperature", _("Température"), template="leads/partials/_cell_temperature.html"),
        Column("status", _("Statut"), template="leads/partials/_cell_status.html"),
        Column("owner", _("Responsable"), order_by="owner__last_name"),
        Column("agency__number", _("Agence")),
        Column("created_at", _("Créée le"), template="core/partials/_cell_datetime.html"),
    ]
    default_ordering = "-created_at"
    empty_message = _("Aucune piste ne correspond à ces critères.")


class AssignmentRuleTable(Table):
    columns = [
        Column("priority", _("Priorité"), template="leads/partials/_cell_rule_edit.html"),
        Column("mode", _("Mode")),
        Column("agency__number", _("Agence")),
        Column("wilaya", _("Wilaya"), order_by="wilaya__code"),
        Column("users", _("Utilisateurs"), sortable=False, template="leads/partials/_cell_rule_users.html"),
        Column("is_active", _("Active"), template="core/partials/_cell_bool.html"),
    ]
    default_ordering = "priority"
    empty_message = _("Aucune règle : les pistes sans responsable reviennent à qui les crée.")
