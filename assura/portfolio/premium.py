"""Premium computation and insured-object validation: pure functions of the catalogue.

Premium of a guarantee: "fixe" → its amount; "taux" → base × rate / 100, the base being the
value of the insured-object field named by the guarantee (e.g. valeur_venale). Each line is
rounded to the centime (half up). Then:

    prime nette   = Σ lines
    taxe          = (prime nette + coût de police) × taux de taxe / 100   (rounded half up)
    total         = prime nette + coût de police + taxe + droit de timbre

so the total is always exactly the sum of its displayed parts. A rule giving a negative
amount (negative base value) is refused.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from assura.portfolio.choices import FieldType, ObjectKind, PremiumMode

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def q2(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Insured-object schemas -------------------------------------------------------------------------------

def _f(name, label, type_="text", required=True, choices=None):
    spec = {"name": name, "label": label, "type": type_, "required": required}
    if choices:
        spec["choices"] = choices
    return spec


# The default schema of each kind of insured object (labels are stored in French: catalogue data).
DEFAULT_SCHEMAS: dict[str, list[dict]] = {
    ObjectKind.VEHICLE: [
        _f("immatriculation", "Immatriculation"), _f("marque", "Marque"), _f("modele", "Modèle"),
        _f("annee", "Année", "int"), _f("puissance_fiscale", "Puissance fiscale (CV)", "int"),
        _f("valeur_venale", "Valeur vénale (DA)", "decimal"),
        _f("usage", "Usage", "choice", choices=["tourisme", "utilitaire", "taxi", "transport"]),
    ],
    ObjectKind.TWO_WHEELER: [
        _f("immatriculation", "Immatriculation"), _f("marque", "Marque"), _f("cylindree", "Cylindrée (cm3)", "int"),
        _f("valeur_venale", "Valeur vénale (DA)", "decimal"),
    ],
    ObjectKind.DWELLING: [
        _f("adresse", "Adresse"), _f("type", "Type", "choice", choices=["appartement", "maison", "villa"]),
        _f("surface", "Surface (m²)", "int"), _f("pieces", "Nombre de pièces", "int"),
        _f("valeur_contenu", "Valeur du contenu (DA)", "decimal"),
        _f("valeur_batiment", "Valeur du bâtiment (DA)", "decimal", required=False),
    ],
    ObjectKind.GOODS: [
        _f("nature", "Nature des marchandises"), _f("depart", "Lieu de départ"), _f("arrivee", "Lieu d'arrivée"),
        _f("mode", "Mode de transport", "choice", choices=["routier", "maritime", "aerien", "ferroviaire"]),
        _f("valeur", "Valeur déclarée (DA)", "decimal"), _f("date_depart", "Date de départ", "date", False),
    ],
    ObjectKind.PREMISES: [
        _f("adresse", "Adresse"), _f("activite", "Activité exercée"), _f("surface", "Surface (m²)", "int"),
        _f("valeur_batiment", "Valeur du bâtiment (DA)", "decimal"),
        _f("valeur_contenu", "Valeur du contenu (DA)", "decimal"),
    ],
    ObjectKind.PERSON: [
        _f("nom", "Nom et prénom"), _f("date_naissance", "Date de naissance", "date"),
        _f("capital", "Capital assuré (DA)", "decimal"),
    ],
    ObjectKind.TRIP: [
        _f("destination", "Destination"), _f("depart", "Date de départ", "date"),
        _f("retour", "Date de retour", "date"), _f("voyageurs", "Nombre de voyageurs", "int"),
    ],
    ObjectKind.FARM: [
        _f("adresse", "Localisation"), _f("culture", "Culture / cheptel"),
        _f("superficie", "Superficie (ha)", "decimal"),
        _f("valeur", "Valeur assurée (DA)", "decimal"),
    ],
    ObjectKind.ACTIVITY: [
        _f("activite", "Activité"), _f("chiffre_affaires", "Chiffre d'affaires (DA)", "decimal"),
        _f("effectif", "Effectif", "int", False),
    ],
}


def validate_schema(schema) -> list[dict]:
    """Check a product's declared field list; raises ValidationError on `object_schema`."""
    if not isinstance(schema, list):
        raise ValidationError({"object_schema": [_("Le schéma doit être une liste de champs.")]})
    names = set()
    for spec in schema:
        if not isinstance(spec, dict) or not str(spec.get("name", "")).isidentifier():
            raise ValidationError({"object_schema": [_("Chaque champ doit avoir un nom (lettres, chiffres, _).")]})
        if spec["name"] in names:
            raise ValidationError({"object_schema": [_("Le champ « %(name)s » est déclaré deux fois.")
                                                     % {"name": spec["name"]}]})
        names.add(spec["name"])
        if spec.get("type", "text") not in FieldType.values:
            message = _("Type de champ inconnu : %(type)s.") % {"type": spec.get("type")}
            raise ValidationError({"object_schema": [message]})
        if spec.get("type") == FieldType.CHOICE and not spec.get("choices"):
            raise ValidationError({"object_schema": [_("Le champ « %(name)s » doit lister ses choix.")
                                                     % {"name": spec["name"]}]})
    return schema


def clean_insured_object(schema: list[dict], data: dict | None) -> dict:
    """The insured object typed as its product declares, JSON-ready (decimals as strings).
    Errors are gathered on the field `insured_object` as « Libellé : message »."""
    data = data or {}
    if not isinstance(data, dict):
        raise ValidationError({"insured_object": [_("L'objet assuré doit être un ensemble de champs.")]})
    errors, clean = [], {}
    for spec in schema:
        name, label, kind = spec["name"], spec.get("label", spec["name"]), spec.get("type", "text")
        raw = data.get(name)
        if isinstance(raw, str):
            raw = raw.strip()
        if raw in (None, ""):
            if spec.get("required", True):
                errors.append(_("%(label)s : champ obligatoire.") % {"label": label})
            continue
        try:
            if kind == FieldType.INTEGER:
                value = int(str(raw))
                if value < 0:
                    raise ValueError
                clean[name] = value
            elif kind == FieldType.DECIMAL:
                value = Decimal(str(raw).replace(" ", "").replace(",", "."))
                if not value.is_finite() or value < 0:
                    raise ValueError
                clean[name] = str(q2(value))
            elif kind == FieldType.DATE:
                clean[name] = (raw if isinstance(raw, datetime.date) else datetime.date.fromisoformat(str(raw))
                               ).isoformat()
            elif kind == FieldType.CHOICE:
                if str(raw) not in spec.get("choices", []):
                    errors.append(_("%(label)s : choisissez parmi %(choices)s.")
                                  % {"label": label, "choices": ", ".join(spec.get("choices", []))})
                    continue
                clean[name] = str(raw)
            else:
                clean[name] = str(raw)[:200]
        except (ValueError, InvalidOperation):
            message = {
                FieldType.INTEGER: _("%(label)s : nombre entier positif attendu."),
                FieldType.DECIMAL: _("%(label)s : montant positif attendu."),
                FieldType.DATE: _("%(label)s : date attendue (AAAA-MM-JJ)."),
            }.get(kind, _("%(label)s : valeur invalide."))
            errors.append(message % {"label": label})
    if errors:
        raise ValidationError({"insured_object": errors})
    return clean


# --- Premium -----------------------------------------------------------------------------------------------

@dataclass
class PremiumBreakdown:
    lines: list[dict] = field(default_factory=list)  # {"code", "name", "amount"} (amount as str)
    net_premium: Decimal = ZERO
    policy_cost: Decimal = ZERO
    tax: Decimal = ZERO
    stamp_duty: Decimal = ZERO
    total_premium: Decimal = ZERO

    def as_fields(self) -> dict:
        return {"net_premium": self.net_premium, "policy_cost": self.policy_cost, "tax": self.tax,
                "stamp_duty": self.stamp_duty, "total_premium": self.total_premium, "premium_lines": self.lines}


def guarantee_premium(guarantee, insured_object: dict) -> Decimal:
    if guarantee.premium_mode == PremiumMode.FIXED:
        amount = q2(guarantee.premium_amount or ZERO)
    else:
        raw = insured_object.get(guarantee.rate_base)
        if raw in (None, ""):
            raise ValidationError({"insured_object": [
                _("La garantie « %(name)s » se calcule sur « %(base)s », absent de l'objet assuré.")
                % {"name": guarantee.name, "base": guarantee.rate_base}]})
        amount = q2(Decimal(str(raw)) * (guarantee.premium_rate or ZERO) / Decimal(100))
    if amount < 0:
        raise ValidationError({"guarantees": [
            _("La règle de prime de « %(name)s » donne un montant négatif (%(amount)s DA).")
            % {"name": guarantee.name, "amount": amount}]})
    return amount


def compute_premium(*, guarantees, insured_object: dict, settings) -> PremiumBreakdown:
    """`settings` has tax_rate, policy_cost and stamp_duty (PortfolioSettings)."""
    result = PremiumBreakdown()
    for guarantee in guarantees:
        amount = guarantee_premium(guarantee, insured_object)
        result.lines.append({"code": guarantee.code, "name": guarantee.name, "amount": str(amount)})
        result.net_premium += amount
    result.net_premium = q2(result.net_premium)
    result.policy_cost = q2(settings.policy_cost)
    result.tax = q2((result.net_premium + result.policy_cost) * settings.tax_rate / Decimal(100))
    result.stamp_duty = q2(settings.stamp_duty)
    result.total_premium = result.net_premium + result.policy_cost + result.tax + result.stamp_duty
    return result
