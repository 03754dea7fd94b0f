"""Pages of the leads app: declarations on the generic views of core, which do the tenant
(404) and permission (403) checks; the services write."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from assura.core.permissions import user_can
from assura.core.records import recent_view_record
from assura.core.views import TenantActionView, TenantCreateView, TenantDetailView, TenantListView, TenantUpdateView
from assura.leads import selectors, services
from assura.leads.choices import LeadStatus
from assura.leads.filters import LeadFilterSet
from assura.leads.forms import AssignmentRuleForm, LeadConvertForm, LeadForm, LeadLoseForm
from assura.leads.models import AssignmentRule, Lead
from assura.leads.tables import AssignmentRuleTable, LeadTable

# --- Leads ------------------------------------------------------------------------------------------


class LeadListView(TenantListView):
    model = Lead
    table_class = LeadTable
    filterset_class = LeadFilterSet
    page_title = _("Pistes")
    template_name = "leads/lead_list.html"
    create_url_name = "leads:lead_create"
    export_kind = "leads"
    create_action = "leads.edit"

    def get_queryset(self):
        return selectors.lead_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_label"] = _("Nouvelle piste")
        ctx["recent_leads"] = selectors.recent_leads(user=self.request.user)
        ctx["can_manage_rules"] = user_can(self.request.user, "leads.rules")
        return ctx


class LeadCreateView(TenantCreateView):
    model = Lead
    form_class = LeadForm
    required_action = "leads.edit"
    page_title = _("Nouvelle piste")
    success_message = _("Piste créée.")

    service = services.lead_create

    def get_success_url(self):
        lead, user = self.object, self.request.user
        if lead.owner_id != user.pk:
            messages.info(self.request, _("Piste attribuée à %(owner)s.") % {"owner": lead.owner})
        # Given by the rules to another agency's user, it may be out of the creator's sight.
        if not Lead.objects.visible_to(user).filter(pk=lead.pk).exists():
            return reverse("leads:lead_list")
        return lead.get_absolute_url()


class LeadDetailView(TenantDetailView):
    model = Lead
    template_name = "leads/lead_detail.html"

    def get_queryset(self):
        return selectors.lead_detail_queryset(user=self.request.user)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        recent_view_record(user=request.user, obj=self.object)
        return response

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        lead = self.object
        can_edit = user_can(self.request.user, "leads.edit")
        ctx["page_title"] = str(lead)
        ctx["can_edit"] = can_edit and not lead.is_converted
        ctx["transitions"] = [
            (status, LeadStatus(status).label) for status in services.allowed_transitions(lead)
            if status != LeadStatus.LOST
        ] if can_edit else []
        ctx["can_lose"] = can_edit and LeadStatus.LOST in services.allowed_transitions(lead)
        ctx["can_convert"] = can_edit and not lead.is_converted and lead.status != LeadStatus.LOST
        ctx["temperature_is_manual"] = services.temperature_is_manual(lead)
        ctx["score"] = services.qualification_score(
            budget=lead.budget, interest=lead.interest, decision_timeframe=lead.decision_timeframe,
            relevance=lead.relevance,
        )
        return ctx


class LeadUpdateView(TenantUpdateView):
    model = Lead
    form_class = LeadForm
    required_action = "leads.edit"
    page_title = _("Modifier la piste")

    service = services.lead_update
    service_object_arg = "lead"


class LeadTransitionView(TenantActionView):
    """Move the lead along the pipeline (the buttons of the detail page)."""

    model = Lead
    required_action = "leads.edit"
    success_message = _("Statut de la piste mis à jour.")

    def perform(self, obj):
        return services.lead_transition(actor=self.request.user, lead=obj, status=self.request.POST.get("status", ""),
                                        request=self.request)


class LeadLoseView(TenantUpdateView):
    model = Lead
    form_class = LeadLoseForm
    required_action = "leads.edit"
    page_title = _("Marquer la piste comme perdue")
    success_message = _("Piste marquée comme perdue.")

    service = services.lead_lose
    service_object_arg = "lead"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["submit_label"] = _("Marquer comme perdue")
        ctx["cancel_url"] = self.object.get_absolute_url()
        return ctx


class LeadConvertView(TenantUpdateView):
    """Conversion: the existing contacts and accounts that look like the lead come first."""

    model = Lead
    form_class = LeadConvertForm
    required_action = "leads.edit"
    page_title = _("Convertir la piste")
    template_name = "leads/lead_convert.html"
    success_message = _("Piste convertie.")

    def get(self, request, *args, **kwargs):
        lead = self.get_object()
        if lead.is_converted:
            messages.info(request, services.ALREADY_CONVERTED)
            return redirect(lead)
        if lead.status == LeadStatus.LOST:
            messages.error(request, _("Cette piste est perdue : rouvrez-la avant de la convertir."))
            return redirect(lead)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.proposals = selectors.conversion_proposals(user=self.request.user, lead=self.object)
        kwargs["proposals"] = self.proposals
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["proposals"] = self.proposals
        return ctx

    def perform(self, form):
        self.result = services.lead_convert(actor=self.request.user, lead=self.object, request=self.request,
                                            **form.service_kwargs())
        return self.result.lead

    def get_success_url(self):
        return self.result.contact.get_absolute_url()


# --- Assignment rules --------------------------------------------------------------------------------


class AssignmentRuleListView(TenantListView):
    model = AssignmentRule
    required_action = "leads.rules"
    table_class = AssignmentRuleTable
    page_title = _("Règles d'attribution des pistes")
    template_name = "leads/rule_list.html"
    create_url_name = "leads:rule_create"

    def get_queryset(self):
        return selectors.assignment_rule_list(user=self.request.user)


class AssignmentRuleCreateView(TenantCreateView):
    model = AssignmentRule
    form_class = AssignmentRuleForm
    required_action = "leads.rules"
    page_title = _("Nouvelle règle d'attribution")
    success_url = reverse_lazy("leads:rule_list")

    service = services.assignment_rule_save


class AssignmentRuleUpdateView(TenantUpdateView):
    model = AssignmentRule
    form_class = AssignmentRuleForm
    required_action = "leads.rules"
    page_title = _("Modifier la règle d'attribution")
    template_name = "leads/rule_form.html"
    success_url = reverse_lazy("leads:rule_list")

    service = services.assignment_rule_save
    service_object_arg = "rule"


class AssignmentRuleDeleteView(TenantActionView):
    model = AssignmentRule
    required_action = "leads.rules"
    success_message = _("Règle supprimée.")
    success_url_name = "leads:rule_list"

    service = services.assignment_rule_delete
    service_object_arg = "rule"
