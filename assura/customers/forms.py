"""Forms of the customers app: they parse the input; services validate the business rules
and write. Plain forms (not ModelForms), so that the object is untouched until the service
runs and field history compares the true before and after."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assura.core.bulk import BulkActionForm
from assura.core.models import Wilaya
from assura.core.validators import normalize_phone
from assura.customers.choices import Channel, PhoneType, RelationKind
from assura.customers.models import Account, Contact
from assura.customers.services import identifier_key
from assura.identity.models import Agency

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PHONE_ATTRS = {"type": "tel", "autocomplete": "tel", "placeholder": "0550 12 34 56"}
LANDLINE_ATTRS = {**PHONE_ATTRS, "placeholder": "021 23 45 67"}
# One typed row per kind of number; any further number goes to "Autres numéros".
PHONE_ROWS = {
    PhoneType.MOBILE: ("phone_mobile", _("Mobile")),
    PhoneType.HOME: ("phone_home", _("Téléphone domicile")),
    PhoneType.WORK: ("phone_work", _("Téléphone travail")),
    PhoneType.FAX: ("phone_fax", _("Fax")),
}


class PhoneField(forms.CharField):
    """An Algerian number, local (0550 12 34 56) or international (+213…); cleaned to E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs=PHONE_ATTRS))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalize_phone(value) if value else ""


class LinesField(forms.CharField):
    """A textarea, one value per line; each line cleaned by `clean_line`."""

    def __init__(self, *, clean_line, **kwargs):
        self.clean_line = clean_line
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def clean(self, value):
        lines = [line.strip() for line in (super().clean(value) or "").splitlines() if line.strip()]
        errors, cleaned = [], []
        for line in lines:
            try:
                cleaned.append(self.clean_line(line))
            except ValidationError as exc:
                errors.extend(f"{line} : {m}" for m in exc.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


def _email_line(value: str) -> str:
    validate_email(value)
    return value.lower()


class TagNamesField(forms.CharField):
    """Tags typed as names separated by commas; unknown names are created by the service."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("help_text", _("Séparées par des virgules ; une étiquette nouvelle est créée."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def clean(self, value):
        names = [" ".join(n.split()) for n in (super().clean(value) or "").split(",")]
        return list(dict.fromkeys(n for n in names if n))


def _layout(model, names: list[str], declared: dict, widgets: dict) -> dict:
    """Fields in `names` order: declared ones as declared, the others made from the model
    (its labels, lengths and choices), so that the form and the model never disagree."""
    generated = forms.fields_for_model(model, fields=[n for n in names if n not in declared], widgets=widgets)
    return {name: declared[name] if name in declared else generated[name] for name in names}


class CustomerForm(forms.Form):
    """What the contact and account forms share: phones, e-mails, tags, owner and agency."""

    phone_mobile = PhoneField(label=PHONE_ROWS[PhoneType.MOBILE][1])
    phone_home = PhoneField(label=PHONE_ROWS[PhoneType.HOME][1], widget=forms.TextInput(attrs=LANDLINE_ATTRS))
    phone_work = PhoneField(label=PHONE_ROWS[PhoneType.WORK][1], widget=forms.TextInput(attrs=LANDLINE_ATTRS))
    phone_fax = PhoneField(label=PHONE_ROWS[PhoneType.FAX][1], widget=forms.TextInput(attrs=LANDLINE_ATTRS))
    other_phones = LinesField(label=_("Autres numéros"), clean_line=normalize_phone,
                              help_text=_("Un numéro par ligne."))
    emails = LinesField(label=_("Autres e-mails"), clean_line=_email_line, help_text=_("Une adresse par ligne."))
    tags = TagNamesField(label=_("Étiquettes"))

    model: type = Contact
    widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "address": forms.TextInput()}

    def __init__(self, *args, user, instance=None, **kwargs):
        self.user = user
        self.instance = instance
        initial = self.initial_from(instance) if instance is not None else {
            "owner": user.pk, "agency": user.agency_id,
        }
        kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.visible_to(user).filter(is_active=True)
        self.fields["agency"].queryset = Agency.objects.visible_to(user)
        # A deactivated wilaya is no longer offered, but a record that has one keeps it.
        self.fields["wilaya"].queryset = Wilaya.objects.offered(getattr(instance, "wilaya_id", None))

    def initial_from(self, obj) -> dict:
        initial = {name: getattr(obj, name) for name in self.fields_from_model()}
        initial.update(owner=obj.owner_id, agency=obj.agency_id, wilaya=obj.wilaya_id)
        rows = {}
        others = []
        for phone in obj.phones or []:
            row = PHONE_ROWS.get(phone.get("type"))
            if row and row[0] not in rows:
                rows[row[0]] = phone["number"]
            else:
                others.append(phone["number"])
        initial.update(rows, other_phones=others)
        initial["emails"] = [e for e in obj.emails or [] if e != obj.email]
        initial["tags"] = [t.name for t in obj.tags.all()]
        return initial

    @classmethod
    def fields_from_model(cls) -> list[str]:
        return [n for n in cls.base_fields if n not in CustomerForm.declared_fields and n != "confirm_duplicate"]

    def service_data(self) -> tuple[dict, list[str]]:
        """The service's keyword arguments, and the tag names (resolved by `tags_ensure`)."""
        data = {name: self.cleaned_data[name] for name in self.fields_from_model()}
        phones = [
            {"type": str(kind), "number": self.cleaned_data[field]}
            for kind, (field, _label) in PHONE_ROWS.items() if self.cleaned_data[field]
        ]
        phones += [{"type": str(PhoneType.MOBILE), "number": n} for n in self.cleaned_data["other_phones"]]
        data["phones"] = phones
        data["phone"] = phones[0]["number"] if phones else ""
        data["emails"] = [e for e in self.cleaned_data["emails"] if e != data["email"]]
        return data, self.cleaned_data["tags"]


CONTACT_LAYOUT = [
    "civility", "last_name", "first_name", "last_name_ar", "first_name_ar", "birth_date", "gender", "nin",
    "id_document_type", "id_document_number", "id_document_expiry", "profession", "income_band",
    "phone_mobile", "phone_home", "phone_work", "phone_fax", "other_phones", "email", "emails",
    "preferred_channel", "preferred_language", "address", "commune", "wilaya", "postal_code", "segment", "tags",
    "owner", "agency", "notes",
]


class ContactForm(CustomerForm):
    # Longer than the stored 18 digits: spaces and dots typed between groups are removed by the service.
    nin = forms.CharField(label=_("NIN"), max_length=30, required=False,
                          help_text=_("Numéro d'identification nationale, 18 chiffres."),
                          widget=forms.TextInput(attrs={"inputmode": "numeric"}))

    model = Contact
    widgets = {
        **CustomerForm.widgets, "birth_date": DATE_WIDGET, "id_document_expiry": DATE_WIDGET,
        "last_name_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
        "first_name_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
    }


ContactForm.base_fields = _layout(Contact, CONTACT_LAYOUT, ContactForm.base_fields, ContactForm.widgets)


class ContactCreateForm(ContactForm):
    """On creation, likely duplicates are shown first; the user confirms to create anyway
    (the hidden `confirm_duplicate`, set when the warning is shown)."""


ContactCreateForm.base_fields = {**ContactForm.base_fields, "confirm_duplicate": forms.BooleanField(
    required=False, widget=forms.HiddenInput)}


ACCOUNT_LAYOUT = [
    "name", "name_ar", "legal_form", "trade_register", "nif", "nis", "sector", "revenue", "revenue_band",
    "headcount", "website", "parent_ref", "phone_mobile", "phone_work", "phone_fax", "phone_home", "other_phones",
    "email", "emails", "preferred_channel", "address", "commune", "wilaya", "postal_code", "segment", "tags",
    "owner", "agency", "notes",
]


class AccountForm(CustomerForm):
    website = forms.URLField(label=_("Site web"), required=False, max_length=200, assume_scheme="https")
    parent_ref = forms.CharField(
        label=_("Société mère"), required=False, max_length=200,
        help_text=_("Raison sociale exacte ou NIF de la société mère."),
    )

    model = Account
    widgets = {**CustomerForm.widgets, "name_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
               "revenue": forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
               "headcount": forms.NumberInput(attrs={"min": 0})}

    @classmethod
    def fields_from_model(cls) -> list[str]:
        return [n for n in super().fields_from_model() if n != "parent_ref"]

    def initial_from(self, obj) -> dict:
        initial = super().initial_from(obj)
        initial["parent_ref"] = obj.parent.name if obj.parent_id else ""
        return initial

    def clean_parent_ref(self):
        ref = " ".join(self.cleaned_data["parent_ref"].split())
        if not ref:
            return None
        nif = identifier_key(ref)
        found = list(Account.objects.visible_to(self.user).filter(Q(name__iexact=ref) | Q(nif=nif) if nif
                                                                  else Q(name__iexact=ref))[:2])
        if not found:
            raise ValidationError(_("Aucun compte ne porte cette raison sociale ou ce NIF."))
        if len(found) > 1:
            raise ValidationError(_("Plusieurs comptes portent ce nom : saisissez plutôt le NIF."))
        return found[0]

    def service_data(self):
        data, tags = super().service_data()
        data["parent"] = self.cleaned_data["parent_ref"]
        return data, tags


AccountForm.base_fields = _layout(Account, ACCOUNT_LAYOUT, AccountForm.base_fields, AccountForm.widgets)


class AccountCreateForm(AccountForm):
    """On creation, likely duplicates (same NIF, RC, NIS or name) are shown first; the user
    confirms to create anyway, as for contacts."""


AccountCreateForm.base_fields = {**AccountForm.base_fields, "confirm_duplicate": ContactCreateForm.base_fields[
    "confirm_duplicate"]}


class RelationshipForm(forms.Form):
    """A link to add from a record's page: the kind, and the other party picked by a search."""

    kind = forms.ChoiceField(label=_("Lien"), choices=RelationKind.choices)
    target = forms.CharField(label=_("Personne ou compte"), widget=forms.HiddenInput,
                             error_messages={"required": _("Choisissez la personne ou le compte dans la liste.")})
    note = forms.CharField(label=_("Précision"), max_length=120, required=False)

    def __init__(self, *args, user, kinds=("contact", "account"), **kwargs):
        self.user = user
        self.kinds = kinds
        super().__init__(*args, **kwargs)

    def clean_target(self):
        kind, _sep, pk = self.cleaned_data["target"].partition(":")
        models = {"contact": Contact, "account": Account}
        if kind not in self.kinds or not pk.isdigit():
            raise ValidationError(_("Choisissez la personne ou le compte dans la liste."))
        found = models[kind].objects.visible_to(self.user).filter(pk=int(pk)).first()
        if found is None:
            raise ValidationError(_("Choisissez la personne ou le compte dans la liste."))
        return found


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Canal"), choices=Channel.choices)
    granted = forms.TypedChoiceField(
        label=_("Consentement"), coerce=lambda v: v == "yes",
        choices=[("yes", _("Accordé")), ("no", _("Refusé"))],
    )
    source = forms.CharField(label=_("Source"), max_length=100, required=False,
                             widget=forms.TextInput(attrs={"placeholder": _("Formulaire agence, appel…")}))


class AssignOwnerForm(BulkActionForm):
    owner = forms.ModelChoiceField(label=_("Nouveau gestionnaire"), queryset=Agency.objects.none(),
                                   error_messages={"required": _("Choisissez le gestionnaire.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.visible_to(self.user).filter(is_active=True)


class AddTagForm(BulkActionForm):
    tag = forms.CharField(label=_("Étiquette"), max_length=50,
                          widget=forms.TextInput(attrs={"placeholder": _("Étiquette")}),
                          error_messages={"required": _("Saisissez le nom de l'étiquette.")})
