"""API of the activities app: activities (with their actions) and the user's notifications."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from assura.activities import selectors, services
from assura.activities.api import serializers as s
from assura.activities.filters import ActivityApiFilterSet, NotificationFilterSet
from assura.activities.models import Activity
from assura.core.models import Notification
from assura.core.records import notifications_mark_read
from assura.core.viewsets import TenantModelViewSet, TenantViewSetMixin

EDIT = "activities.edit"
FIXED_AFTER_CREATION = {
    "kind": _("Le type d'une activité ne change pas après sa création."),
    "status": _("Le statut change par les actions « complete » et « cancel »."),
}


@extend_schema_view(create=extend_schema(summary="Log or plan an activity"))
class ActivityViewSet(TenantModelViewSet):
    """Calls, notes, e-mails, SMS, visits (logged, done), tasks and appointments (planned).
    `?q=` searches the subject (accents and case ignored)."""

    model = Activity
    serializer_class = s.ActivitySerializer
    filterset_class = ActivityApiFilterSet
    ordering_fields = ["occurred_at", "due_at", "start_at", "created_at", "priority", "status", "subject"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_actions = {"create": EDIT, "partial_update": EDIT, "complete": EDIT, "cancel": EDIT,
                        "reschedule": EDIT}

    def get_queryset(self):
        return selectors.activity_list(user=self.request.user).prefetch_related("attendees").order_by(
            "-occurred_at", "-pk")

    def render(self, activity, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=activity.pk)
        return Response(s.ActivitySerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        form = s.ActivitySerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        activity = services.activity_create(actor=request.user, request=request, **form.validated_data)
        return self.render(activity, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        activity = self.get_object()
        form = s.ActivitySerializer(data=request.data, partial=True, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        fixed = [f for f in ("kind", "status") if f in form.validated_data]
        if fixed:
            raise ValidationError({f: [FIXED_AFTER_CREATION[f]] for f in fixed})
        activity = services.activity_update(actor=request.user, activity=activity, request=request,
                                            **form.validated_data)
        return self.render(activity)

    @extend_schema(request=None, responses=s.ActivitySerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self.render(services.activity_complete(actor=request.user, activity=self.get_object(),
                                                      request=request))

    @extend_schema(request=None, responses=s.ActivitySerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self.render(services.activity_cancel(actor=request.user, activity=self.get_object(), request=request))

    @extend_schema(request=s.ActivityRescheduleSerializer, responses=s.ActivitySerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        activity = self.get_object()
        form = s.ActivityRescheduleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self.render(services.activity_reschedule(actor=request.user, activity=activity, request=request,
                                                        **form.validated_data))


@extend_schema(tags=["notifications"])
class NotificationViewSet(TenantViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own in-app notifications (reminders, assignments…), newest first."""

    model = Notification
    serializer_class = s.NotificationSerializer
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user).order_by("-created_at", "-pk")

    @extend_schema(request=None, responses=s.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notifications_mark_read(user=request.user, ids=[notification.pk])
        notification.refresh_from_db()
        return Response(s.NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=s.MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": notifications_mark_read(user=request.user)})
