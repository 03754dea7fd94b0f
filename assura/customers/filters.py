"""FilterSets of contacts, accounts and relationships, shared by the list pages and the API.

`q` searches the normalised search column (accents, case, punctuation, Arabic variants and
phone forms do not matter). Choices naming tenant rows (owners, agencies, tags) come from
`visible_to(request.user)`: another company's id is an invalid choice, never a leak."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assura.core.filters import agency_choices, owner_choices
from assura.core.models import Wilaya
from assura.core.search import search_filter
from assura.customers.choices import Channel, LegalForm, RelationKind, Sector, Segment
from assura.customers.models import Account, Contact, Relationship, Tag
from assura.identity.models import Agency


def _user(request):
    return getattr(request, "user", None)


def visible_users(request):
    return get_user_model().objects.visible_to(_user(request))


def visible_agencies(request):
    return Agency.objects.visible_to(_user(request))


def visible_tags(request):
    return Tag.objects.visible_to(_user(request))


def visible_contacts(request):
    return Contact.objects.visible_to(_user(request))


def visible_accounts(request):
    return Account.objects.visible_to(_user(request))


def _start_of(day: datetime.date) -> datetime.datetime:
    # A datetime bound (not `created_at__date`) so that the (organization, created_at) index serves it.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class CustomerFilterSet(django_filters.FilterSet):
    """What contacts and accounts are filtered by."""

    q = django_filters.CharFilter(
        label=_("Rechercher"), method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nom, code, NIN, téléphone, e-mail…")}),
    )
    owner = django_filters.ModelChoiceFilter(label=_("Gestionnaire"), queryset=owner_choices)
    agency = django_filters.ModelChoiceFilter(label=_("Agence"), queryset=agency_choices)
    wilaya = django_filters.ModelChoiceFilter(label=_("Wilaya"), queryset=Wilaya.objects.filter(is_active=True))
    segment = django_filters.ChoiceFilter(label=_("Segment"), choices=Segment.choices)
    tags = django_filters.ModelMultipleChoiceFilter(label=_("Étiquettes"), queryset=visible_tags,
                                                    method="filter_tags")
    created_from = django_filters.DateFilter(label=_("Créé depuis le"), method="filter_created_from",
                                             widget=forms.DateInput(attrs={"type": "date"}))
    created_to = django_filters.DateFilter(label=_("Créé jusqu'au"), method="filter_created_to",
                                           widget=forms.DateInput(attrs={"type": "date"}))

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_filter(value))

    def filter_tags(self, queryset, name, value):
        if not value:
            return queryset
        # A subquery on the link table rather than a join: no duplicate rows, no DISTINCT.
        through = queryset.model.tags.through
        column = f"{queryset.model._meta.model_name}_id"
        return queryset.filter(pk__in=through.objects.filter(tag__in=value).values(column))

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_created_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=_start_of(value + datetime.timedelta(days=1)))


class ContactFilterSet(CustomerFilterSet):
    consent = django_filters.ChoiceFilter(label=_("Consentement accordé"), choices=Channel.choices,
                                          method="filter_consent")

    class Meta:
        model = Contact
        fields = ["q", "owner", "agency", "wilaya", "segment", "tags", "consent", "created_from", "created_to"]

    def filter_consent(self, queryset, name, value):
        return queryset.filter(consents__channel=value, consents__granted=True)


class AccountFilterSet(CustomerFilterSet):
    sector = django_filters.ChoiceFilter(label=_("Secteur"), choices=Sector.choices)
    legal_form = django_filters.ChoiceFilter(label=_("Forme juridique"), choices=LegalForm.choices)

    class Meta:
        model = Account
        fields = ["q", "owner", "agency", "wilaya", "segment", "sector", "legal_form", "tags", "created_from",
                  "created_to"]


class RelationshipFilterSet(django_filters.FilterSet):
    contact = django_filters.ModelChoiceFilter(label=_("Contact"), queryset=visible_contacts, method="filter_contact")
    account = django_filters.ModelChoiceFilter(label=_("Compte"), queryset=visible_accounts)
    kind = django_filters.ChoiceFilter(label=_("Lien"), choices=RelationKind.choices)

    class Meta:
        model = Relationship
        fields = ["contact", "account", "kind"]

    def filter_contact(self, queryset, name, value):
        # Either side of a household link.
        return queryset.filter(Q(contact=value) | Q(related_contact=value))
