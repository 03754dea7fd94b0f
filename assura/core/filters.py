"""FilterSets of the platform models (audit log, jobs), shared by the list pages and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assura.core.models import AuditAction, AuditEvent, Job, JobStatus


class SearchFilterSet(django_filters.FilterSet):
    """A FilterSet with a `q` box searching `search_fields` (every word must match one field)."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(
        label=_("Rechercher"), method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Rechercher…")}),
    )

    def filter_q(self, queryset, name, value):
        for term in value.split()[:8]:
            match = Q()
            for field in self.search_fields:
                match |= Q(**{f"{field}__icontains": term})
            queryset = queryset.filter(match)
        return queryset


def visible_users(request):
    return get_user_model().objects.visible_to(getattr(request, "user", None))


def owner_choices(request):
    """The people a list can be filtered by (gestionnaire, responsable, assigné à), former staff
    included (to find and hand over their customers), read with only what a choice shows.
    Someone who sees only their own and their agency's records (an Utilisateur) chooses among
    their agency's people and themselves, not among 800 names."""
    from django.db.models import Q

    from assura.core.permissions import user_can

    user = getattr(request, "user", None)
    qs = visible_users(request).only(
        "id", "organization_id", "agency_id", "first_name", "last_name", "email").order_by("last_name", "first_name")
    if user is not None and getattr(user, "is_authenticated", False) and not user_can(user, "records.read_all"):
        qs = qs.filter(Q(agency_id=user.agency_id) | Q(pk=user.pk)) if user.agency_id else qs.filter(pk=user.pk)
    return qs


def agency_choices(request):
    from assura.identity.models import Agency

    return (Agency.objects.visible_to(getattr(request, "user", None))
            .only("id", "organization_id", "number", "name").order_by("number"))


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditAction.choices)
    actor = django_filters.ModelChoiceFilter(label=_("Auteur"), queryset=visible_users)
    date_from = django_filters.DateFilter(label=_("Du"), field_name="created_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(label=_("Au"), field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "date_from", "date_to"]


class JobFilterSet(django_filters.FilterSet):
    kind = django_filters.CharFilter(label=_("Type"))
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=JobStatus.choices)

    class Meta:
        model = Job
        fields = ["kind", "status"]
