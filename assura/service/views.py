"""Pages of the service desk: declarations on the generic views of core (404 across companies,
403 without the action); the services write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.cache import never_cache

from assura.core.attachments import ACCEPT
from assura.core.jobs import job_enqueue
from assura.core.permissions import user_can
from assura.core.views import (
    TenantActionView,
    TenantCreateView,
    TenantDetailView,
    TenantListView,
    TenantObjectMixin,
    TenantUpdateView,
    WorkspaceMixin,
)
from assura.service import forms, selectors, services, survey, triage
from assura.service.choices import Queue, TicketStatus
from assura.service.filters import InboundEmailFilterSet, KbArticleFilterSet, TicketFilterSet
from assura.service.models import (
    Category,
    InboundEmail,
    KbArticle,
    ReplyTemplate,
    RoutingRule,
    SlaPolicy,
    Team,
    Ticket,
    TriageModel,
)
from assura.service.tables import (
    CategoryTable,
    InboundEmailTable,
    KbArticleTable,
    ReplyTemplateTable,
    RoutingRuleTable,
    SlaPolicyTable,
    TeamTable,
    TicketTable,
)

# --- Tickets ---------------------------------------------------------------------------------------


class TicketListView(TenantListView):
    model = Ticket
    table_class = TicketTable
    filterset_class = TicketFilterSet
    page_title = _("Tickets")
    template_name = "service/ticket_list.html"
    create_url_name = "service:ticket_create"
    create_action = services.EDIT

    def get_queryset(self):
        return selectors.ticket_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_label"] = _("Nouveau ticket")
        # The counts come in a second request (HTMX, on load): the list is never slowed by them.
        ctx["queues"] = [(q.value, q.label, None) for q in Queue]
        ctx["active_queue"] = self.request.GET.get("queue", "")
        ctx["can_settings"] = user_can(self.request.user, services.SETTINGS)
        return ctx


class TicketQueueCountsView(WorkspaceMixin, generic.TemplateView):
    """The queue tabs with their counts (capped), loaded by the list page after it is shown."""

    template_name = "service/partials/_queues.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        counts = selectors.queue_counts(user=self.request.user)
        ctx["queues"] = [(q.value, q.label, counts[q.value]) for q in Queue]
        ctx["active_queue"] = self.request.GET.get("queue", "")
        return ctx


class TicketCreateView(TenantCreateView):
    model = Ticket
    form_class = forms.TicketForm
    required_action = services.EDIT
    page_title = _("Nouveau ticket")
    success_message = _("Ticket créé.")
    service = services.ticket_create

    template_name = "service/ticket_form.html"

    def get_initial(self):
        initial = super().get_initial()
        for key in ("contact", "account"):
            value = self.request.GET.get(key, "")
            if value.isdigit():
                initial["target"] = f"{key}:{value}"
        return initial

    def get_success_url(self):
        if not Ticket.objects.visible_to(self.request.user).filter(pk=self.object.pk).exists():
            messages.info(self.request, _("Ticket %(ref)s transmis à l'équipe %(team)s.")
                          % {"ref": self.object.reference, "team": self.object.team or "—"})
            return reverse("service:ticket_list")
        return self.object.get_absolute_url()


class TicketDetailView(TenantDetailView):
    model = Ticket
    template_name = "service/ticket_detail.html"
    record_recent_view = True

    def get_queryset(self):
        return selectors.ticket_detail_queryset(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ticket, user = self.object, self.request.user
        can_edit = user_can(user, services.EDIT) and ticket.status != TicketStatus.CLOSED
        ctx.update({
            "page_title": str(ticket),
            "can_edit": can_edit,
            "can_assign": user_can(user, services.ASSIGN) and ticket.status != TicketStatus.CLOSED,
            "can_take": can_edit and ticket.assignee_id is None,
            "conversation": selectors.conversation(ticket=ticket),
            "summary": selectors.customer_summary(user=user, ticket=ticket),
            "sla_state": services.sla_state(ticket),
            "transitions": [(s, TicketStatus(s).label) for s in services.allowed_transitions(ticket)
                            if s != TicketStatus.RESOLVED] if can_edit else [],
            "can_resolve": can_edit and TicketStatus.RESOLVED in services.allowed_transitions(ticket),
            "reply_form": forms.ReplyForm(),
            "attachment_accept": ACCEPT,
            "note_form": forms.NoteForm(),
            "resolve_form": forms.ResolveForm(initial={"resolution_code": ticket.resolution_code,
                                                       "root_cause": ticket.root_cause}),
            "assign_form": forms.AssignForm(user=user, initial={"assignee": ticket.assignee_id,
                                                                "team": ticket.team_id}),
            "status_changes": list(ticket.status_changes.select_related("actor")),
            "linked_articles": list(ticket.kb_articles.all()),
        })
        if can_edit:
            values = services.template_values(ticket, user)
            templates = ReplyTemplate.objects.visible_to(user).filter(is_active=True).order_by("name")
            ctx["reply_templates"] = [(t, services.template_render(t.body, values)) for t in templates[:30]]
            ctx["kb_suggestions"] = triage.related_articles(user=user, ticket=ticket)
            ctx["past_answers"] = triage.past_answers(user=user, ticket=ticket)
        return ctx


class TicketUpdateView(TenantUpdateView):
    model = Ticket
    form_class = forms.TicketForm
    template_name = "service/ticket_form.html"
    required_action = services.EDIT
    page_title = _("Modifier le ticket")
    service = services.ticket_update
    service_object_arg = "ticket"


class TicketFormActionView(TenantObjectMixin, generic.View):
    """A POST from the ticket page: a form parsed here, the service writes; errors come back as messages."""

    http_method_names = ["post"]
    model = Ticket
    required_action = services.EDIT
    form_class = None
    success_message = None

    def form(self, request):
        return self.form_class(request.POST, user=request.user) if self.form_class is forms.AssignForm \
            else self.form_class(request.POST)

    def perform(self, ticket, data):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        ticket = self.get_object()
        form = self.form(request)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            try:
                self.perform(ticket, form.cleaned_data)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                if self.success_message:
                    messages.success(request, self.success_message)
        if not Ticket.objects.visible_to(request.user).filter(pk=ticket.pk).exists():
            return HttpResponseRedirect(reverse("service:ticket_list"))
        return HttpResponseRedirect(ticket.get_absolute_url())


class TicketReplyView(TicketFormActionView):
    form_class = forms.ReplyForm
    success_message = _("Réponse envoyée au client.")

    def form(self, request):
        return forms.ReplyForm(request.POST, request.FILES)

    def perform(self, ticket, data):
        services.ticket_reply(actor=self.request.user, ticket=ticket, request=self.request, **data)


class TicketNoteView(TicketFormActionView):
    form_class = forms.NoteForm
    success_message = _("Note ajoutée.")

    def perform(self, ticket, data):
        services.ticket_note(actor=self.request.user, ticket=ticket, request=self.request, **data)


class TicketResolveView(TicketFormActionView):
    form_class = forms.ResolveForm
    success_message = _("Ticket résolu.")

    def perform(self, ticket, data):
        services.ticket_transition(actor=self.request.user, ticket=ticket, status=TicketStatus.RESOLVED,
                                   request=self.request, **data)


class TicketAssignView(TicketFormActionView):
    form_class = forms.AssignForm
    required_action = None  # "take" is allowed to editors of tickets; the service decides
    success_message = _("Ticket attribué.")

    def form(self, request):
        data = request.POST.copy()
        if data.get("take") == "1":
            data["assignee"] = str(request.user.pk)
        return forms.AssignForm(data, user=request.user)

    def perform(self, ticket, data):
        services.ticket_assign(actor=self.request.user, ticket=ticket, request=self.request, **data)


class TicketTransitionView(TenantActionView):
    model = Ticket
    required_action = services.EDIT
    success_message = _("Statut du ticket mis à jour.")

    def perform(self, obj):
        return services.ticket_transition(actor=self.request.user, ticket=obj,
                                          status=self.request.POST.get("status", ""), request=self.request)


class TicketLinkArticleView(TenantActionView):
    """Link a knowledge-base article to the ticket (the article must be visible to the user)."""

    model = Ticket
    required_action = services.EDIT
    success_message = _("Article lié au ticket.")

    def perform(self, obj):
        from django.http import Http404

        pk = self.request.POST.get("article", "")
        article = KbArticle.objects.visible_to(self.request.user).filter(pk=pk).first() if pk.isdigit() else None
        if article is None:
            raise Http404
        return services.kb_link_ticket(actor=self.request.user, article=article, ticket=obj)


class TicketAcceptSuggestionView(TenantActionView):
    model = Ticket
    required_action = services.EDIT
    success_message = _("Suggestion appliquée.")
    service = services.suggestion_accept
    service_object_arg = "ticket"


# --- Configuration (administrator) -------------------------------------------------------------------

def config_views(model, form_class, table_class, *, title, new_title, edit_title, list_name):
    """List, create, update and delete pages of one configuration model."""

    def save(*, actor, request=None, instance=None, **data):
        return services.config_save(actor=actor, model=model, instance=instance, **data)

    class ListView(TenantListView):
        required_action = services.SETTINGS
        page_title = title
        template_name = "service/config_list.html"
        create_url_name = f"service:{list_name}_create"
        saved_views = False

        def get_queryset(self):
            return model.objects.visible_to(self.request.user).select_related(
                *[f.name for f in model._meta.get_fields() if f.many_to_one and f.name != "organization"])

    ListView.model = model
    ListView.table_class = table_class

    class CreateView(TenantCreateView):
        required_action = services.SETTINGS
        page_title = new_title
        success_url = reverse_lazy(f"service:{list_name}_list")

        def form_valid(self, form):
            form.instance.organization_id = self.request.user.organization_id
            return super().form_valid(form)

        def perform(self, form):
            data = dict(form.cleaned_data.items())
            return save(actor=self.request.user, **data)

    CreateView.model, CreateView.form_class = model, form_class

    class UpdateView(TenantUpdateView):
        required_action = services.SETTINGS
        page_title = edit_title
        success_url = reverse_lazy(f"service:{list_name}_list")
        template_name = "service/config_form.html"

        def perform(self, form):
            return save(actor=self.request.user, instance=self.object, **form.cleaned_data)

        def get_context_data(self, **kwargs):
            ctx = super().get_context_data(**kwargs)
            ctx["delete_url"] = reverse(f"service:{list_name}_delete", args=[self.object.pk])
            return ctx

    UpdateView.model, UpdateView.form_class = model, form_class

    class DeleteView(TenantActionView):
        required_action = services.SETTINGS
        success_message = _("Supprimé.")
        success_url_name = f"service:{list_name}_list"
        service = services.config_delete
        service_object_arg = "obj"

    DeleteView.model = model
    for cls, suffix in ((ListView, "List"), (CreateView, "Create"), (UpdateView, "Update"), (DeleteView, "Delete")):
        cls.__name__ = cls.__qualname__ = f"{model.__name__}{suffix}View"
    return ListView, CreateView, UpdateView, DeleteView


CATEGORY_VIEWS = config_views(Category, forms.CategoryForm, CategoryTable, title=_("Catégories de tickets"),
                              new_title=_("Nouvelle catégorie"), edit_title=_("Modifier la catégorie"),
                              list_name="category")
TEAM_VIEWS = config_views(Team, forms.TeamForm, TeamTable, title=_("Équipes du service client"),
                          new_title=_("Nouvelle équipe"), edit_title=_("Modifier l'équipe"), list_name="team")
SLA_VIEWS = config_views(SlaPolicy, forms.SlaPolicyForm, SlaPolicyTable, title=_("Politiques de délai (SLA)"),
                         new_title=_("Nouvelle politique"), edit_title=_("Modifier la politique"), list_name="sla")
ROUTING_VIEWS = config_views(RoutingRule, forms.RoutingRuleForm, RoutingRuleTable, title=_("Règles de routage"),
                             new_title=_("Nouvelle règle de routage"), edit_title=_("Modifier la règle"),
                             list_name="routing")
TEMPLATE_VIEWS = config_views(ReplyTemplate, forms.ReplyTemplateForm, ReplyTemplateTable,
                              title=_("Modèles de réponse"), new_title=_("Nouveau modèle"),
                              edit_title=_("Modifier le modèle"), list_name="template")


class SettingsView(WorkspaceMixin, generic.FormView):
    required_action = services.SETTINGS
    form_class = forms.SettingsForm
    template_name = "service/settings.html"
    page_title = _("Paramètres du service client")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        kwargs["instance"] = services.settings_for(self.request.user.organization_id)
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        conf = services.settings_for(self.request.user.organization_id)
        ctx["conf"] = conf
        ctx["webhook_url"] = self.request.build_absolute_uri(reverse("api:inbound-email-list"))
        return ctx

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        if not data.get("imap_password"):
            data.pop("imap_password", None)  # never shown again; empty keeps the stored one
        try:
            services.settings_update(actor=self.request.user, **data)
        except ValidationError as exc:
            from assura.core.views import apply_validation_error

            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Paramètres enregistrés."))
        return HttpResponseRedirect(reverse("service:settings"))


class TokenRotateView(WorkspaceMixin, generic.View):
    http_method_names = ["post"]
    required_action = services.SETTINGS

    def post(self, request):
        services.inbound_token_rotate(actor=request.user)
        messages.success(request, _("Nouveau jeton généré : mettez à jour votre passerelle e-mail."))
        return HttpResponseRedirect(reverse("service:settings"))


class InboundListView(TenantListView):
    model = InboundEmail
    required_action = services.SETTINGS
    table_class = InboundEmailTable
    filterset_class = InboundEmailFilterSet
    page_title = _("E-mails reçus et quarantaine")
    saved_views = False

    def get_queryset(self):
        return selectors.quarantine_list(user=self.request.user)


class InboundDetailView(TenantDetailView):
    model = InboundEmail
    required_action = services.SETTINGS
    template_name = "service/inbound_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["raw_text"] = bytes(self.object.raw[:20000]).decode("utf-8", "replace")
        return ctx


class InboundRawView(TenantObjectMixin, generic.View):
    """Download the original message (.eml), as received."""

    model = InboundEmail
    required_action = services.SETTINGS

    def get(self, request, pk):
        record = self.get_object()
        response = HttpResponse(bytes(record.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="message-{record.pk}.eml"'
        return response


class TriageView(WorkspaceMixin, generic.TemplateView):
    required_action = services.SETTINGS
    template_name = "service/triage.html"
    page_title = _("Tri automatique")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["model"] = TriageModel.objects.filter(organization_id=self.request.user.organization_id) \
            .defer("blob").first()
        ctx["min_samples"] = triage.MIN_SAMPLES
        return ctx

    def post(self, request):
        job = job_enqueue(kind="service.triage_train", user=request.user)
        messages.success(request, _("Entraînement lancé."))
        return HttpResponseRedirect(job.get_absolute_url())


class ReportView(WorkspaceMixin, generic.TemplateView):
    required_action = "dashboards.company"
    template_name = "service/report.html"
    page_title = _("Service client : délais et satisfaction")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["report"] = selectors.service_report(user=self.request.user)
        return ctx


# --- Knowledge base -----------------------------------------------------------------------------------

class KbListView(TenantListView):
    model = KbArticle
    table_class = KbArticleTable
    filterset_class = KbArticleFilterSet
    page_title = _("Base de connaissances")
    create_url_name = "service:kb_create"
    create_action = "kb.edit"

    def get_queryset(self):
        return selectors.kb_list(user=self.request.user)


class KbCreateView(TenantCreateView):
    model = KbArticle
    form_class = forms.KbArticleForm
    required_action = "kb.edit"
    page_title = _("Nouvel article")
    success_message = _("Article enregistré.")
    service = services.kb_article_save


class KbUpdateView(TenantUpdateView):
    model = KbArticle
    form_class = forms.KbArticleForm
    required_action = "kb.edit"
    page_title = _("Modifier l'article")
    success_message = _("Article enregistré (nouvelle version).")
    service = services.kb_article_save
    service_object_arg = "article"


class KbDetailView(TenantDetailView):
    model = KbArticle
    template_name = "service/kb_detail.html"

    def get_queryset(self):
        return selectors.kb_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["versions"] = list(self.object.versions.select_related("author")[:20])
        ctx["can_edit"] = user_can(self.request.user, "kb.edit")
        ctx["page_title"] = self.object.title
        return ctx


class KbVoteView(TenantActionView):
    model = KbArticle
    success_message = _("Merci pour votre avis.")

    def perform(self, obj):
        return services.kb_vote(actor=self.request.user, article=obj, helpful=self.request.POST.get("helpful") == "1")


# --- Satisfaction survey (public, signed link) -------------------------------------------------------------

@method_decorator(never_cache, name="dispatch")
class SurveyView(generic.View):
    """No login: the signed link is the key. A second answer or a tampered link shows a message, never an error."""

    template_name = "service/survey.html"

    def get(self, request, token):
        ticket = survey.ticket_from_token(token)
        state = "invalid" if ticket is None else ("done" if ticket.csat_at else "form")
        return render(request, self.template_name, {"state": state, "ticket": ticket, "scores": range(1, 6)},
                      status=200 if ticket else 400)

    def post(self, request, token):
        try:
            ticket = survey.survey_answer(token=token, score=request.POST.get("score"),
                                          comment=request.POST.get("comment", ""))
        except ValidationError as exc:
            ticket = survey.ticket_from_token(token)
            errors = exc.message_dict
            state = "form" if ticket and not ticket.csat_at and "score" in errors else \
                ("done" if ticket and ticket.csat_at else "invalid")
            return render(request, self.template_name, {"state": state, "ticket": ticket, "scores": range(1, 6),
                                                        "errors": [m for ms in errors.values() for m in ms]},
                          status=400)
        return render(request, self.template_name, {"state": "thanks", "ticket": ticket})
