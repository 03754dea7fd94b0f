"""Global search and saved list views (namespace "search")."""

from django.urls import path

from assura.core import views_search

urlpatterns = [
    path("search/", views_search.SearchResultsView.as_view(), name="results"),
    path("search/live/", views_search.SearchLiveView.as_view(), name="live"),
    path("views/save/", views_search.SavedViewSaveView.as_view(), name="saved_view_save"),
    path("views/<int:pk>/delete/", views_search.SavedViewDeleteView.as_view(), name="saved_view_delete"),
]
