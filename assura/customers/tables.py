"""List tables of contacts and accounts: every shown column sorts (server side)."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext_lazy as _

from assura.core.tables import Column, Table


def phone_display(value: str | None) -> str:
    """'+213550123456' → '0550 12 34 56', the way Algerians read a number."""
    if not value:
        return ""
    # Algerian numbers as stored (E.164), in phonenumbers' national layout without its parser:
    # 9 digits (mobile) → 0550 12 34 56, 8 digits (fixed) → 021 23 45 67.
    if value.startswith("+213") and value[4:].isdigit():
        national = value[4:]
        if len(national) == 9 and national[0] in "567":
            return f"0{national[:3]} {national[3:5]} {national[5:7]} {national[7:]}"
        if len(national) == 8:
            return f"0{national[:2]} {national[2:4]} {national[4:6]} {national[6:]}"
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
    search_ordering = "-created_at"
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
    search_ordering = "-created_at"
    empty_message = _("Aucun compte ne correspond à ces critères.")
