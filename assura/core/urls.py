from django.urls import path

from assura.core import views_pages, views_reference

app_name = "core"

urlpatterns = [
    path("audit/", views_pages.AuditListView.as_view(), name="audit_list"),
    path("audit/export/", views_pages.AuditExportView.as_view(), name="audit_export"),
    path("jobs/", views_pages.JobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", views_pages.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/download/", views_pages.JobDownloadView.as_view(), name="job_download"),
    path("reference/wilayas/", views_reference.WilayaListView.as_view(), name="wilaya_list"),
    path("reference/wilayas/<str:code>/", views_reference.WilayaEditView.as_view(), name="wilaya_edit"),
]
