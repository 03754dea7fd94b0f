from django.utils.translation import gettext_lazy as _

from assura.core.tables import Column, Table


class UserTable(Table):
    columns = [
        Column("email", _("E-mail"), link=True),
        Column("last_name", _("Nom"), template="identity/partials/_cell_name.html"),
        Column("agency__number", _("Agence")),
        Column("role", _("Rôle")),
        Column("status", _("Statut"), template="identity/partials/_cell_status.html"),
        Column("invited_at", _("Invité le"), template="core/partials/_cell_datetime.html"),
        Column("last_login", _("Dernière connexion"), template="core/partials/_cell_datetime.html"),
    ]
    default_ordering = "last_name"
    empty_message = _("Aucun utilisateur ne correspond à ces critères.")


class AgencyTable(Table):
    columns = [
        Column("number", _("N° d'agence"), link=True),
        Column("name", _("Nom")),
        Column("region__name", _("Direction régionale")),
        Column("wilaya", _("Wilaya")),
        Column("members_count", _("Utilisateurs"), css="text-end"),
        Column("is_active", _("Active"), template="core/partials/_cell_bool.html"),
    ]
    default_ordering = "number"
    empty_message = _("Aucune agence. Créez la première.")


class RegionTable(Table):
    columns = [
        Column("code", _("Code"), link=True),
        Column("name", _("Nom")),
        Column("agencies_count", _("Agences"), css="text-end"),
    ]
    default_ordering = "code"


class GroupTable(Table):
    columns = [
        Column("name", _("Nom"), link=True),
        Column("description", _("Description"), sortable=False),
        Column("members_count", _("Membres"), css="text-end"),
    ]
    default_ordering = "name"
    empty_message = _("Aucun groupe. Un groupe ajoute des permissions à celles du rôle.")
