"""Generic views every module builds on. A module view is a few lines of declaration.

Every view here reads through `Model.objects.visible_to(user)`, so an object of another
company — or one the role may not see — is a 404, and every action is checked against
the permission matrix (403, nothing changed).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import generic

from assura.core import bulk
from assura.core.permissions import user_can
from assura.core.records import recent_view_record
from assura.core.saved_views import saved_view_query, saved_views_for


def apply_validation_error(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form, field by field when it can."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class WorkspaceMixin(LoginRequiredMixin):
    """A signed-in, active member of a company, allowed the view's action."""

    required_action: str | None = None
    page_title = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.user.organization_id is None:
            return HttpResponseRedirect(reverse("identity:onboarding"))
        action = self.get_required_action()
        if action and not user_can(request.user, action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_required_action(self) -> str | None:
        return self.required_action

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("page_title", self.page_title)
        return ctx


class TenantObjectMixin(WorkspaceMixin):
    model: type[models.Model]
    select_related: tuple[str, ...] = ()

    def get_queryset(self):
        qs = self.model.objects.visible_to(self.request.user)
        return qs.select_related(*self.select_related) if self.select_related else qs

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset() if queryset is None else queryset, pk=self.kwargs["pk"])


class TenantListView(TenantObjectMixin, generic.TemplateView):
    """List page: filter form (the module's FilterSet, shared with the API) + data table.

    Every list gets sort, page size (25/50/100), a count capped for speed (see
    assura.core.tables) and saved views ("Vues": `saved_views = False` to leave them out).
    Opt in to bulk actions by declaring their keys, e.g. `bulk_actions = ["assign_owner",
    "delete"]` (implementations are registered in assura.core.bulk): the table gets a
    checkbox column and the page accepts a POST that re-reads the selection through
    `get_table_queryset()` — visible_to(user) and the current filters — never the ids alone.
    """

    template_name = "core/list.html"
    table_class = None
    filterset_class = None
    create_url_name: str | None = None
    create_action: str | None = None
    export_kind: str | None = None  # a kind registered with the list exporter: shows the export buttons
    bulk_actions: list[str] = []
    saved_views = True

    def get_table_queryset(self):
        qs = self.get_queryset()
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
            if self.filterset.is_bound and self.filterset.is_valid():
                qs = self.filterset.qs
        return qs

    def get_table(self):
        table = self.table_class(self.get_table_queryset(), self.request)
        table.bulk_actions = self.get_bulk_actions()
        table.selected_ids, table.selected_all = getattr(self, "_bulk_selection", (set(), False))
        return table

    def get_bulk_actions(self):
        if not self.bulk_actions:
            return []
        return bulk.bulk_actions_for(self.model, self.bulk_actions, self.request.user)

    @property
    def list_key(self) -> str | None:
        match = getattr(self.request, "resolver_match", None)
        return match.view_name if match is not None else None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        table = self.get_table()
        ctx["table"] = table
        ctx["filterset"] = self.filterset
        ctx["model_meta"] = self.model._meta
        if self.create_url_name and (self.create_action is None or user_can(self.request.user, self.create_action)):
            ctx["create_url"] = reverse(self.create_url_name)
        ctx["export_kind"] = self.export_kind
        if self.saved_views and self.list_key:
            current = saved_view_query(self.request.GET)
            views = saved_views_for(user=self.request.user, list_key=self.list_key)
            ctx["saved_views"] = {
                "key": self.list_key, "query": current, "items": views,
                "active": next((v for v in views if v.query == current), None),
            }
        if table.bulk_actions:
            bound_key, bound_form = getattr(self, "_bulk_bound", (None, None))
            ctx["bulk_forms"] = [
                (action, bound_form if action.key == bound_key else action.form(self.request.user))
                for action in table.bulk_actions
            ]
            ctx["bulk_bound_key"] = bound_key
        return ctx

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and self.request.htmx.target == "data-table":
            return ["core/partials/_table.html"]
        return [self.template_name]

    # --- Bulk actions ------------------------------------------------------------------------------

    def post(self, request, *args, **kwargs):
        if not self.bulk_actions:
            return self.http_method_not_allowed(request, *args, **kwargs)
        key = request.POST.get("bulk_action", "")
        action = bulk.bulk_action_get(self.model, key) if key in self.bulk_actions else None
        if action is None:
            return self._bulk_refused(_("Choisissez une action groupée."))
        if not action.allowed(request.user):
            raise PermissionDenied
        queryset = self.get_table_queryset()
        if self.filterset is not None and self.filterset.is_bound and not self.filterset.is_valid():
            # Invalid filters show the whole list; a bulk action must never widen to it.
            return self._bulk_refused(_("Les filtres de la liste sont invalides : corrigez-les avant l'action."))
        if request.POST.get("select_all_matching") != "1":
            ids = {int(v) for v in request.POST.getlist("ids") if v.isdigit()}
            queryset = queryset.filter(pk__in=ids)
        chosen = queryset.order_by()
        limit = action.max_records
        count = chosen.count() if limit is None else chosen[: limit + 1].count()
        if count == 0:
            return self._bulk_refused(_("Sélectionnez au moins un enregistrement."))
        if limit is not None and count > limit:
            return self._bulk_refused(
                _("Plus de %(max)s enregistrements sélectionnés : affinez les filtres.") % {"max": limit}
            )
        form = action.form(request.user, request.POST)
        if form is not None and not form.is_valid():
            self._bulk_bound = (action.key, form)
            self._bulk_selection = ({int(v) for v in request.POST.getlist("ids") if v.isdigit()},
                                    request.POST.get("select_all_matching") == "1")
            messages.error(request, _("Corrigez les champs de l'action « %(action)s ».") % {"action": action.label})
            return self.render_to_response(self.get_context_data(), status=400)
        records = self.model.objects.visible_to(request.user).filter(pk__in=chosen.values("pk"))
        try:
            result = action.run(user=request.user, queryset=records,
                                cleaned_data=form.cleaned_data if form is not None else {}, request=request)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())
        messages.success(request, result.message or ngettext(
            "%(count)s enregistrement modifié.", "%(count)s enregistrements modifiés.", result.count
        ) % {"count": result.count})
        return HttpResponseRedirect(result.url or request.get_full_path())

    def _bulk_refused(self, message):
        messages.error(self.request, message)
        return HttpResponseRedirect(self.request.get_full_path())


class TenantDetailView(TenantObjectMixin, generic.DetailView):
    """Detail page with tabs: `tabs = [("info", _("Informations"), "partial.html")]`.
    `record_recent_view = True` adds the page to the user's "récemment consultés"."""

    template_name = "core/detail.html"
    tabs: list[tuple[str, str, str]] = []
    record_recent_view = False

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.record_recent_view:
            recent_view_record(user=self.request.user, obj=self.object)
        ctx["tabs"] = self.tabs
        ctx["active_tab"] = self.request.GET.get("tab") or (self.tabs[0][0] if self.tabs else None)
        return ctx


def call_service(view, **kwargs):
    """Call the view's declared `service` as `service(actor=…, request=…, [<object_arg>=obj], **kwargs)`."""
    service = type(view).service  # read on the class: a plain function, not a bound method
    if service is None:
        raise ImproperlyConfigured(f"{type(view).__name__} declares no `service` (or overrides `perform`).")
    if view.service_object_arg:
        kwargs[view.service_object_arg] = view.object
    return service(actor=view.request.user, request=view.request, **kwargs)


class ServiceFormMixin:
    """Forms are parsed here; the write happens in a service. A ValidationError raised
    by the service lands on the form beside its field, and nothing is saved.

    Declare `service = services.agency_save` (and `service_object_arg = "agency"` on an
    update view): it is called with the actor, the request, the object and the form's
    cleaned data. Override `perform` only when the call is not that shape."""

    template_name = "core/form.html"
    success_message = _("Enregistré.")
    service = None
    service_object_arg: str | None = None

    def perform(self, form):
        return call_service(self, **form.cleaned_data)

    def form_valid(self, form):
        try:
            self.object = self.perform(form)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        if getattr(self, "success_url", None):
            return str(self.success_url)
        return self.object.get_absolute_url()


class TenantCreateView(ServiceFormMixin, WorkspaceMixin, generic.FormView):
    model: type[models.Model]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs


class TenantUpdateView(ServiceFormMixin, TenantObjectMixin, generic.FormView):
    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.object = self.get_object()
        kwargs["user"] = self.request.user
        kwargs["instance"] = self.object
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["object"] = self.object
        return ctx


class TenantActionView(TenantObjectMixin, generic.View):
    """A POST-only action on one object (deactivate, revoke, delete…), confirmed in a dialog.
    Declare `service` and `service_object_arg` as on the form views."""

    http_method_names = ["post"]
    success_message = None
    success_url_name: str | None = None
    service = None
    service_object_arg: str | None = None

    def perform(self, obj):
        self.object = obj
        return call_service(self)

    def get_success_url(self, obj):
        nxt = self.request.POST.get("next")
        if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={self.request.get_host()}):
            return nxt
        return reverse(self.success_url_name) if self.success_url_name else obj.get_absolute_url()

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            self.perform(obj)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            if self.success_message:
                messages.success(request, self.success_message)
        url = self.get_success_url(obj)
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
