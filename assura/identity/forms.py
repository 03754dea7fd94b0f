"""Forms of the identity app: they parse and validate input; services do the writes."""

from __future__ import annotations

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assura.core.permissions import Role, action_choices
from assura.core.reference import WILAYA_CHOICES
from assura.core.validators import normalize_phone, validate_logo
from assura.identity.models import Agency, Organization, PermissionGroup, Region


class PhoneField(forms.CharField):
    """An Algerian phone number, local (0550 12 34 56) or international (+213…); stored E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "placeholder": "0550 12 34 56"})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalize_phone(value) if value else value


class SignupExtraForm(forms.Form):
    """The administrator's own details asked at sign-up, on top of e-mail and password."""

    last_name = forms.CharField(
        label=pgettext_lazy("nom de famille", "Nom"), max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    first_name = forms.CharField(
        label=_("Prénom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    address = forms.CharField(
        label=_("Adresse"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "street-address"})
    )
    phone = PhoneField(label=_("Téléphone"))
    job_title = forms.CharField(label=_("Fonction"), max_length=100)
    accept_terms = forms.BooleanField(
        label=_("J'accepte les conditions d'utilisation"),
        error_messages={"required": _("Vous devez accepter les conditions d'utilisation.")},
    )

    field_order = [
        "last_name",
        "first_name",
        "address",
        "phone",
        "job_title",
        "email",
        "password1",
        "password2",
        "accept_terms",
    ]

    def signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.address = self.cleaned_data["address"].strip()
        user.phone = self.cleaned_data["phone"]
        user.job_title = self.cleaned_data["job_title"].strip()
        user.save()


class LogoField(forms.ImageField):
    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if value and value is not initial:
            validate_logo(value)
        return value


class OrganizationForm(forms.ModelForm):
    """The company technical sheet (fiche technique)."""

    mobile = PhoneField(label=_("Mobile"))
    website = forms.URLField(label=_("Site web"), required=False, assume_scheme="https")
    logo = LogoField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG ou WebP, 2 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "address",
            "mobile",
            "employees_count",
            "email",
            "trade_register_number",
            "website",
            "postal_code",
            "logo",
        ]
        widgets = {"employees_count": forms.NumberInput(attrs={"min": 1})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employees_count"].validators.append(MinValueValidator(1))


class OrganizationSettingsForm(OrganizationForm):
    class Meta(OrganizationForm.Meta):
        fields = [*OrganizationForm.Meta.fields, "user_visibility"]


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class AgencyForm(forms.ModelForm):
    phone = PhoneField(label=_("Téléphone"), required=False)

    class Meta:
        model = Agency
        fields = ["number", "name", "region", "wilaya", "address", "phone", "is_active"]
        widgets = {"number": forms.TextInput(attrs={"placeholder": "016-003", "pattern": r"\d{3}-\d{3}"})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.visible_to(user)
        self.fields["wilaya"].choices = [("", "---------"), *WILAYA_CHOICES]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail"))
    agency_number = forms.CharField(
        label=_("Numéro d'agence"),
        max_length=7,
        widget=forms.TextInput(attrs={"placeholder": "016-003", "list": "agency-numbers"}),
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.USER)
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=pgettext_lazy("nom de famille", "Nom"), max_length=150, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency_numbers = list(Agency.objects.visible_to(user).filter(is_active=True).values_list("number", "name"))


class InvitationAcceptForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=pgettext_lazy("nom de famille", "Nom"), max_length=150)
    password = forms.CharField(
        label=_("Mot de passe"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_confirm = forms.CharField(
        label=_("Confirmation du mot de passe"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", _("Les deux mots de passe ne correspondent pas."))
        return data


class UserForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=pgettext_lazy("nom de famille", "Nom"), max_length=150)
    phone = PhoneField(label=_("Téléphone"), required=False)
    job_title = forms.CharField(label=_("Fonction"), max_length=100, required=False)
    agency = forms.ModelChoiceField(label=_("Agence"), queryset=Agency.objects.none(), required=False)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {f: getattr(instance, f) for f in ("first_name", "last_name", "phone", "job_title")}
            kwargs["initial"]["agency"] = instance.agency_id
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.visible_to(user)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)
    groups = forms.ModelMultipleChoiceField(
        label=_("Groupes de permissions"),
        queryset=PermissionGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {"role": instance.role, "groups": list(instance.permission_groups.all())}
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = PermissionGroup.objects.visible_to(user)


class PermissionGroupForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=80)
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    permissions = forms.MultipleChoiceField(
        label=_("Permissions"), choices=action_choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "name": instance.name,
                "description": instance.description,
                "permissions": instance.permissions,
            }
        super().__init__(*args, **kwargs)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Langue"), choices=[])
    theme = forms.ChoiceField(label=_("Affichage"), choices=[])

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        from assura.identity.choices import Theme

        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES
        self.fields["theme"].choices = Theme.choices
