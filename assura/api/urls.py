"""/api/v1/: the REST API (conventions in ARCHITECTURE.md, "API conventions")."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from assura.activities.api import routes as activities_routes
from assura.api import views
from assura.core import api_data as data_routes
from assura.customers.api import routes as customers_routes
from assura.leads.api import routes as leads_routes
from assura.portfolio.api import routes as portfolio_routes
from assura.sales.api import routes as sales_routes
from assura.service.api import routes as service_routes

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("auth/tokens", views.ApiTokenViewSet, basename="token")
router.register("users", views.UserViewSet, basename="user")
router.register("regions", views.RegionViewSet, basename="region")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("groups", views.PermissionGroupViewSet, basename="group")
router.register("permissions", views.PermissionViewSet, basename="permission")
router.register("jobs", views.JobViewSet, basename="job")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")
for module in (customers_routes, leads_routes, activities_routes, portfolio_routes, sales_routes, service_routes,
               data_routes):
    module.register(router)

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path("me/", views.MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
