"""Gestion des données: imports (upload → mapping → check → import) and list exports."""

from django.urls import path

from assura.core import views_data

urlpatterns = [
    path("data/imports/", views_data.ImportStartView.as_view(), name="import_list"),
    path("data/imports/mapping/", views_data.ImportMappingView.as_view(), name="import_mapping"),
    path("data/imports/<int:pk>/", views_data.ImportDetailView.as_view(), name="import_detail"),
    path("data/imports/<int:pk>/confirm/", views_data.ImportConfirmView.as_view(), name="import_confirm"),
    path("data/exports/", views_data.ExportStartView.as_view(), name="export"),
]
