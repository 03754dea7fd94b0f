"""Forms of the leads app: they parse input; services normalise, validate and write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from assura.core.models import Wilaya
from assura.customers.choices import ACCOUNT_RELATIONS, RelationKind
from assura.identity.choices import UserStatus
from assura.identity.models import Agency
from assura.leads.choices import AssignmentMode, DecisionTimeframe, LeadSource, Level, LostReason, Temperature
from assura.leads.services import LEAD_FIELDS, relation_kind_for, temperature_is_manual

BLANK = [("", "—")]
NEW = "new"
NONE = "none"

# Fields later modules add to the conversion form (registered in their AppConfig.ready):
# name -> a function returning the form field. Their cleaned values go to lead_convert's `options`.
CONVERSION_OPTION_FIELDS: dict = {}


def active_members(user):
    return get_user_model().objects.visible_to(user).filter(is_active=True, status=UserStatus.ACTIVE)


class LeadForm(forms.Form):
    """A lead's details and qualification. A plain form: the service applies the values."""

    full_name = forms.CharField(label=_("Nom complet"), max_length=150)
    job_title = forms.CharField(label=_("Fonction"), max_length=100, required=False)
    company = forms.CharField(label=_("Société"), max_length=150, required=False)
    phone = forms.CharField(
        label=_("Téléphone"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "placeholder": "0550 12 34 56"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    wilaya = forms.ModelChoiceField(label=_("Wilaya"), queryset=Wilaya.objects.filter(is_active=True), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=BLANK + LeadSource.choices)
    products_wanted = forms.CharField(label=_("Produits souhaités"), max_length=255, required=False,
                                      widget=forms.TextInput(attrs={"placeholder": _("Automobile, habitation…")}))
    budget = forms.ChoiceField(label=_("Budget"), choices=BLANK + Level.choices, required=False)
    interest = forms.ChoiceField(label=_("Intérêt"), choices=BLANK + Level.choices, required=False)
    decision_timeframe = forms.ChoiceField(label=_("Délai de décision"), choices=BLANK + DecisionTimeframe.choices,
                                           required=False)
    relevance = forms.ChoiceField(label=_("Pertinence"), choices=BLANK + Level.choices, required=False)
    temperature = forms.ChoiceField(
        label=_("Température"), required=False,
        choices=[("", _("Automatique (selon la qualification)")), *Temperature.choices],
        help_text=_("Froid, tiède ou chaud selon budget, intérêt, délai et pertinence, sauf si vous la fixez."),
    )
    owner = forms.ModelChoiceField(
        label=_("Responsable"), queryset=get_user_model().objects.none(), required=False,
        help_text=_("Vide : attribuée selon les règles d'attribution de l'entreprise."),
    )
    agency = forms.ModelChoiceField(label=_("Agence"), queryset=Agency.objects.none(), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user=None, instance=None, **kwargs):
        if instance is not None and not kwargs.get("initial"):  # FormView always passes an empty `initial`
            initial = {name: getattr(instance, name) for name in LEAD_FIELDS}
            initial["temperature"] = instance.temperature if temperature_is_manual(instance) else ""
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_members(user)
        self.fields["agency"].queryset = Agency.objects.visible_to(user).filter(is_active=True)
        if instance is not None:
            self.fields["owner"].help_text = ""


class LeadLoseForm(forms.Form):
    lost_reason = forms.ChoiceField(
        label=_("Raison de la perte"), choices=BLANK + LostReason.choices,
        error_messages={"required": _("Indiquez la raison de la perte.")},
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)


class LeadConvertForm(forms.Form):
    """Link to a proposed contact or create one; optionally link or create the account."""

    contact = forms.ChoiceField(label=_("Contact"), widget=forms.RadioSelect)
    account = forms.ChoiceField(label=_("Compte (société)"), widget=forms.RadioSelect)
    relation_kind = forms.ChoiceField(
        label=_("Rôle du contact dans la société"),
        choices=[(k.value, k.label) for k in RelationKind if k in ACCOUNT_RELATIONS],
    )

    def __init__(self, *args, user=None, instance=None, proposals=None, **kwargs):
        self.lead = instance
        self.proposals = proposals
        self.contacts = {str(m.contact.pk): m.contact for m in proposals.contacts}
        self.accounts = {str(a.pk): a for a in proposals.accounts}
        kwargs["initial"] = {
            "contact": next(iter(self.contacts), NEW),
            "account": next(iter(self.accounts), NEW if instance.company else NONE),
            "relation_kind": relation_kind_for(instance.job_title),
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [*((pk, str(c)) for pk, c in self.contacts.items()),
                                          (NEW, _("Créer un nouveau contact"))]
        account_choices = [(pk, str(a)) for pk, a in self.accounts.items()]
        if instance.company:
            account_choices.append((NEW, _("Créer le compte « %(name)s »") % {"name": instance.company}))
        account_choices.append((NONE, _("Ne pas lier de compte")))
        self.fields["account"].choices = account_choices
        for name, make_field in CONVERSION_OPTION_FIELDS.items():
            self.fields[name] = make_field()

    @property
    def option_fields(self):
        return [self[name] for name in CONVERSION_OPTION_FIELDS]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "contact": self.contacts.get(data["contact"]),
            "account": self.accounts.get(data["account"]),
            "create_account": data["account"] == NEW,
            "relation_kind": data["relation_kind"],
            "options": {name: data.get(name) for name in CONVERSION_OPTION_FIELDS},
        }


class AssignmentRuleForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=AssignmentMode.choices)
    priority = forms.IntegerField(label=_("Priorité"), min_value=0, max_value=32767, initial=100,
                                  help_text=_("La règle de plus petite priorité qui s'applique est utilisée."))
    agency = forms.ModelChoiceField(
        label=_("Agence"), queryset=Agency.objects.none(), required=False,
        help_text=_("Mode « Par agence » : les pistes de cette agence. Sans utilisateur choisi, ses membres "
                    "reçoivent les pistes à tour de rôle."),
    )
    wilaya = forms.ModelChoiceField(label=_("Wilaya"), queryset=Wilaya.objects.filter(is_active=True),
                                    required=False, help_text=_("Mode « Par wilaya » : les pistes de cette wilaya."))
    users = forms.ModelMultipleChoiceField(label=_("Utilisateurs"), queryset=get_user_model().objects.none(),
                                           required=False, widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "mode": instance.mode, "priority": instance.priority, "agency": instance.agency_id,
                "wilaya": instance.wilaya_id, "users": list(instance.users.values_list("pk", flat=True)),
                "is_active": instance.is_active,
            }
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.visible_to(user).filter(is_active=True)
        self.fields["users"].queryset = active_members(user)
