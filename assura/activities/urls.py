from django.urls import path

from assura.activities import views

app_name = "activities"

urlpatterns = [
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("activities/timeline/", views.TimelineView.as_view(), name="timeline"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path("activities/<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="activity_update"),
    path("activities/<int:pk>/complete/", views.ActivityCompleteView.as_view(), name="activity_complete"),
    path("activities/<int:pk>/cancel/", views.ActivityCancelView.as_view(), name="activity_cancel"),
    path("activities/<int:pk>/reschedule/", views.ActivityRescheduleView.as_view(), name="activity_reschedule"),
    path("contacts/<int:pk>/reminders/new/", views.ContactReminderCreateView.as_view(),
         name="contact_reminder_create"),
    path("accounts/<int:pk>/reminders/new/", views.AccountReminderCreateView.as_view(),
         name="account_reminder_create"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path("notifications/bell/", views.NotificationBellView.as_view(), name="notification_bell"),
    path("notifications/preferences/", views.NotificationPreferencesView.as_view(),
         name="notification_preferences"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notification_read_all"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="notification_read"),
]
