"""Pages of the sales app: declarations on the generic views of core (tenant 404, role 403);
the services write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from assura.core.permissions import user_can
from assura.core.records import history_for, recent_view_record
from assura.core.views import (
    TenantActionView,
    TenantCreateView,
    TenantDetailView,
    TenantListView,
    TenantObjectMixin,
    TenantUpdateView,
    WorkspaceMixin,
)
from assura.sales import dashboard, selectors, services
from assura.sales.choices import ForecastGroup, LossReason
from assura.sales.filters import OpportunityFilterSet
from assura.sales.forecast import forecast
from assura.sales.forms import LoseForm, OpportunityForm, StageForm, TargetForm
from assura.sales.models import DashboardWidget, Opportunity, PipelineStage, SalesTarget
from assura.sales.tables import OpportunityTable, StageTable, TargetTable

EDIT = "opportunities.edit"

# --- Opportunities -------------------------------------------------------------------------------------


class OpportunityListView(TenantListView):
    model = Opportunity
    table_class = OpportunityTable
    filterset_class = OpportunityFilterSet
    page_title = _("Opportunités")
    template_name = "sales/opportunity_list.html"
    create_url_name = "sales:opportunity_create"
    create_action = EDIT

    def get_queryset(self):
        return selectors.opportunity_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_label"] = _("Nouvelle opportunité")
        return ctx


class OpportunityCreateView(TenantCreateView):
    model = Opportunity
    form_class = OpportunityForm
    required_action = EDIT
    page_title = _("Nouvelle opportunité")
    template_name = "sales/opportunity_form.html"
    success_message = _("Opportunité créée.")

    def get_initial(self):
        initial = super().get_initial()
        for name in ("account", "contact"):
            if self.request.GET.get(name, "").isdigit():
                initial[name] = int(self.request.GET[name])
        return initial

    def perform(self, form):
        return services.opportunity_create(actor=self.request.user, request=self.request, **form.service_kwargs())


class OpportunityUpdateView(TenantUpdateView):
    model = Opportunity
    form_class = OpportunityForm
    required_action = EDIT
    page_title = _("Modifier l'opportunité")
    template_name = "sales/opportunity_form.html"

    def perform(self, form):
        return services.opportunity_update(actor=self.request.user, opportunity=self.object, request=self.request,
                                           **form.service_kwargs())


class OpportunityDetailView(TenantDetailView):
    model = Opportunity
    template_name = "sales/opportunity_detail.html"

    def get_queryset(self):
        return selectors.opportunity_detail_queryset(user=self.request.user).prefetch_related(
            "lines", "stage_history__stage", "stage_history__actor")

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        recent_view_record(user=request.user, obj=self.object)
        return response

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        opp = self.object
        ctx["page_title"] = str(opp)
        ctx["can_edit"] = user_can(self.request.user, EDIT)
        ctx["stages"] = selectors.stages(user=self.request.user)
        ctx["durations"] = services.stage_durations(opp)
        ctx["stale"] = selectors.is_stale(opp)
        ctx["changes"] = history_for(opp, limit=30)
        ctx["loss_reasons"] = LossReason.choices
        # A won deal leads to the insurance portfolio: a quote or a policy for the same customer.
        if opp.status == "won" and user_can(self.request.user, "policies.edit"):
            holder = f"contact={opp.contact_id}" if opp.contact_id else (
                f"account={opp.account_id}" if opp.account_id else "")
            ctx["issue_links"] = {"quote": f"{reverse('portfolio:quote_create')}?{holder}",
                                  "policy": f"{reverse('portfolio:policy_create')}?{holder}"}
        return ctx


def _wants_board(request) -> bool:
    return bool(getattr(request, "htmx", False)) and request.POST.get("from") == "kanban"


class OpportunityMoveView(TenantObjectMixin, generic.View):
    """Move to a stage (kanban drop, or the select beside each card / on the detail page).
    From the kanban (HTMX), success answers the refreshed board (totals change); a refusal
    answers 4xx with the reason, and the script puts the card back and says why."""

    model = Opportunity
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        opp = self.get_object()
        htmx = bool(getattr(request, "htmx", False))
        if not user_can(request.user, EDIT):
            if htmx:
                return HttpResponse(_("Vous n'avez pas la permission de déplacer cette opportunité."), status=403)
            raise PermissionDenied
        stage = request.POST.get("stage", "")
        try:
            services.opportunity_move(actor=request.user, opportunity=opp, request=request,
                                      stage=int(stage) if stage.isdigit() else -1,
                                      loss_reason=request.POST.get("loss_reason", ""))
        except ValidationError as exc:
            message = " ".join(exc.messages)
            if htmx:
                return HttpResponse(message, status=400)
            messages.error(request, message)
        else:
            if _wants_board(request):
                return render(request, "sales/partials/_kanban_board.html",
                              kanban_context(request, QueryDict(request.POST.get("filters", ""))))
            messages.success(request, _("Opportunité déplacée vers « %(stage)s ».") % {"stage": opp.stage})
        return HttpResponseRedirect(_next(request, opp))


def _next(request, opp):
    from django.utils.http import url_has_allowed_host_and_scheme

    nxt = request.POST.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return opp.get_absolute_url()


class OpportunityLoseView(TenantUpdateView):
    model = Opportunity
    form_class = LoseForm
    required_action = EDIT
    page_title = _("Marquer l'opportunité comme perdue")
    success_message = _("Opportunité marquée comme perdue.")

    def perform(self, form):
        lost = PipelineStage.objects.visible_to(self.request.user).filter(is_lost=True, is_active=True).first()
        return services.opportunity_move(actor=self.request.user, opportunity=self.object, request=self.request,
                                         stage=lost.pk if lost else -1, loss_reason=form.cleaned_data["loss_reason"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["submit_label"] = _("Marquer comme perdue")
        ctx["cancel_url"] = self.object.get_absolute_url()
        return ctx


class OpportunityReopenView(TenantActionView):
    model = Opportunity
    required_action = EDIT
    success_message = _("Opportunité rouverte.")

    def perform(self, obj):
        return services.opportunity_reopen(actor=self.request.user, opportunity=obj, request=self.request)


# --- Kanban ------------------------------------------------------------------------------------------------


class KanbanView(WorkspaceMixin, generic.TemplateView):
    template_name = "sales/kanban.html"
    page_title = _("Pipeline des opportunités")

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and self.request.htmx.target == "kanban-board":
            return ["sales/partials/_kanban_board.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(kanban_context(self.request, self.request.GET))
        return ctx


def kanban_context(request, params) -> dict:
    """The board for the filters `params` (the page's GET, or the filters a kanban move sent)."""
    user = request.user
    qs = selectors.opportunity_list(user=user)
    filterset = OpportunityFilterSet(params or None, queryset=qs, request=request)
    if filterset.is_bound and filterset.is_valid():
        qs = filterset.qs
    del filterset.form.fields["stage"]
    columns = selectors.kanban(user=user, queryset=qs)
    return {"filterset": filterset, "columns": columns, "stages": [c.stage for c in columns],
            "can_edit": user_can(user, EDIT), "filters_query": params.urlencode(), "stale_days": selectors.STALE_DAYS,
            "loss_reasons": LossReason.choices, "base_url": reverse("sales:opportunity_list"),
            "next_url": f"{reverse('sales:kanban')}?{params.urlencode()}"}


# --- Stages ------------------------------------------------------------------------------------------------


class StageListView(TenantListView):
    model = PipelineStage
    required_action = "pipeline.manage"
    table_class = StageTable
    page_title = _("Étapes du pipeline")
    create_url_name = "sales:stage_create"
    saved_views = False

    def get_queryset(self):
        services.stages_ensure(organization_id=self.request.user.organization_id)
        return PipelineStage.objects.visible_to(self.request.user)


class StageCreateView(TenantCreateView):
    model = PipelineStage
    form_class = StageForm
    required_action = "pipeline.manage"
    page_title = _("Nouvelle étape")
    success_url = reverse_lazy("sales:stage_list")
    service = services.stage_save


class StageUpdateView(TenantUpdateView):
    model = PipelineStage
    form_class = StageForm
    required_action = "pipeline.manage"
    page_title = _("Modifier l'étape")
    success_url = reverse_lazy("sales:stage_list")
    service = services.stage_save
    service_object_arg = "stage"


# --- Targets -----------------------------------------------------------------------------------------------


class TargetListView(TenantListView):
    model = SalesTarget
    required_action = "targets.manage"
    table_class = TargetTable
    page_title = _("Objectifs commerciaux")
    create_url_name = "sales:target_create"
    saved_views = False

    def get_queryset(self):
        return selectors.target_list(user=self.request.user)


class TargetCreateView(TenantCreateView):
    model = SalesTarget
    form_class = TargetForm
    required_action = "targets.manage"
    page_title = _("Nouvel objectif")
    success_url = reverse_lazy("sales:target_list")
    service = services.target_save


class TargetUpdateView(TenantUpdateView):
    model = SalesTarget
    form_class = TargetForm
    required_action = "targets.manage"
    page_title = _("Modifier l'objectif")
    success_url = reverse_lazy("sales:target_list")
    template_name = "sales/target_form.html"
    service = services.target_save
    service_object_arg = "target"


class TargetDeleteView(TenantActionView):
    model = SalesTarget
    required_action = "targets.manage"
    success_message = _("Objectif supprimé.")
    success_url_name = "sales:target_list"
    service = services.target_delete
    service_object_arg = "target"


# --- Forecast ----------------------------------------------------------------------------------------------


def forecast_params(params) -> dict:
    today = timezone.localdate()
    year = params.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else today.year
    period = params.get("period") if params.get("period") in ("month", "quarter") else "month"
    group_by = params.get("group_by") if params.get("group_by") in ForecastGroup.values else ForecastGroup.AGENCY
    return {"year": year, "period": period, "group_by": group_by}


class ForecastView(WorkspaceMixin, generic.TemplateView):
    template_name = "sales/forecast.html"
    page_title = _("Prévisions et objectifs")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = forecast_params(self.request.GET)
        ctx.update(params)
        ctx["forecast"] = forecast(user=self.request.user, **params)
        ctx["groups"] = ForecastGroup.choices
        ctx["years"] = range(params["year"] - 2, params["year"] + 3)
        return ctx


# --- Dashboard ---------------------------------------------------------------------------------------------


class DashboardView(WorkspaceMixin, generic.TemplateView):
    template_name = "sales/dashboard.html"
    page_title = _("Tableau de bord")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        period = dashboard.period_for(self.request.GET.get("period", "year"))
        widgets = services.widgets_ensure(user=user)
        ctx["period"] = period
        ctx["periods"] = dashboard.PERIODS.items()
        ctx["items"] = dashboard.render_data(user, widgets, period)
        present = {w.kind for w in widgets}
        ctx["addable"] = [w for w in dashboard.widgets_available(user) if w.key not in present]
        ctx["company_view"] = user_can(user, "dashboards.company")
        return ctx


class WidgetAddView(WorkspaceMixin, generic.View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.widget_add(actor=request.user, kind=request.POST.get("kind", ""), request=request)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Widget ajouté."))
        return HttpResponseRedirect(reverse("sales:dashboard") + _period_qs(request))


def _period_qs(request) -> str:
    period = request.POST.get("period", "")
    return f"?period={period}" if period in dashboard.PERIODS else ""


class WidgetRemoveView(TenantObjectMixin, generic.View):
    model = DashboardWidget
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        widget = self.get_object()
        services.widget_remove(actor=request.user, widget=widget, request=request)
        messages.success(request, _("Widget retiré."))
        return HttpResponseRedirect(reverse("sales:dashboard") + _period_qs(request))


class WidgetMoveView(TenantObjectMixin, generic.View):
    model = DashboardWidget
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        widget = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        services.widget_move(actor=request.user, widget=widget, direction=request.POST.get("direction", ""),
                             request=request)
        return HttpResponseRedirect(reverse("sales:dashboard") + _period_qs(request) + f"#widget-{widget.pk}")

