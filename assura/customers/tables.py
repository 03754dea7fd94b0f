"""List tables of contacts and accounts: every shown column sorts (server side)."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext_lazy as _

from assura.core.tables import Column, Table


def phone_display(value: str | None) -> str:
    """'+213550123456' → '0550 12 34 56', the way Algerians read a number."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "DZ")
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


class PhoneColumn(Column):
    def value(self, obj):
        return phone_display(super().value(obj))


class ContactTable(Table):
    columns = [
        Column("code", _("Code client"), link=True),
        Column("last_name", _("Nom"), template="customers/partials/_cell_contact_name.html"),
        PhoneColumn("phone", _("Téléphone")),
        Column("wilaya", _("Wilaya"), order_by="wilaya_id"),
        Column("agency", _("Agence"), order_by="agency__number"),
        Column("owner", _("Gestionnaire"), order_by="owner__last_name"),
        Column("created_at", _("Créé le"), template="core/partials/_cell_datetime.html"),
    ]
    empty_message = _("Aucun contact ne correspond à ces critères.")


class AccountTable(Table):
    columns = [
        Column("name", _("Raison sociale"), link=True),
        Column("nif", _("NIF")),
        Column("sector", _("Secteur")),
        PhoneColumn("phone", _("Téléphone")),
        Column("wilaya", _("Wilaya"), order_by="wilaya_id"),
        Column("agency", _("Agence"), order_by="agency__number"),
        Column("owner", _("Gestionnaire"), order_by="owner__last_name"),
        Column("created_at", _("Créé le"), template="core/partials/_cell_datetime.html"),
    ]
    empty_message = _("Aucun compte ne correspond à ces critères.")
