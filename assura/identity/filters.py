"""FilterSets of the identity app, shared by the list pages and the API.

Choices that name tenant rows (agencies, regions) come from `visible_to(request.user)`:
another company's agency is an invalid choice, never a filter that leaks."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from assura.core.filters import SearchFilterSet
from assura.core.permissions import Role
from assura.core.reference import WILAYA_CHOICES
from assura.identity.choices import UserStatus
from assura.identity.models import Agency, Region, User


def visible_agencies(request):
    return Agency.objects.visible_to(getattr(request, "user", None))


def visible_regions(request):
    return Region.objects.visible_to(getattr(request, "user", None))


class UserFilterSet(SearchFilterSet):
    search_fields = ("email", "first_name", "last_name", "phone")
    role = django_filters.ChoiceFilter(label=_("Rôle"), choices=Role.choices)
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=UserStatus.choices)
    agency = django_filters.ModelChoiceFilter(label=_("Agence"), queryset=visible_agencies)
    agency_number = django_filters.CharFilter(label=_("Numéro d'agence"), field_name="agency__number")

    class Meta:
        model = User
        fields = ["q", "role", "status", "agency", "agency_number"]


class AgencyFilterSet(SearchFilterSet):
    search_fields = ("number", "name", "address")
    region = django_filters.ModelChoiceFilter(label=_("Direction régionale"), queryset=visible_regions)
    wilaya = django_filters.ChoiceFilter(label=_("Wilaya"), choices=WILAYA_CHOICES)
    is_active = django_filters.BooleanFilter(
        label=_("Statut"),
        widget=forms.Select(choices=[("", _("Toutes")), ("true", _("Active")), ("false", _("Fermée"))]),
    )

    class Meta:
        model = Agency
        fields = ["q", "region", "wilaya", "is_active"]
