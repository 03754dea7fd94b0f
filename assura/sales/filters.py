"""FilterSets of the sales app, shared by the list, the kanban and the API. Owner and agency
choices come from `visible_to(request.user)`: another company's id is an invalid choice."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from assura.core.filters import SearchFilterSet, visible_users
from assura.identity.models import Agency
from assura.sales.choices import Branch, OpportunityKind, OpportunityStatus
from assura.sales.models import Opportunity, PipelineStage


def visible_agencies(request):
    return Agency.objects.visible_to(getattr(request, "user", None))


def visible_stages(request):
    return PipelineStage.objects.visible_to(getattr(request, "user", None))


class OpportunityFilterSet(SearchFilterSet):
    search_fields = ("name", "account__name", "contact__last_name", "competitor")

    stage = django_filters.ModelChoiceFilter(label=_("Étape"), queryset=visible_stages)
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=OpportunityStatus.choices)
    owner = django_filters.ModelChoiceFilter(label=_("Responsable"), queryset=visible_users)
    agency = django_filters.ModelChoiceFilter(label=_("Agence"), queryset=visible_agencies)
    branch = django_filters.ChoiceFilter(label=_("Branche"), choices=Branch.choices, method="filter_branch")
    produit = django_filters.CharFilter(label=_("Produit"), method="filter_produit")
    kind = django_filters.ChoiceFilter(label=_("Type d'affaire"), choices=OpportunityKind.choices)
    close_month = django_filters.CharFilter(
        label=_("Mois de clôture"), method="filter_close_month",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}))
    stale = django_filters.BooleanFilter(label=_("En retard ou sans activité"), method="filter_stale",
                                         widget=forms.CheckboxInput)

    class Meta:
        model = Opportunity
        fields = ["q", "stage", "status", "owner", "agency", "branch", "produit", "kind", "close_month", "stale"]

    def filter_branch(self, queryset, name, value):
        from assura.sales.models import OpportunityLine

        lines = OpportunityLine.objects.filter(organization_id=self._org_id(), branch=value)
        return queryset.filter(pk__in=lines.values("opportunity_id"))

    def _org_id(self):
        return getattr(getattr(self.request, "user", None), "organization_id", None)

    def filter_produit(self, queryset, name, value):
        from assura.sales.models import OpportunityLine

        lines = OpportunityLine.objects.filter(organization_id=self._org_id(), produit__icontains=value.strip())
        return queryset.filter(pk__in=lines.values("opportunity_id"))

    def filter_close_month(self, queryset, name, value):
        try:
            year, month = (int(p) for p in value.split("-")[:2])
            if not 1 <= month <= 12 or not 1900 < year < 3000:
                raise ValueError
        except ValueError:
            return queryset.none()
        import calendar
        from datetime import date

        first = date(year, month, 1)
        last = first.replace(day=calendar.monthrange(year, month)[1])
        return queryset.filter(expected_close_date__range=(first, last))  # a range: the index serves it

    def filter_stale(self, queryset, name, value):
        from assura.sales.selectors import stale_condition

        if not value:
            return queryset
        return queryset.filter(stale_condition())
