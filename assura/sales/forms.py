"""Forms of the sales app: they parse; the services validate and write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assura.core.filters import visible_users
from assura.customers.models import Account, Contact
from assura.identity.models import Agency
from assura.sales.choices import Branch, LossReason, OpportunityKind, TargetPeriod
from assura.sales.models import PipelineStage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LINES = 4  # product rows on the form


class _Request:
    def __init__(self, user):
        self.user = user


class OpportunityForm(forms.Form):
    name = forms.CharField(label=_("Nom de l'opportunité"), max_length=150)
    account = forms.ModelChoiceField(label=_("Compte"), queryset=Account.objects.none(), required=False)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("Type d'affaire"), choices=OpportunityKind.choices,
                             initial=OpportunityKind.NEW_BUSINESS)
    stage = forms.ModelChoiceField(label=_("Étape"), queryset=PipelineStage.objects.none(), required=False)
    probability = forms.IntegerField(label=_("Probabilité (%)"), required=False,
                                     help_text=_("Vide : la probabilité de l'étape."))
    expected_close_date = forms.DateField(label=_("Date de clôture prévue"), widget=DATE)
    owner = forms.ModelChoiceField(label=_("Responsable"), queryset=visible_users(None), required=False)
    agency = forms.ModelChoiceField(label=_("Agence"), queryset=Agency.objects.none(), required=False)
    competitor = forms.CharField(label=_("Concurrent (assureur actuel)"), max_length=120, required=False)
    next_step = forms.CharField(label=_("Prochaine étape"), max_length=200, required=False)
    next_step_date = forms.DateField(label=_("Date de la prochaine étape"), required=False, widget=DATE)
    source = forms.CharField(label=_("Source"), max_length=20, required=False)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        self.instance = instance
        if instance is not None and not kwargs.get("initial"):
            initial = {f: getattr(instance, f) for f in (
                "name", "kind", "probability", "expected_close_date", "competitor", "next_step", "next_step_date",
                "source")}
            initial.update(account=instance.account_id, contact=instance.contact_id, owner=instance.owner_id,
                           agency=instance.agency_id, stage=instance.stage_id)
            for i, line in enumerate(instance.lines.all()[:LINES]):
                initial.update({f"branch_{i}": line.branch, f"produit_{i}": line.produit, f"premium_{i}": line.premium})
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.visible_to(user).order_by("name")
        self.fields["contact"].queryset = Contact.objects.visible_to(user).order_by("last_name", "first_name")
        self.fields["owner"].queryset = visible_users(_Request(user)).filter(is_active=True)
        self.fields["agency"].queryset = Agency.objects.visible_to(user).filter(is_active=True)
        if instance is None:
            from assura.sales.services import stages_ensure

            stages_ensure(organization_id=user.organization_id)
            self.fields["stage"].queryset = PipelineStage.objects.visible_to(user).filter(
                is_active=True, is_won=False, is_lost=False)
            self.fields["expected_close_date"].initial = timezone.localdate() + timezone.timedelta(days=30)
        else:
            del self.fields["stage"]  # the stage moves on the kanban / detail page, with its history
        for i in range(LINES):
            self.fields[f"branch_{i}"] = forms.ChoiceField(label=_("Branche"), choices=[("", "—"), *Branch.choices],
                                                           required=False)
            self.fields[f"produit_{i}"] = forms.CharField(label=_("Produit / formule"), max_length=150,
                                                          required=False)
            self.fields[f"premium_{i}"] = forms.DecimalField(label=_("Prime annuelle (DA)"), max_digits=14,
                                                             decimal_places=2, required=False)

    @property
    def line_rows(self):
        return [(self[f"branch_{i}"], self[f"produit_{i}"], self[f"premium_{i}"]) for i in range(LINES)]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        lines = [{"branch": data.pop(f"branch_{i}"), "produit": data.pop(f"produit_{i}"),
                  "premium": data.pop(f"premium_{i}")} for i in range(LINES)]
        data["lines"] = lines
        return data


class LoseForm(forms.Form):
    loss_reason = forms.ChoiceField(label=_("Raison de la perte"), choices=LossReason.choices)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)


class StageForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=60)
    order = forms.IntegerField(label=_("Ordre"), min_value=0, max_value=32767, initial=100)
    probability = forms.IntegerField(label=_("Probabilité par défaut (%)"))
    is_won = forms.BooleanField(label=_("Étape gagnée"), required=False)
    is_lost = forms.BooleanField(label=_("Étape perdue"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {f: getattr(instance, f) for f in self.base_fields}
        super().__init__(*args, **kwargs)


class TargetForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Commercial"), queryset=Agency.objects.none(), required=False)
    agency = forms.ModelChoiceField(label=_("Agence"), queryset=Agency.objects.none(), required=False)
    period = forms.ChoiceField(label=_("Période"), choices=TargetPeriod.choices)
    start = forms.DateField(label=_("Début de la période"), widget=DATE,
                            help_text=_("Un jour de la période : le mois, le trimestre ou l'année qui le contient."))
    premium_target = forms.DecimalField(label=_("Objectif de primes (DA)"), max_digits=14, decimal_places=2)
    count_target = forms.IntegerField(label=_("Objectif d'affaires gagnées"), initial=0)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {"user": instance.user_id, "agency": instance.agency_id, "period": instance.period,
                                 "start": instance.start, "premium_target": instance.premium_target,
                                 "count_target": instance.count_target}
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = visible_users(_Request(user)).filter(is_active=True)
        self.fields["agency"].queryset = Agency.objects.visible_to(user).filter(is_active=True)
