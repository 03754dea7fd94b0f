"""Routes of the sales API, registered on the /api/v1/ router by assura/api/urls.py."""


def register(router) -> None:
    from assura.sales.api import views

    router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
    router.register("pipeline-stages", views.PipelineStageViewSet, basename="pipeline-stage")
    router.register("targets", views.SalesTargetViewSet, basename="target")
    router.register("forecast", views.ForecastViewSet, basename="forecast")
    router.register("dashboard/widgets", views.DashboardWidgetViewSet, basename="dashboard-widget")
