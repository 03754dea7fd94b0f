from django.utils.translation import gettext_lazy as _

from assura.core.tables import Column, Table

MONEY = "portfolio/partials/_cell_money.html"
DATE = "portfolio/partials/_cell_date.html"
HOLDER = "portfolio/partials/_cell_holder.html"
STATUS = "portfolio/partials/_cell_status.html"


class PolicyTable(Table):
    columns = [
        Column("number", _("N° de police"), link=True),
        Column("holder", _("Souscripteur"), sortable=False, template=HOLDER),
        Column("product", _("Produit"), order_by="product__name"),
        Column("formula", _("Formule"), sortable=False),
        Column("effective_date", _("Effet"), template=DATE),
        Column("expiry_date", _("Échéance"), template=DATE),
        Column("total_premium", _("Prime TTC"), template=MONEY, css="text-end"),
        Column("status", _("Statut"), template=STATUS),
        Column("agency__number", _("Agence")),
        Column("owner", _("Gestionnaire"), order_by="owner__last_name"),
    ]
    default_ordering = "-effective_date"
    empty_message = _("Aucune police ne correspond à ces critères.")


class RenewalTable(Table):
    columns = [
        Column("number", _("N° de police"), link=True),
        Column("holder", _("Souscripteur"), sortable=False, template=HOLDER),
        Column("product", _("Produit"), order_by="product__name"),
        Column("expiry_date", _("Échéance"), template=DATE),
        Column("total_premium", _("Prime TTC"), template=MONEY, css="text-end"),
        Column("agency__number", _("Agence")),
        Column("owner", _("Gestionnaire"), order_by="owner__last_name"),
    ]
    default_ordering = "expiry_date"
    empty_message = _("Aucune police à renouveler sur cette période.")


class QuoteTable(Table):
    columns = [
        Column("number", _("N° de devis"), link=True),
        Column("holder", _("Client"), sortable=False, template=HOLDER),
        Column("product", _("Produit"), order_by="product__name"),
        Column("formula", _("Formule"), sortable=False),
        Column("total_premium", _("Prime TTC"), template=MONEY, css="text-end"),
        Column("valid_until", _("Valable jusqu'au"), template=DATE),
        Column("status", _("Statut"), template=STATUS),
        Column("created_at", _("Créé le"), template="core/partials/_cell_datetime.html"),
    ]
    default_ordering = "-created_at"
    empty_message = _("Aucun devis.")


class ClaimTable(Table):
    columns = [
        Column("number", _("N° de sinistre"), link=True),
        Column("policy__number", _("Police")),
        Column("holder", _("Assuré"), sortable=False, template=HOLDER),
        Column("claim_type", _("Type")),
        Column("loss_date", _("Survenu le"), template=DATE),
        Column("declared_on", _("Déclaré le"), template=DATE),
        Column("reserve", _("Provision"), template=MONEY, css="text-end"),
        Column("paid_amount", _("Réglé"), template=MONEY, css="text-end"),
        Column("status", _("Statut"), template=STATUS),
        Column("agency__number", _("Agence")),
    ]
    default_ordering = "-declared_on"
    empty_message = _("Aucun sinistre ne correspond à ces critères.")


class InstalmentTable(Table):
    columns = [
        Column("policy__number", _("Police"), template="portfolio/partials/_cell_policy_link.html"),
        Column("holder", _("Client"), sortable=False, template=HOLDER),
        Column("sequence", _("N°")),
        Column("due_date", _("Échéance"), template=DATE),
        Column("amount", _("Montant"), template=MONEY, css="text-end"),
        Column("paid_amount", _("Payé"), template=MONEY, css="text-end"),
        Column("status", _("Statut"), sortable=False, template=STATUS),
        Column("agency__number", _("Agence")),
    ]
    default_ordering = "due_date"
    empty_message = _("Aucune échéance ne correspond à ces critères.")
