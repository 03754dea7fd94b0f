from django.conf import settings
from django.urls import include, path
from django.views.static import serve

from assura.core import views_health
from assura.identity.views import HomeView, LandingView

urlpatterns = [
    path("healthz", views_health.healthz, name="healthz"),
    path("readyz", views_health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("assura.api.urls")),
    path("", LandingView.as_view(), name="landing"),
    path("home/", HomeView.as_view(), name="home"),
    path("", include("assura.core.urls")),
    path("", include(("assura.core.urls_data", "data"))),
    path("", include(("assura.core.urls_search", "search"))),
    path("", include("assura.core.urls_attachments")),
    path("", include("assura.identity.urls")),
    path("", include("assura.customers.urls")),
    path("", include(("assura.customers.urls_duplicates", "duplicates"))),
    path("", include("assura.leads.urls")),
    path("", include("assura.activities.urls")),
    path("", include("assura.portfolio.urls")),
    path("", include("assura.sales.urls")),
    path("", include("assura.service.urls")),
]

if not settings.PRODUCTION:
    # Company logos in local use (production serves them from the web server or object
    # storage). Only logos are public: job files go through core:job_download, which
    # checks who is asking.
    urlpatterns += [path("media/logos/<path:path>", serve, {"document_root": f"{settings.MEDIA_ROOT}/logos"})]
