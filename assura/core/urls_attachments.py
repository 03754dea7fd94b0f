"""Attachment routes. To be included by config/urls.py: path("", include("assura.core.urls_attachments"))."""

from django.urls import path

from assura.core import views_attachments as views

app_name = "attachments"

urlpatterns = [
    path("attachments/add/", views.AttachmentAddView.as_view(), name="add"),
    path("attachments/<int:pk>/download/", views.AttachmentDownloadView.as_view(), name="download"),
    path("attachments/<int:pk>/delete/", views.AttachmentDeleteView.as_view(), name="delete"),
]
