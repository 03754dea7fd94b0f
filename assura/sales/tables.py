from django.utils.translation import gettext_lazy as _

from assura.core.tables import Column, Table


class OpportunityTable(Table):
    columns = [
        Column("name", _("Opportunité"), link=True),
        Column("account", _("Compte / contact"), order_by="account__name",
               template="sales/partials/_cell_customer.html"),
        Column("stage", _("Étape"), order_by="stage__order", template="sales/partials/_cell_stage.html"),
        Column("amount", _("Prime estimée"), template="sales/partials/_cell_money.html", css="text-end"),
        Column("probability", _("Prob. %"), css="text-end"),
        Column("expected_close_date", _("Clôture prévue"), template="sales/partials/_cell_close.html"),
        Column("kind", _("Type")),
        Column("owner", _("Responsable"), order_by="owner__last_name"),
        Column("agency__number", _("Agence")),
    ]
    default_ordering = "expected_close_date"
    empty_message = _("Aucune opportunité ne correspond à ces critères.")


class StageTable(Table):
    columns = [
        Column("order", _("Ordre")),
        Column("name", _("Nom"), link=True),
        Column("probability", _("Probabilité (%)")),
        Column("is_won", _("Gagnée"), template="core/partials/_cell_bool.html"),
        Column("is_lost", _("Perdue"), template="core/partials/_cell_bool.html"),
        Column("is_active", _("Active"), template="core/partials/_cell_bool.html"),
    ]
    default_ordering = "order"
    count_cap = None


class TargetTable(Table):
    columns = [
        Column("start", _("Période"), template="sales/partials/_cell_target_period.html"),
        Column("user", _("Commercial"), order_by="user__last_name"),
        Column("agency__number", _("Agence")),
        Column("premium_target", _("Objectif de primes"), template="sales/partials/_cell_money.html"),
        Column("count_target", _("Objectif d'affaires")),
    ]
    default_ordering = "-start"
    empty_message = _("Aucun objectif fixé.")
