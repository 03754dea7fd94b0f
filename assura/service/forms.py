"""Forms of the service desk: they parse input; services validate and write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from assura.core.models import Wilaya
from assura.customers.models import Account, Contact
from assura.identity.choices import UserStatus
from assura.portfolio.models import Claim, Policy
from assura.service.choices import Priority, ResolutionCode, RootCause, TicketChannel, TicketKind
from assura.service.models import Category, KbArticle, ReplyTemplate, RoutingRule, SlaPolicy, Team

BLANK = [("", "—")]
WEEKDAYS = [(6, _("Dimanche")), (0, _("Lundi")), (1, _("Mardi")), (2, _("Mercredi")), (3, _("Jeudi")),
            (4, _("Vendredi")), (5, _("Samedi"))]


def members(user):
    return get_user_model().objects.visible_to(user).filter(is_active=True, status=UserStatus.ACTIVE)


def categories(user, *, top: bool | None = None):
    qs = Category.objects.visible_to(user).filter(is_active=True).select_related("parent")
    if top is True:
        qs = qs.filter(parent__isnull=True)
    elif top is False:
        qs = qs.filter(parent__isnull=False)
    return qs


class PickerInput(forms.HiddenInput):
    """Rendered by the page's customer picker (radio buttons named like the field), not by the form."""

    def render(self, name, value, attrs=None, renderer=None):
        return ""


class TicketForm(forms.Form):
    subject = forms.CharField(label=_("Objet"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=TicketKind.choices, initial=TicketKind.REQUEST)
    channel = forms.ChoiceField(label=_("Canal"), choices=TicketChannel.choices, initial=TicketChannel.PHONE)
    priority = forms.ChoiceField(label=_("Priorité"), choices=Priority.choices, initial=Priority.NORMAL)
    category = forms.ModelChoiceField(label=_("Catégorie"), queryset=Category.objects.none(), required=False)
    subcategory = forms.ModelChoiceField(label=_("Sous-catégorie"), queryset=Category.objects.none(), required=False)
    target = forms.CharField(label=_("Client"), required=False, widget=PickerInput)
    customer_name = forms.CharField(label=_("Nom du demandeur"), max_length=150, required=False)
    customer_email = forms.EmailField(label=_("E-mail du demandeur"), required=False)
    policy_number = forms.CharField(label=_("N° de police"), max_length=40, required=False)
    claim_number = forms.CharField(label=_("N° de sinistre"), max_length=40, required=False)
    policy = forms.ModelChoiceField(label=_("Police"), queryset=Policy.objects.none(), required=False,
                                    help_text=_("Les polices du client choisi. Vide : celle du n° saisi, s'il existe."))
    claim = forms.ModelChoiceField(label=_("Sinistre"), queryset=Claim.objects.none(), required=False,
                                   help_text=_("Les sinistres du client choisi."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, user=None, instance=None, **kwargs):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {name: getattr(instance, name) for name in (
                "subject", "kind", "channel", "priority", "category", "subcategory", "customer_name",
                "customer_email", "policy_number", "claim_number", "policy", "claim", "description")}
            if instance.contact_id:
                kwargs["initial"]["target"] = f"contact:{instance.contact_id}"
            elif instance.account_id:
                kwargs["initial"]["target"] = f"account:{instance.account_id}"
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].queryset = categories(user, top=True)
        self.fields["subcategory"].queryset = categories(user, top=False)
        holder = self.holder_filter()
        if holder is not None:
            policies = Policy.objects.visible_to(user).filter(**holder)
            self.fields["policy"].queryset = policies.order_by("-effective_date", "-pk")
            claims = Claim.objects.visible_to(user).filter(**holder)
            self.fields["claim"].queryset = claims.order_by("-declared_on", "-pk")

    def holder_filter(self) -> dict | None:
        """The chosen customer as a filter of its policies and claims (None before a customer is chosen)."""
        record = self.customer()
        if record is None:
            return None
        return {"contact": record} if isinstance(record, Contact) else {"account": record}

    def customer(self):
        """The contact or account named by `target` ("contact:12"), among those the user may see."""
        value = self["target"].value() or ""
        kind, _sep, pk = str(value).partition(":")
        model = {"contact": Contact, "account": Account}.get(kind)
        if model is None or not pk.isdigit():
            return None
        if getattr(self, "_customer", (None,))[0] != value:
            self._customer = (value, model.objects.visible_to(self.user).filter(pk=pk).first())
        return self._customer[1]

    def clean(self):
        data = super().clean()
        target = data.pop("target", "")
        data["contact"] = data["account"] = None
        if target:
            record = self.customer()
            if record is None:
                self.add_error("target", _("Client introuvable."))
            else:
                data["contact" if isinstance(record, Contact) else "account"] = record
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; the service checks their type and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        return [f for f in (super(MultipleFileField, self).clean(item, initial) for item in items if item) if f]


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Réponse au client"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)
    wait_for_customer = forms.BooleanField(label=_("Mettre en attente du client"), required=False)
    files = MultipleFileField(label=_("Pièces jointes"), required=False)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note interne"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)


class ResolveForm(forms.Form):
    resolution_code = forms.ChoiceField(label=_("Code de résolution"), choices=BLANK + ResolutionCode.choices,
                                        widget=forms.Select(attrs={"class": "form-select"}))
    root_cause = forms.ChoiceField(label=_("Cause racine"), choices=BLANK + RootCause.choices, required=False,
                                   widget=forms.Select(attrs={"class": "form-select"}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Attribuer à"), queryset=get_user_model().objects.none(),
                                      required=False, widget=forms.Select(attrs={"class": "form-select"}))
    team = forms.ModelChoiceField(label=_("Équipe"), queryset=Team.objects.none(), required=False,
                                  widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members(user)
        self.fields["team"].queryset = Team.objects.visible_to(user)


class SettingsForm(forms.Form):
    work_start = forms.TimeField(label=_("Début de journée"), widget=forms.TimeInput(attrs={"type": "time"}))
    work_end = forms.TimeField(label=_("Fin de journée"), widget=forms.TimeInput(attrs={"type": "time"}))
    work_days = forms.TypedMultipleChoiceField(label=_("Jours ouvrés"), choices=WEEKDAYS, coerce=int,
                                               widget=forms.CheckboxSelectMultiple)
    use_public_holidays = forms.BooleanField(label=_("Jours fériés algériens chômés"), required=False)
    mailbox_address = forms.EmailField(label=_("Adresse du service client"), required=False)
    imap_host = forms.CharField(label=_("Serveur IMAP"), required=False, max_length=200)
    imap_port = forms.IntegerField(label=_("Port IMAP"), min_value=1, max_value=65535)
    imap_user = forms.CharField(label=_("Identifiant IMAP"), required=False, max_length=200)
    imap_password = forms.CharField(label=_("Mot de passe IMAP"), required=False, max_length=200,
                                    widget=forms.PasswordInput(render_value=False),
                                    help_text=_("Laissez vide pour garder le mot de passe enregistré."))
    imap_folder = forms.CharField(label=_("Dossier IMAP"), max_length=100)
    acknowledge = forms.BooleanField(label=_("Accusé de réception automatique"), required=False)
    send_survey = forms.BooleanField(label=_("Enquête de satisfaction après résolution"), required=False)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {name: getattr(instance, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)


class ConfigForm(forms.ModelForm):
    """Base of the configuration forms: relations limited to the user's company."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            model = getattr(getattr(field, "queryset", None), "model", None)
            if model is None or model is Wilaya:
                continue
            if model is get_user_model():
                field.queryset = members(user)
            elif model is Category:
                field.queryset = categories(user, top=True if name == "parent" else None)
            else:
                field.queryset = model.objects.visible_to(user)


class CategoryForm(ConfigForm):
    class Meta:
        model = Category
        fields = ["name", "parent", "keywords", "default_priority", "is_active"]


class TeamForm(ConfigForm):
    class Meta:
        model = Team
        fields = ["name", "kind", "lead", "members", "agency"]
        widgets = {"members": forms.CheckboxSelectMultiple}


class SlaPolicyForm(ConfigForm):
    class Meta:
        model = SlaPolicy
        fields = ["name", "kind", "priority", "category", "first_response_hours", "resolution_hours", "is_active"]


class RoutingRuleForm(ConfigForm):
    class Meta:
        model = RoutingRule
        fields = ["priority", "category", "channel", "kind", "agency", "wilaya", "team", "strategy", "is_active"]


class ReplyTemplateForm(ConfigForm):
    class Meta:
        model = ReplyTemplate
        fields = ["name", "body", "category", "is_active"]
        help_texts = {"body": _("Champs : {client}, {reference}, {echeance}, {police}, {sinistre}, "
                                "{statut_sinistre}, {agent}, {sujet}.")}


class KbArticleForm(ConfigForm):
    class Meta:
        model = KbArticle
        fields = ["title", "body", "category", "visibility", "is_published"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}


