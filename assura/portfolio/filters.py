"""FilterSets of the portfolio, shared by the list pages and the API. Choices naming tenant
rows come from `visible_to(request.user)`."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from assura.core.filters import SearchFilterSet, visible_users
from assura.identity.models import Agency
from assura.portfolio.choices import ClaimStatus, ClaimType, InstalmentStatus, PolicyStatus, QuoteStatus
from assura.portfolio.models import Branch, Claim, Instalment, Payment, Policy, Product, Quote

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def visible_agencies(request):
    return Agency.objects.visible_to(getattr(request, "user", None))


def visible_branches(request):
    return Branch.objects.visible_to(getattr(request, "user", None))


def visible_products(request):
    return Product.objects.visible_to(getattr(request, "user", None))


class PolicyFilterSet(SearchFilterSet):
    search_fields = ("number", "contact__last_name", "contact__code", "account__name")
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=PolicyStatus.choices)
    branch = django_filters.ModelChoiceFilter(label=_("Branche"), field_name="product__branch",
                                              queryset=visible_branches)
    product = django_filters.ModelChoiceFilter(label=_("Produit"), queryset=visible_products)
    agency = django_filters.ModelChoiceFilter(label=_("Agence"), queryset=visible_agencies)
    owner = django_filters.ModelChoiceFilter(label=_("Gestionnaire"), queryset=visible_users)
    contact = django_filters.NumberFilter(widget=forms.HiddenInput)
    expiry_to = django_filters.DateFilter(label=_("Échéance avant le"), field_name="expiry_date",
                                          lookup_expr="lte", widget=DATE_WIDGET)

    class Meta:
        model = Policy
        fields = ["q", "status", "branch", "product", "agency", "owner", "expiry_to", "contact"]


class QuoteFilterSet(SearchFilterSet):
    search_fields = ("number", "contact__last_name", "contact__code", "account__name")
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=QuoteStatus.choices)
    product = django_filters.ModelChoiceFilter(label=_("Produit"), queryset=visible_products)
    agency = django_filters.ModelChoiceFilter(label=_("Agence"), queryset=visible_agencies)

    class Meta:
        model = Quote
        fields = ["q", "status", "product", "agency"]


class ClaimFilterSet(SearchFilterSet):
    search_fields = ("number", "policy__number", "contact__last_name", "contact__code")
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=ClaimStatus.choices)
    claim_type = django_filters.ChoiceFilter(label=_("Type"), choices=ClaimType.choices)
    agency = django_filters.ModelChoiceFilter(label=_("Agence"), queryset=visible_agencies)
    owner = django_filters.ModelChoiceFilter(label=_("Gestionnaire"), queryset=visible_users)
    out_of_cover = django_filters.BooleanFilter(label=_("Hors garantie"))
    event = django_filters.CharFilter(label=_("Événement (CATNAT)"), lookup_expr="icontains")

    class Meta:
        model = Claim
        fields = ["q", "status", "claim_type", "agency", "owner", "out_of_cover", "event"]


class InstalmentFilterSet(SearchFilterSet):
    search_fields = ("policy__number", "contact__last_name", "contact__code")
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=InstalmentStatus.choices, method="filter_status")
    agency = django_filters.ModelChoiceFilter(label=_("Agence"), queryset=visible_agencies)
    owner = django_filters.ModelChoiceFilter(label=_("Gestionnaire"), queryset=visible_users)
    due_from = django_filters.DateFilter(label=_("Échéance du"), field_name="due_date", lookup_expr="gte",
                                         widget=DATE_WIDGET)
    due_to = django_filters.DateFilter(label=_("au"), field_name="due_date", lookup_expr="lte", widget=DATE_WIDGET)

    class Meta:
        model = Instalment
        fields = ["q", "status", "agency", "owner", "due_from", "due_to"]

    def filter_status(self, queryset, name, value):
        from assura.portfolio.services import instalment_status_filter

        return queryset.filter(instalment_status_filter(value))


class PaymentFilterSet(django_filters.FilterSet):
    policy = django_filters.NumberFilter()
    paid_from = django_filters.DateFilter(field_name="paid_on", lookup_expr="gte")

    class Meta:
        model = Payment
        fields = ["policy", "method", "paid_from"]


class RenewalFilterSet(django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(label=_("Agence"), queryset=visible_agencies)
    owner = django_filters.ModelChoiceFilter(label=_("Gestionnaire"), queryset=visible_users)
    branch = django_filters.ModelChoiceFilter(label=_("Branche"), field_name="product__branch",
                                              queryset=visible_branches)

    class Meta:
        model = Policy
        fields = ["agency", "owner", "branch"]
