"""Routes of duplicate handling, included in config/urls.py under the namespace "duplicates"."""

from django.urls import path

from assura.customers import views_duplicates as views

urlpatterns = [
    path("duplicates/", views.DuplicateListView.as_view(), name="candidate_list"),
    path("duplicates/scan/", views.DuplicateScanView.as_view(), name="scan"),
    path("duplicates/merge/<int:a>/<int:b>/", views.MergeView.as_view(), name="merge"),
    path("duplicates/accounts/<int:pk>/", views.AccountMergePickView.as_view(), name="account_merge_pick"),
    path("duplicates/accounts/merge/<int:a>/<int:b>/", views.AccountMergeView.as_view(), name="account_merge"),
    path("duplicates/dismiss/<int:a>/<int:b>/", views.DismissView.as_view(), name="dismiss"),
]
