"""Pages of duplicate handling: the list of likely pairs, the scan, the merge screens (contacts
and accounts), "ignorer".

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
from assura.customers import duplicates, merge, selectors
from assura.customers.models import Account, Contact, DuplicateCandidate, DuplicateStatus

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


class RecordPairMixin(WorkspaceMixin):
    """Two records of the URL, both visible to the user (404 otherwise, as for a missing one)."""

    required_action = REQUIRED_ACTION
    model: type = Contact
    select_related: tuple[str, ...] = ("wilaya", "owner", "agency")

    def get_pair(self):
        visible = self.model.objects.visible_to(self.request.user).select_related(*self.select_related)
        a = get_object_or_404(visible, pk=self.kwargs["a"])
        b = get_object_or_404(visible, pk=self.kwargs["b"])
        return a, b

    def next_url(self) -> str:
        nxt = self.request.POST.get("next") or self.request.GET.get("next")
        if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={self.request.get_host()}):
            return nxt
        return reverse("duplicates:candidate_list")



class RecordMergeView(RecordPairMixin, generic.TemplateView):
    """Side by side: pick the surviving value of each field, then merge B into A. The contact
    and account screens differ only by the declarations of their subclass."""

    template_name = "customers/duplicates/merge.html"
    url_name: str
    crumb = (None, "")  # (URL name of the list the screen comes from, its label)
    same_record_message = _("Choisissez deux fiches différentes.")

    def reference(self, record) -> str:
        """How each side is named in the column heads."""
        return str(record)

    def intro(self, a, b) -> str:
        return _("La fiche A (%(a)s) est conservée ; la fiche B (%(b)s) est supprimée après que tout ce qui lui "
                 "est rattaché a été déplacé vers A. Choisissez, pour chaque champ qui diffère, la valeur à "
                 "garder.") % {"a": a, "b": b}

    def success(self, survivor) -> HttpResponseRedirect:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        a, b = self.pair
        ctx.update(
            a=a, b=b, rows=merge.merge_rows(a, b), related_a=merge.related_counts(a),
            related_b=merge.related_counts(b), next=self.next_url(), intro=self.intro(a, b),
            reference_a=self.reference(a), reference_b=self.reference(b),
            swap_url=reverse(self.url_name, args=[b.pk, a.pk]),
            crumb_url=reverse(self.crumb[0]), crumb_label=self.crumb[1],
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
            messages.error(request, self.same_record_message)
            return redirect(self.next_url())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        a, b = self.pair = self.get_pair()
        merger = merge.merger_for(self.model)
        choices = {field: request.POST[f"choice_{field}"] for field in merger.fields
                   if request.POST.get(f"choice_{field}")}
        try:
            survivor = merger.merge(actor=request.user, survivor=a, duplicate=b, choices=choices, request=request)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            self.pair = self.get_pair()
            if self.pair[0].pk == self.pair[1].pk:
                return redirect(self.next_url())
            return self.render_to_response(self.get_context_data(), status=400)
        return self.success(survivor)


class MergeView(RecordMergeView):
    """The contact merge screen, from the list of likely pairs."""

    page_title = _("Fusionner deux contacts")
    url_name = "duplicates:merge"
    crumb = ("duplicates:candidate_list", _("Doublons probables"))
    same_record_message = _("Choisissez deux contacts différents.")

    def reference(self, record) -> str:
        return record.code

    def intro(self, a, b) -> str:
        return _("La fiche A (%(a)s) est conservée avec son code client ; la fiche B (%(b)s) est supprimée après "
                 "que tout ce qui lui est rattaché a été déplacé vers A. Choisissez, pour chaque champ qui "
                 "diffère, la valeur à garder.") % {"a": a, "b": b}

    def success(self, survivor):
        messages.success(self.request, _("Fiches fusionnées : %(name)s (%(code)s) est conservée.")
                         % {"name": survivor, "code": survivor.code})
        return HttpResponseRedirect(self.next_url())


class AccountMergeView(RecordMergeView):
    """The account merge screen, reached from the account page ("Fusionner avec un autre compte…")."""

    model = Account
    select_related = ("wilaya", "owner", "agency", "parent")
    page_title = _("Fusionner deux comptes")
    url_name = "duplicates:account_merge"
    crumb = ("customers:account_list", _("Comptes"))
    same_record_message = _("Choisissez deux comptes différents.")

    def reference(self, record) -> str:
        return f"{record} · NIF {record.nif}" if record.nif else str(record)

    def next_url(self) -> str:
        return self.pair[0].get_absolute_url()

    def success(self, survivor):
        messages.success(self.request, _("Comptes fusionnés : %(name)s est conservé.") % {"name": survivor})
        return HttpResponseRedirect(survivor.get_absolute_url())


class AccountMergePickView(WorkspaceMixin, generic.TemplateView):
    """First step of an account merge: find the other account (name, NIF, RC, NIS) among
    those the user sees; the one whose page it is stays (the screen can swap them)."""

    model = Account
    required_action = REQUIRED_ACTION
    template_name = "customers/duplicates/account_merge_pick.html"
    page_title = _("Fusionner avec un autre compte")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        account = get_object_or_404(self.model.objects.visible_to(self.request.user), pk=self.kwargs["pk"])
        query = self.request.GET.get("q", "")[:100]
        ctx.update(account=account, query=query,
                   results=selectors.account_merge_candidates(user=self.request.user, query=query, exclude=account))
        return ctx


class DismissView(RecordPairMixin, generic.View):
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
