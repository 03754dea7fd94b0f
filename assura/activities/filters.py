"""FilterSets of the activities app: one for the list page, the same plus the record
filters for the API (a select of every contact would not fit on a page)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assura.activities.choices import ActivityChannel, ActivityKind, ActivityStatus
from assura.activities.models import Activity
from assura.core.filters import SearchFilterSet, agency_choices, owner_choices
from assura.core.models import Notification
from assura.core.search import search_filter
from assura.identity.models import Agency

SCOPE_MINE, SCOPE_AGENCY = "mine", "agency"


def visible_agencies(request):
    return Agency.objects.visible_to(getattr(request, "user", None))


def day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


class ActivityFilterSet(SearchFilterSet):
    scope = django_filters.ChoiceFilter(
        label=_("Affichage"), method="filter_scope", empty_label=_("Toutes"),
        choices=[(SCOPE_MINE, _("Mes activités")), (SCOPE_AGENCY, _("Mon agence"))],
    )
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=ActivityKind.choices)
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=ActivityStatus.choices)
    channel = django_filters.ChoiceFilter(label=_("Canal"), choices=ActivityChannel.choices)
    assignee = django_filters.ModelChoiceFilter(label=_("Assigné à"), queryset=owner_choices)
    agency = django_filters.ModelChoiceFilter(label=_("Agence"), queryset=agency_choices)
    date_from = django_filters.DateFilter(label=_("Du"), method="filter_date_from",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label=_("Au"), method="filter_date_to",
                                        widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Activity
        fields = ["q", "scope", "kind", "status", "channel", "assignee", "agency", "date_from", "date_to"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_filter(value))

    def filter_scope(self, queryset, name, value):
        user = self.request.user
        if value == SCOPE_MINE:
            return queryset.filter(assignee=user)
        if value == SCOPE_AGENCY:
            return queryset.filter(agency_id=user.agency_id) if user.agency_id else queryset.filter(assignee=user)
        return queryset

    # Dates are local days, turned into a range on the indexed timestamp.
    def filter_date_from(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=day_start(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=day_start(value + timedelta(days=1)))


class ActivityApiFilterSet(ActivityFilterSet):
    contact = django_filters.NumberFilter(label=_("Contact (id)"), field_name="contact_id")
    account = django_filters.NumberFilter(label=_("Compte (id)"), field_name="account_id")
    lead = django_filters.NumberFilter(label=_("Piste (id)"), field_name="lead_id")

    class Meta(ActivityFilterSet.Meta):
        fields = [*ActivityFilterSet.Meta.fields, "contact", "account", "lead"]


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(label=_("Non lues"), field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Notification
        fields = ["unread"]
