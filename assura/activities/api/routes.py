"""Routes of the activities API, registered on the /api/v1/ router by assura/api/urls.py."""

from assura.activities.api import views


def register(router) -> None:
    router.register("activities", views.ActivityViewSet, basename="activity")
    router.register("notifications", views.NotificationViewSet, basename="notification")
