"""FilterSets of the service desk, shared by the list pages and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from assura.core.filters import SearchFilterSet, visible_users
from assura.core.search import search_filter
from assura.service.choices import KbVisibility, Priority, Queue, TicketChannel, TicketKind, TicketStatus
from assura.service.models import Category, InboundEmail, KbArticle, Team, Ticket
from assura.service.selectors import queue_filter


def visible_categories(request):
    return Category.objects.visible_to(getattr(request, "user", None)).select_related("parent")


def visible_teams(request):
    return Team.objects.visible_to(getattr(request, "user", None))


class TicketFilterSet(SearchFilterSet):
    """`q` searches reference, subject, customer, e-mail, policy and claim numbers (accent-insensitive)."""

    queue = django_filters.ChoiceFilter(label=_("File d'attente"), choices=Queue.choices, method="filter_queue")
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=TicketStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=TicketKind.choices)
    priority = django_filters.ChoiceFilter(label=_("Priorité"), choices=Priority.choices)
    channel = django_filters.ChoiceFilter(label=_("Canal"), choices=TicketChannel.choices)
    category = django_filters.ModelChoiceFilter(label=_("Catégorie"), queryset=visible_categories)
    team = django_filters.ModelChoiceFilter(label=_("Équipe"), queryset=visible_teams)
    assignee = django_filters.ModelChoiceFilter(label=_("Attribué à"), queryset=visible_users)
    contact = django_filters.NumberFilter(label=_("Contact"), field_name="contact_id")

    class Meta:
        model = Ticket
        fields = ["q", "queue", "status", "kind", "priority", "channel", "category", "team", "assignee", "contact"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_filter(value))

    def filter_queue(self, queryset, name, value):
        return queue_filter(queryset, value, self.request.user)


class KbArticleFilterSet(SearchFilterSet):
    category = django_filters.ModelChoiceFilter(label=_("Catégorie"), queryset=visible_categories)
    visibility = django_filters.ChoiceFilter(label=_("Visibilité"), choices=KbVisibility.choices)

    class Meta:
        model = KbArticle
        fields = ["q", "category", "visibility"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_filter(value))


class InboundEmailFilterSet(django_filters.FilterSet):
    class Meta:
        model = InboundEmail
        fields = ["status"]
