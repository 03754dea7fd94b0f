from django.urls import path

from assura.sales import views

app_name = "sales"

urlpatterns = [
    path("opportunities/", views.OpportunityListView.as_view(), name="opportunity_list"),
    path("opportunities/kanban/", views.KanbanView.as_view(), name="kanban"),
    path("opportunities/new/", views.OpportunityCreateView.as_view(), name="opportunity_create"),
    path("opportunities/<int:pk>/", views.OpportunityDetailView.as_view(), name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", views.OpportunityUpdateView.as_view(), name="opportunity_update"),
    path("opportunities/<int:pk>/move/", views.OpportunityMoveView.as_view(), name="opportunity_move"),
    path("opportunities/<int:pk>/lose/", views.OpportunityLoseView.as_view(), name="opportunity_lose"),
    path("opportunities/<int:pk>/reopen/", views.OpportunityReopenView.as_view(), name="opportunity_reopen"),
    path("opportunities/stages/", views.StageListView.as_view(), name="stage_list"),
    path("opportunities/stages/new/", views.StageCreateView.as_view(), name="stage_create"),
    path("opportunities/stages/<int:pk>/edit/", views.StageUpdateView.as_view(), name="stage_update"),
    path("forecast/", views.ForecastView.as_view(), name="forecast"),
    path("targets/", views.TargetListView.as_view(), name="target_list"),
    path("targets/new/", views.TargetCreateView.as_view(), name="target_create"),
    path("targets/<int:pk>/edit/", views.TargetUpdateView.as_view(), name="target_update"),
    path("targets/<int:pk>/delete/", views.TargetDeleteView.as_view(), name="target_delete"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/widgets/add/", views.WidgetAddView.as_view(), name="widget_add"),
    path("dashboard/widgets/<int:pk>/remove/", views.WidgetRemoveView.as_view(), name="widget_remove"),
    path("dashboard/widgets/<int:pk>/move/", views.WidgetMoveView.as_view(), name="widget_move"),
]
