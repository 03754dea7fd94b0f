"""Pages of duplicate handling: the list of likely pairs, the scan, the merge screen, "ignorer".

Administrators only (action "records.delete": a merge deletes a customer record).
"""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import generic

from assura.core.models import Job
from assura.core.tables import Column, Table
from assura.core.views import TenantListView, WorkspaceMixin
from assura.customers import duplicates, merge
from assura.customers.models import Contact, DuplicateCandidate, DuplicateStatus

REQUIRED_ACTION = "records.delete"


class DuplicateFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=DuplicateStatus.choices[1:],
                                         empty_label=_("À traiter"), method="filter_status")
    reason = django_filters.ChoiceFilter(label=_("Motif"), method="filter_reason",
                                         choices=[(k, v) for k, v in duplicates.REASON_LABELS.items()])
    min_score = django_filters.NumberFilter(label=_("Score minimal"), field_name="score", lookup_expr="gte")

    class Meta:
        model = DuplicateCandidate
        fields = ["status", "reason", "min_score"]

    def filter_status(self, queryset, name, value):
        return queryset  # applied by the view, whose default is "open"

    def filter_reason(self, queryset, name, value):
        # JSON list membership, portable to SQLite and PostgreSQL: the stored list as text.
        return queryset.filter(reasons__icontains=f'"{value}"')


class DuplicateTable(Table):
    columns = [
        Column("contact_a", _("Contact A"), sortable=False, template="customers/duplicates/_cell_contact.html"),
        Column("contact_b", _("Contact B"), sortable=False, template="customers/duplicates/_cell_contact.html"),
        Column("score", _("Score"), css="text-end"),
        Column("reasons", _("Motifs"), sortable=False, template="customers/duplicates/_cell_reasons.html"),
        Column("status", _("Statut"), sortable=False),
        Column("pk", _("Actions"), sortable=False, template="customers/duplicates/_cell_actions.html",
               css="text-end"),
    ]
    default_ordering = "-score"
    empty_message = _("Aucun doublon probable. Lancez une analyse pour en chercher.")


class DuplicateListView(TenantListView):
    """The likely pairs found by the last scan, best first, to compare and merge or to dismiss."""

    model = DuplicateCandidate
    required_action = REQUIRED_ACTION
    table_class = DuplicateTable
    filterset_class = DuplicateFilterSet
    page_title = _("Doublons probables")
    template_name = "customers/duplicates/candidate_list.html"

    def get_queryset(self):
        status = self.request.GET.get("status")
        return duplicates.duplicate_candidates(
            user=self.request.user, status=status if status in DuplicateStatus.values else DuplicateStatus.OPEN,
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["last_scan"] = (Job.objects.visible_to(self.request.user).filter(kind="customers.duplicates_scan")
                            .order_by("-created_at").first())
        return ctx


class DuplicateScanView(WorkspaceMixin, generic.View):
    required_action = REQUIRED_ACTION
    http_method_names = ["post"]

    def post(self, request):
        job = duplicates.duplicates_scan_start(actor=request.user, request=request)
        messages.info(request, _("Analyse des doublons lancée : suivez sa progression ci-dessous."))
        return redirect(job.get_absolute_url())


class ContactPairMixin(WorkspaceMixin):
    """Two contacts of the URL, both visible to the user (404 otherwise, as for a missing one)."""

    required_action = REQUIRED_ACTION

    def get_pair(self) -> tuple[Contact, Contact]:
        visible = Contact.objects.visible_to(self.request.user).select_related("wilaya", "owner", "agency")
        a = get_object_or_404(visible, pk=self.kwargs["a"])
        b = get_object_or_404(visible, pk=self.kwargs["b"])
        return a, b

    def next_url(self) -> str:
        nxt = self.request.POST.get("next") or self.request.GET.get("next")
        if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={self.request.get_host()}):
            return nxt
        return reverse("duplicates:candidate_list")


class MergeView(ContactPairMixin, generic.TemplateView):
    """Side by side: pick the surviving value of each field, then merge B into A."""

    template_name = "customers/duplicates/merge.html"
    page_title = _("Fusionner deux contacts")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        a, b = self.pair
        ctx.update(
            a=a, b=b, rows=merge.merge_rows(a, b), related_a=merge.related_counts(a),
            related_b=merge.related_counts(b), next=self.next_url(),
            lists=[
                (_("Téléphones"), _phones(a), _phones(b)),
                (_("E-mails"), _emails(a), _emails(b)),
                (_("Étiquettes"), sorted(str(t) for t in a.tags.all()), sorted(str(t) for t in b.tags.all())),
            ],
        )
        return ctx

    def get(self, request, *args, **kwargs):
        self.pair = self.get_pair()
        if self.pair[0].pk == self.pair[1].pk:
            messages.error(request, _("Choisissez deux contacts différents."))
            return redirect("duplicates:candidate_list")
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        a, b = self.pair = self.get_pair()
        choices = {field: request.POST[f"choice_{field}"] for field in merge.MERGE_FIELDS
                   if request.POST.get(f"choice_{field}")}
        try:
            survivor = merge.contact_merge(actor=request.user, survivor=a, duplicate=b, choices=choices,
                                           request=request)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            self.pair = self.get_pair()
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, _("Fiches fusionnées : %(name)s (%(code)s) est conservée.")
                         % {"name": survivor, "code": survivor.code})
        return HttpResponseRedirect(self.next_url())


class DismissView(ContactPairMixin, generic.View):
    """"Ignorer": the two contacts are different people."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        a, b = self.get_pair()
        try:
            duplicates.duplicate_dismiss(actor=request.user, contact_a=a, contact_b=b, request=request)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(self.next_url())
        if getattr(request, "htmx", False):
            return HttpResponse("")  # the row disappears from the list
        messages.success(request, _("Paire ignorée : elle ne sera plus proposée."))
        return HttpResponseRedirect(self.next_url())


def _phones(contact: Contact) -> list[str]:
    return list(dict.fromkeys(n for n in [contact.phone, *(p.get("number") for p in contact.phones or [])] if n))


def _emails(contact: Contact) -> list[str]:
    return list(dict.fromkeys(e for e in [contact.email, *(contact.emails or [])] if e))
