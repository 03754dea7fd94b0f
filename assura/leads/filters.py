"""FilterSets of the leads app, shared by the list page and the API.

Choices that name tenant rows (owners, agencies) come from `visible_to(request.user)`:
another company's agency is an invalid choice, never a filter that leaks."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from assura.core.filters import SearchFilterSet, agency_choices, owner_choices
from assura.core.models import Wilaya
from assura.core.search import search_filter
from assura.identity.models import Agency
from assura.leads.choices import LeadSource, LeadStatus, Temperature
from assura.leads.models import Lead

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def visible_agencies(request):
    return Agency.objects.visible_to(getattr(request, "user", None))


class LeadFilterSet(SearchFilterSet):
    """`q` is accent-, case- and punctuation-insensitive and finds phones in any form."""

    status = django_filters.ChoiceFilter(label=_("Statut"), choices=LeadStatus.choices)
    temperature = django_filters.ChoiceFilter(label=_("Température"), choices=Temperature.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=LeadSource.choices)
    owner = django_filters.ModelChoiceFilter(label=_("Responsable"), queryset=owner_choices)
    agency = django_filters.ModelChoiceFilter(label=_("Agence"), queryset=agency_choices)
    wilaya = django_filters.ModelChoiceFilter(label=_("Wilaya"), queryset=Wilaya.objects.filter(is_active=True))
    created_from = django_filters.DateFilter(label=_("Créée du"), field_name="created_at", lookup_expr="date__gte",
                                             widget=DATE_WIDGET)
    created_to = django_filters.DateFilter(label=_("au"), field_name="created_at", lookup_expr="date__lte",
                                           widget=DATE_WIDGET)

    class Meta:
        model = Lead
        fields = ["q", "status", "temperature", "source", "owner", "agency", "wilaya", "created_from", "created_to"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_filter(value))
