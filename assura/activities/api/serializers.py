"""Serializers of the activities API. They parse and render; the services write.

Relations (assignee, attendees, agency, contact, account, lead) are resolved through
`visible_to(request.user)`: another company's id, or a record the user may not see, is an
invalid choice (400), never a way across."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assura.activities.models import Activity
from assura.api.serializers import VisibleRelatedField
from assura.core.models import Notification
from assura.identity.models import Agency

User = get_user_model()


def record_field(name: str, label):
    return VisibleRelatedField(Activity._meta.get_field(name).related_model, label=label, allow_null=True,
                               required=False)


class ActivitySerializer(serializers.ModelSerializer):
    """One serializer to read, create (POST) and change (PATCH) an activity, so that the schema
    names its enums once. `kind` and `status` are set at creation only: the status then changes
    through `complete` and `cancel`."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    assignee = VisibleRelatedField(User, label=_("Assigné à"), allow_null=True, required=False,
                                   help_text=_("Par défaut : l'auteur."))
    attendees = VisibleRelatedField(User, label=_("Participants"), many=True, required=False)
    agency = VisibleRelatedField(
        Agency, label=_("Agence"), allow_null=True, required=False,
        help_text=_("Par défaut : celle du contact, du compte ou de la piste, sinon la vôtre."),
    )
    contact = record_field("contact", _("Contact"))
    account = record_field("account", _("Compte"))
    lead = record_field("lead", _("Piste"))
    remind_before = serializers.IntegerField(
        label=_("Rappel (minutes avant)"), min_value=0, max_value=60 * 24 * 30, required=False, allow_null=True,
        write_only=True, help_text=_("Fixe le rappel autant de minutes avant le début ou l'échéance."),
    )

    class Meta:
        model = Activity
        fields = [
            "id", "kind", "kind_label", "subject", "body", "status", "status_label", "channel", "channel_label",
            "priority", "occurred_at", "due_at", "start_at", "end_at", "place", "direction", "duration_seconds",
            "outcome", "remind_at", "remind_before", "remind_by_email", "reminded_at", "completed_at", "assignee",
            "assignee_name", "attendees", "agency", "contact", "account", "lead", "created_by", "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "reminded_at", "completed_at", "created_by", "created_at", "updated_at"]
        extra_kwargs = {
            "occurred_at": {"required": False, "help_text": _("Date de l'activité consignée (maintenant si vide).")},
            "status": {"help_text": _("À la création seulement. Par défaut : fait pour un appel, une note, un message "
                                      "ou une visite ; à faire sinon.")},
            "kind": {"help_text": _("À la création seulement.")},
        }
        validators: list = []

    def get_assignee_name(self, obj) -> str:
        return (obj.assignee.get_full_name() or obj.assignee.email) if obj.assignee else ""


class ActivityRescheduleSerializer(serializers.Serializer):
    start_at = serializers.DateTimeField(label=_("Nouveau début"), required=False, allow_null=True)
    end_at = serializers.DateTimeField(label=_("Nouvelle fin"), required=False, allow_null=True)
    due_at = serializers.DateTimeField(label=_("Nouvelle échéance"), required=False, allow_null=True)


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(read_only=True, help_text=_("Nombre de notifications marquées comme lues."))
