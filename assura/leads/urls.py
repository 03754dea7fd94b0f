from django.urls import path

from assura.leads import views

app_name = "leads"

urlpatterns = [
    path("leads/", views.LeadListView.as_view(), name="lead_list"),
    path("leads/new/", views.LeadCreateView.as_view(), name="lead_create"),
    path("leads/<int:pk>/", views.LeadDetailView.as_view(), name="lead_detail"),
    path("leads/<int:pk>/edit/", views.LeadUpdateView.as_view(), name="lead_update"),
    path("leads/<int:pk>/status/", views.LeadTransitionView.as_view(), name="lead_transition"),
    path("leads/<int:pk>/lose/", views.LeadLoseView.as_view(), name="lead_lose"),
    path("leads/<int:pk>/convert/", views.LeadConvertView.as_view(), name="lead_convert"),
    path("leads/rules/", views.AssignmentRuleListView.as_view(), name="rule_list"),
    path("leads/rules/new/", views.AssignmentRuleCreateView.as_view(), name="rule_create"),
    path("leads/rules/<int:pk>/edit/", views.AssignmentRuleUpdateView.as_view(), name="rule_update"),
    path("leads/rules/<int:pk>/delete/", views.AssignmentRuleDeleteView.as_view(), name="rule_delete"),
]
