from django.urls import path

from assura.service import views

app_name = "service"


def config_urls(prefix: str, name: str, views_tuple):
    list_view, create_view, update_view, delete_view = views_tuple
    return [
        path(f"service/{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"service/{prefix}/new/", create_view.as_view(), name=f"{name}_create"),
        path(f"service/{prefix}/<int:pk>/edit/", update_view.as_view(), name=f"{name}_update"),
        path(f"service/{prefix}/<int:pk>/delete/", delete_view.as_view(), name=f"{name}_delete"),
    ]


urlpatterns = [
    path("tickets/", views.TicketListView.as_view(), name="ticket_list"),
    path("tickets/queues/", views.TicketQueueCountsView.as_view(), name="ticket_queue_counts"),
    path("tickets/new/", views.TicketCreateView.as_view(), name="ticket_create"),
    path("tickets/<int:pk>/", views.TicketDetailView.as_view(), name="ticket_detail"),
    path("tickets/<int:pk>/edit/", views.TicketUpdateView.as_view(), name="ticket_update"),
    path("tickets/<int:pk>/reply/", views.TicketReplyView.as_view(), name="ticket_reply"),
    path("tickets/<int:pk>/note/", views.TicketNoteView.as_view(), name="ticket_note"),
    path("tickets/<int:pk>/status/", views.TicketTransitionView.as_view(), name="ticket_transition"),
    path("tickets/<int:pk>/resolve/", views.TicketResolveView.as_view(), name="ticket_resolve"),
    path("tickets/<int:pk>/assign/", views.TicketAssignView.as_view(), name="ticket_assign"),
    path("tickets/<int:pk>/link-article/", views.TicketLinkArticleView.as_view(), name="ticket_link_article"),
    path("tickets/<int:pk>/accept-suggestion/", views.TicketAcceptSuggestionView.as_view(),
         name="ticket_accept_suggestion"),
    path("service/settings/", views.SettingsView.as_view(), name="settings"),
    path("service/settings/token/", views.TokenRotateView.as_view(), name="token_rotate"),
    *config_urls("categories", "category", views.CATEGORY_VIEWS),
    *config_urls("teams", "team", views.TEAM_VIEWS),
    *config_urls("sla-policies", "sla", views.SLA_VIEWS),
    *config_urls("routing", "routing", views.ROUTING_VIEWS),
    *config_urls("templates", "template", views.TEMPLATE_VIEWS),
    path("service/inbound/", views.InboundListView.as_view(), name="inbound_list"),
    path("service/inbound/<int:pk>/", views.InboundDetailView.as_view(), name="inbound_detail"),
    path("service/inbound/<int:pk>/raw/", views.InboundRawView.as_view(), name="inbound_raw"),
    path("service/triage/", views.TriageView.as_view(), name="triage"),
    path("service/report/", views.ReportView.as_view(), name="report"),
    path("kb/", views.KbListView.as_view(), name="kb_list"),
    path("kb/new/", views.KbCreateView.as_view(), name="kb_create"),
    path("kb/<int:pk>/", views.KbDetailView.as_view(), name="kb_detail"),
    path("kb/<int:pk>/edit/", views.KbUpdateView.as_view(), name="kb_update"),
    path("kb/<int:pk>/vote/", views.KbVoteView.as_view(), name="kb_vote"),
    path("survey/<str:token>/", views.SurveyView.as_view(), name="survey"),
]
