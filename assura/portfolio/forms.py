"""Forms of the portfolio: they parse input; services validate and write."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from assura.customers.models import Account, Contact
from assura.identity.choices import UserStatus
from assura.identity.models import Agency
from assura.portfolio.choices import (
    CLAIM_DOCUMENTS,
    ClaimDocument,
    ClaimStatus,
    ClaimType,
    DeclarationChannel,
    DistributionChannel,
    FieldType,
    ObjectKind,
    PaymentFrequency,
    PaymentMethod,
    PolicyStatus,
    PremiumMode,
)
from assura.portfolio.models import Branch, Formula, Guarantee, Policy, Product

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 14, "decimal_places": 2}
BLANK = [("", "—")]
OBJ = "obj_"


class BaseForm(forms.Form):
    """Forms of the generic views receive the user (and the object on update views)."""

    instance_fields: tuple[str, ...] = ()

    def __init__(self, *args, user=None, instance=None, **kwargs):
        self.user, self.instance = user, instance
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {name: self.initial_value(instance, name) for name in self.instance_fields}
        super().__init__(*args, **kwargs)

    def initial_value(self, instance, name):
        value = getattr(instance, name)
        return list(value.all()) if hasattr(value, "all") else value


def date_field(label, required=True, **kwargs):
    return forms.DateField(label=label, required=required, widget=DATE, **kwargs)


# --- Catalogue ----------------------------------------------------------------------------------------------

class SettingsForm(BaseForm):
    instance_fields = ("tax_rate", "stamp_duty", "policy_cost", "renewal_lead_days", "dunning_steps")
    tax_rate = forms.DecimalField(label=_("Taxe (TVA, %)"), max_digits=5, decimal_places=2)
    stamp_duty = forms.DecimalField(label=_("Droit de timbre (DA)"), **MONEY)
    policy_cost = forms.DecimalField(label=_("Coût de police (DA)"), **MONEY)
    renewal_lead_days = forms.IntegerField(label=_("Tâche de renouvellement (jours avant l'échéance)"), min_value=1,
                                           max_value=180)
    dunning_steps = forms.CharField(label=_("Plan de relance (jours par rapport à l'échéance)"), required=False,
                                    help_text=_("Ex. -15, 1, 15, 30 : J-15 rappel, J+1, J+15, J+30 mise en demeure."))

    def initial_value(self, instance, name):
        if name == "dunning_steps":
            return ", ".join(str(s) for s in instance.dunning_steps or [])
        return super().initial_value(instance, name)


class BranchForm(BaseForm):
    instance_fields = ("code", "name", "number_pattern", "position", "is_active")
    code = forms.CharField(label=_("Code"), max_length=10)
    name = forms.CharField(label=_("Nom"), max_length=120)
    number_pattern = forms.CharField(label=_("Modèle de numéro de police"), max_length=60,
                                     initial="{code}-{annee}-{seq}",
                                     help_text=_("Éléments : {code}, {annee}, {agence}, {seq}."))
    position = forms.IntegerField(label=_("Ordre"), min_value=0, max_value=32767, initial=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ProductForm(BaseForm):
    instance_fields = ("branch", "code", "name", "object_kind", "description", "is_active", "object_schema")
    branch = forms.ModelChoiceField(label=_("Branche"), queryset=Branch.objects.none())
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Nom"), max_length=120)
    object_kind = forms.ChoiceField(label=_("Objet assuré"), choices=ObjectKind.choices)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label=_("Actif"), required=False, initial=True)
    object_schema = forms.CharField(
        label=_("Champs de l'objet assuré (JSON)"), required=False, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Vide à la création : les champs par défaut du type d'objet."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.visible_to(self.user)

    def initial_value(self, instance, name):
        if name == "object_schema":
            return json.dumps(instance.object_schema, ensure_ascii=False, indent=1)
        return super().initial_value(instance, name)

    def clean_object_schema(self):
        raw = self.cleaned_data["object_schema"].strip()
        if not raw:
            return []
        try:
            return json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("JSON invalide.")) from None


class GuaranteeForm(BaseForm):
    instance_fields = ("code", "name", "limit", "deductible", "premium_mode", "premium_amount", "premium_rate",
                       "rate_base", "position")
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Nom"), max_length=120)
    limit = forms.DecimalField(label=_("Plafond (DA)"), required=False, **MONEY)
    deductible = forms.DecimalField(label=_("Franchise (DA)"), required=False, **MONEY)
    premium_mode = forms.ChoiceField(label=_("Règle de prime"), choices=PremiumMode.choices)
    premium_amount = forms.DecimalField(label=_("Prime fixe (DA)"), required=False, **MONEY)
    premium_rate = forms.DecimalField(label=_("Taux (%)"), required=False, max_digits=7, decimal_places=4)
    rate_base = forms.CharField(label=_("Base du taux (champ de l'objet assuré)"), required=False, max_length=40)
    position = forms.IntegerField(label=_("Ordre"), min_value=0, max_value=32767, initial=100)


class FormulaForm(BaseForm):
    instance_fields = ("code", "name", "included", "optional", "position", "is_active")
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Nom"), max_length=120)
    included = forms.ModelMultipleChoiceField(label=_("Garanties incluses"), queryset=Guarantee.objects.none(),
                                              required=False, widget=forms.CheckboxSelectMultiple)
    optional = forms.ModelMultipleChoiceField(label=_("Garanties optionnelles"), queryset=Guarantee.objects.none(),
                                              required=False, widget=forms.CheckboxSelectMultiple)
    position = forms.IntegerField(label=_("Ordre"), min_value=0, max_value=32767, initial=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, product=None, **kwargs):
        super().__init__(*args, **kwargs)
        product = product or self.instance.product
        qs = Guarantee.objects.visible_to(self.user).filter(product=product)
        self.fields["included"].queryset = qs
        self.fields["optional"].queryset = qs


# --- Terms (quotes, policies, endorsements) ---------------------------------------------------------------

def object_fields(schema: list[dict], initial: dict | None = None) -> dict[str, forms.Field]:
    """One form field per declared insured-object field (typed checks are the service's)."""
    fields = {}
    for spec in schema:
        label, kind = spec.get("label", spec["name"]), spec.get("type", "text")
        if kind == FieldType.CHOICE:
            field = forms.ChoiceField(label=label, choices=BLANK + [(c, c) for c in spec.get("choices", [])],
                                      required=False)
        elif kind == FieldType.DATE:
            field = forms.CharField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
        else:
            field = forms.CharField(label=label, required=False, max_length=200)
        if spec.get("required", True):
            field.label = f"{label} *"
        if initial and spec["name"] in initial:
            field.initial = initial[spec["name"]]
        fields[OBJ + spec["name"]] = field
    return fields


def visible_members(user):
    return get_user_model().objects.visible_to(user).filter(is_active=True, status=UserStatus.ACTIVE)


class TermsForm(BaseForm):
    """Holder, formula, options and insured object of a quote or a policy, for one product."""

    contact_code = forms.CharField(label=_("Code client (personne)"), required=False, max_length=20)
    account = forms.ModelChoiceField(label=_("Ou société"), queryset=Account.objects.none(), required=False,
                                     widget=forms.HiddenInput)
    formula = forms.ModelChoiceField(label=_("Formule"), queryset=Formula.objects.none())
    guarantees = forms.ModelMultipleChoiceField(label=_("Options"), queryset=Guarantee.objects.none(),
                                                required=False, widget=forms.CheckboxSelectMultiple)
    payment_frequency = forms.ChoiceField(label=_("Fractionnement"), choices=PaymentFrequency.choices)

    def __init__(self, *args, product: Product, holder=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.fields["formula"].queryset = Formula.objects.visible_to(self.user).filter(product=product,
                                                                                       is_active=True)
        optional_ids = Formula.optional.through.objects.filter(formula__product=product).values("guarantee_id")
        self.fields["guarantees"].queryset = Guarantee.objects.visible_to(self.user).filter(pk__in=optional_ids)
        self.fields["account"].queryset = Account.objects.visible_to(self.user)
        if isinstance(holder, Contact):
            self.fields["contact_code"].initial = holder.code
        elif isinstance(holder, Account):
            self.fields["account"].initial = holder.pk
            del self.fields["contact_code"]
        self.fields.update(object_fields(product.object_schema))

    def clean_contact_code(self):
        code = (self.cleaned_data.get("contact_code") or "").strip()
        if not code:
            return None
        contact = Contact.objects.visible_to(self.user).filter(code__iexact=code).first()
        if contact is None:
            raise forms.ValidationError(_("Aucun client visible n'a ce code."))
        return contact

    def clean(self):
        data = super().clean()
        if not data.get("contact_code") and not data.get("account") and not self.errors:
            self.add_error("contact_code" if "contact_code" in self.fields else None,
                           _("Indiquez le souscripteur."))
        return data

    def insured_object(self) -> dict:
        return {name[len(OBJ):]: value for name, value in self.cleaned_data.items() if name.startswith(OBJ)}

    def terms(self) -> dict:
        data = self.cleaned_data
        return {"product": self.product, "formula": data["formula"], "contact": data.get("contact_code"),
                "account": data.get("account") if not data.get("contact_code") else None,
                "guarantees": list(data["guarantees"]), "insured_object": self.insured_object(),
                "payment_frequency": data["payment_frequency"]}


class QuoteForm(TermsForm):
    valid_until = date_field(_("Valable jusqu'au"), required=False)


class PolicyForm(TermsForm):
    effective_date = date_field(_("Date d'effet"))
    expiry_date = date_field(_("Date d'échéance"), required=False, help_text=_("Vide : un an moins un jour."))
    channel = forms.ChoiceField(label=_("Canal de distribution"), choices=DistributionChannel.choices)
    intermediary = forms.CharField(label=_("Intermédiaire"), required=False, max_length=150)
    number = forms.CharField(label=_("Numéro de police"), required=False, max_length=40,
                             help_text=_("Vide : attribué selon le modèle de la branche."))
    owner = forms.ModelChoiceField(label=_("Gestionnaire"), queryset=get_user_model().objects.none(), required=False)
    agency = forms.ModelChoiceField(label=_("Agence"), queryset=Agency.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = visible_members(self.user)
        self.fields["agency"].queryset = Agency.objects.visible_to(self.user).filter(is_active=True)

    def terms(self) -> dict:
        data = self.cleaned_data
        return {**super().terms(), **{k: data[k] for k in ("effective_date", "expiry_date", "channel",
                                                          "intermediary", "number", "owner", "agency")}}


class EndorseForm(BaseForm):
    effective_date = date_field(_("Date d'effet de l'avenant"))
    description = forms.CharField(label=_("Objet de l'avenant"), max_length=255)
    formula = forms.ModelChoiceField(label=_("Formule"), queryset=Formula.objects.none())
    guarantees = forms.ModelMultipleChoiceField(label=_("Options"), queryset=Guarantee.objects.none(),
                                                required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        policy: Policy = self.instance
        self.fields["formula"].queryset = Formula.objects.visible_to(self.user).filter(product=policy.product_id)
        optional_ids = Formula.optional.through.objects.filter(formula__product=policy.product_id
                                                               ).values("guarantee_id")
        self.fields["guarantees"].queryset = Guarantee.objects.visible_to(self.user).filter(pk__in=optional_ids)
        if not self.is_bound:
            self.fields["formula"].initial = policy.formula_id
            included = set(policy.formula.included.values_list("pk", flat=True))
            self.fields["guarantees"].initial = [g.pk for g in policy.guarantees.all() if g.pk not in included]
        self.fields.update(object_fields(policy.product.object_schema, policy.insured_object))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"effective_date": data["effective_date"], "description": data["description"],
                "formula": data["formula"], "guarantees": list(data["guarantees"]),
                "insured_object": {n[len(OBJ):]: v for n, v in data.items() if n.startswith(OBJ)}}


class PolicyStatusForm(BaseForm):
    status = forms.ChoiceField(label=_("Nouveau statut"), choices=PolicyStatus.choices)
    on = date_field(_("Date"), required=False)
    reason = forms.CharField(label=_("Motif"), required=False, max_length=255)

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, PolicyStatus(s).label) for s in allowed]


class ReasonForm(BaseForm):
    reason = forms.CharField(label=_("Motif"), max_length=255, required=False)


class QuoteAcceptForm(BaseForm):
    effective_date = date_field(_("Date d'effet"), required=False)
    channel = forms.ChoiceField(label=_("Canal de distribution"), choices=DistributionChannel.choices)
    intermediary = forms.CharField(label=_("Intermédiaire"), required=False, max_length=150)


class PaymentForm(BaseForm):
    amount = forms.DecimalField(label=_("Montant (DA)"), **MONEY)
    method = forms.ChoiceField(label=_("Mode de paiement"), choices=PaymentMethod.choices)
    paid_on = date_field(_("Date d'encaissement"), required=False)
    reference = forms.CharField(label=_("Référence (chèque, virement…)"), required=False, max_length=60)


# --- Claims ---------------------------------------------------------------------------------------------

class ClaimForm(BaseForm):
    policy_number = forms.CharField(label=_("Numéro de police"), max_length=40)
    claim_type = forms.ChoiceField(label=_("Type de sinistre"), choices=ClaimType.choices)
    guarantee = forms.ModelChoiceField(label=_("Garantie concernée"), queryset=Guarantee.objects.none(),
                                       required=False)
    loss_date = date_field(_("Date du sinistre"))
    declared_on = date_field(_("Date de déclaration"), required=False)
    declaration_channel = forms.ChoiceField(label=_("Canal de déclaration"), choices=DeclarationChannel.choices)
    place = forms.CharField(label=_("Lieu"), required=False, max_length=200)
    circumstances = forms.CharField(label=_("Circonstances"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    third_parties = forms.CharField(label=_("Tiers impliqués"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    estimated_amount = forms.DecimalField(label=_("Montant estimé (DA)"), required=False, **MONEY)
    event = forms.CharField(label=_("Événement CATNAT"), required=False, max_length=80)

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guarantee"].queryset = Guarantee.objects.visible_to(self.user).select_related("product")
        if policy is not None:
            self.fields["policy_number"].initial = policy.number
            self.fields["guarantee"].queryset = Guarantee.objects.visible_to(self.user).filter(
                product=policy.product_id)

    def clean_policy_number(self):
        number = self.cleaned_data["policy_number"].strip()
        policy = Policy.objects.visible_to(self.user).filter(number__iexact=number).first()
        if policy is None:
            raise forms.ValidationError(_("Aucune police visible n'a ce numéro."))
        return policy

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        policy = data.pop("policy_number")
        if not data.get("declared_on"):
            data.pop("declared_on")
        data["estimated_amount"] = data.get("estimated_amount") or 0
        return {"policy": policy, **data}


class ClaimUpdateForm(BaseForm):
    instance_fields = ("reserve", "estimated_amount", "expert", "expert_appointed_on", "expert_report_on")
    reserve = forms.DecimalField(label=_("Provision (DA)"), **MONEY)
    estimated_amount = forms.DecimalField(label=_("Montant estimé (DA)"), **MONEY)
    expert = forms.CharField(label=_("Expert"), required=False, max_length=150)
    expert_appointed_on = date_field(_("Expert désigné le"), required=False)
    expert_report_on = date_field(_("Rapport d'expertise le"), required=False)


class ClaimTransitionForm(BaseForm):
    status = forms.ChoiceField(label=_("Nouveau statut"), choices=ClaimStatus.choices)
    reason = forms.CharField(label=_("Motif"), required=False, max_length=255)


class ClaimPaymentForm(BaseForm):
    amount = forms.DecimalField(label=_("Montant (DA)"), **MONEY)
    paid_on = date_field(_("Date du règlement"), required=False)
    beneficiary = forms.CharField(label=_("Bénéficiaire"), required=False, max_length=150)
    is_final = forms.BooleanField(label=_("Règlement définitif"), required=False)


class ClaimDocumentsForm(BaseForm):
    received = forms.MultipleChoiceField(label=_("Pièces reçues"), required=False,
                                         widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        claim = self.instance
        codes = CLAIM_DOCUMENTS.get(claim.claim_type, [])
        self.fields["received"].choices = [(c, ClaimDocument(c).label) for c in codes]
        if not self.is_bound:
            self.fields["received"].initial = [c for c, ok in (claim.documents or {}).items() if ok]


class ReassignForm(BaseForm):
    instance_fields = ("owner", "agency")
    owner = forms.ModelChoiceField(label=_("Gestionnaire"), queryset=get_user_model().objects.none())
    agency = forms.ModelChoiceField(label=_("Agence"), queryset=Agency.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = visible_members(self.user)
        self.fields["agency"].queryset = Agency.objects.visible_to(self.user).filter(is_active=True)
