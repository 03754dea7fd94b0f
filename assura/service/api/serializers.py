"""Serializers of the service API. They parse and render; services write. Relations are
resolved through visible_to(request.user): another company's id is a 400, never a reach across."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assura.api.serializers import VisibleRelatedField
from assura.customers.models import Account, Contact
from assura.portfolio.models import Claim, Policy
from assura.service.choices import ResolutionCode, RootCause, TicketStatus
from assura.service.models import Category, KbArticle, SlaPolicy, Team, Ticket, TicketMessage


class TicketSerializer(serializers.ModelSerializer):
    category = VisibleRelatedField(Category, allow_null=True, required=False)
    subcategory = VisibleRelatedField(Category, allow_null=True, required=False)
    contact = VisibleRelatedField(Contact, allow_null=True, required=False)
    account = VisibleRelatedField(Account, allow_null=True, required=False)
    assignee = VisibleRelatedField(get_user_model(), allow_null=True, required=False,
                                   help_text=_("Vide : attribué selon les règles de routage."))
    team = VisibleRelatedField(Team, allow_null=True, required=False)
    policy = VisibleRelatedField(Policy, allow_null=True, required=False,
                                 help_text=_("Une police du client du ticket. Vide : celle du n° de police, "
                                             "si ce numéro existe chez ce client."))
    claim = VisibleRelatedField(Claim, allow_null=True, required=False,
                                help_text=_("Un sinistre du client, sur la police choisie."))
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id", "reference", "kind", "category", "subcategory", "priority", "channel", "contact", "account",
            "customer_name", "customer_email", "policy_number", "claim_number", "policy", "claim", "subject",
            "description", "status",
            "status_label", "assignee", "team", "resolution_code", "root_cause", "first_response_due",
            "first_responded_at", "resolution_due", "sla_paused_at", "sla_breached", "sla_met", "resolved_at",
            "closed_at", "suggested_category", "suggested_priority", "csat_score", "csat_comment", "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "reference", "status", "resolution_code", "root_cause", "first_response_due", "first_responded_at",
            "resolution_due", "sla_paused_at", "sla_breached", "sla_met", "resolved_at", "closed_at",
            "suggested_category", "suggested_priority", "csat_score", "csat_comment", "created_at", "updated_at",
        ]


class TicketUpdateSerializer(TicketSerializer):
    class Meta(TicketSerializer.Meta):
        read_only_fields = [*TicketSerializer.Meta.read_only_fields, "assignee", "team"]


class MessageAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    mime_type = serializers.CharField()


class TicketMessageSerializer(serializers.ModelSerializer):
    attachments = MessageAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketMessage
        fields = ["id", "kind", "author", "from_email", "to_email", "subject", "body", "attachments", "sent_at",
                  "send_error", "created_at"]
        read_only_fields = fields


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000)
    wait_for_customer = serializers.BooleanField(default=False)
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, default=list,
        help_text=_("Pièces jointes (multipart/form-data, champ « files » répété) : mêmes types et taille "
                    "que les documents des fiches."))


class NoteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TicketStatus.choices)
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices, required=False, allow_blank=True,
                                              help_text=_("Obligatoire pour « resolu »."))
    root_cause = serializers.ChoiceField(choices=RootCause.choices, required=False, allow_blank=True,
                                         help_text=_("Obligatoire pour résoudre une réclamation."))


class AssignSerializer(serializers.Serializer):
    assignee = VisibleRelatedField(get_user_model(), allow_null=True, required=False)
    team = VisibleRelatedField(Team, allow_null=True, required=False)


class KbArticleSerializer(serializers.ModelSerializer):
    category = VisibleRelatedField(Category, allow_null=True, required=False)

    class Meta:
        model = KbArticle
        fields = ["id", "title", "body", "category", "visibility", "is_published", "version", "helpful_count",
                  "unhelpful_count", "created_at", "updated_at"]
        read_only_fields = ["version", "helpful_count", "unhelpful_count", "created_at", "updated_at"]


class SlaPolicySerializer(serializers.ModelSerializer):
    category = VisibleRelatedField(Category, allow_null=True, required=False)

    class Meta:
        model = SlaPolicy
        fields = ["id", "name", "kind", "priority", "category", "first_response_hours", "resolution_hours",
                  "is_active"]


class InboundResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    reason = serializers.CharField()
    ticket = serializers.CharField(source="ticket.reference", allow_null=True, default=None)
