"""API of the service desk: `/api/v1/tickets/` (+ replies, notes, transition, assign),
`/kb-articles/`, `/sla-policies/` and the inbound e-mail webhook `/inbound-email/`.

Reads come from visible_to(user) (another company's record is a 404); writes need their
action (403 before anything changes) and call the services (400 `{"field": ["message"]}`)."""

from __future__ import annotations

import hmac

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from assura.core.viewsets import TenantModelViewSet
from assura.service import services
from assura.service.api import serializers as s
from assura.service.filters import KbArticleFilterSet, TicketFilterSet
from assura.service.models import KbArticle, ServiceSettings, SlaPolicy, Ticket

EDIT = services.EDIT


class TicketViewSet(TenantModelViewSet):
    """Tickets: `?queue=mine|team|unassigned|at_risk|breached`, `?q=` (reference, subject, customer…)."""

    model = Ticket
    serializer_class = s.TicketSerializer
    filterset_class = TicketFilterSet
    select_related = ("assignee", "team", "category")
    ordering_fields = ["created_at", "updated_at", "resolution_due", "priority", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # `assign` is checked by the service: "tickets.assign", or a Utilisateur taking an unassigned ticket.
    required_actions = {"create": EDIT, "partial_update": EDIT, "replies": EDIT, "notes": EDIT, "transition": EDIT}

    def get_serializer_class(self):
        if self.action == "partial_update":
            return s.TicketUpdateSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        serializer.instance = services.ticket_create(actor=self.request.user, request=self.request,
                                                     **serializer.validated_data)

    def perform_update(self, serializer):
        services.ticket_update(actor=self.request.user, ticket=serializer.instance, request=self.request,
                               **serializer.validated_data)

    def _detail(self, ticket):
        ticket.refresh_from_db()
        return Response(s.TicketSerializer(ticket, context=self.get_serializer_context()).data)

    @extend_schema(responses=s.TicketMessageSerializer(many=True))
    @action(detail=True, methods=["get"])
    def messages(self, request, pk=None):
        """The conversation: customer messages, replies, acknowledgements and internal notes."""
        ticket = self.get_object()
        messages = ticket.messages.prefetch_related("attachments").order_by("created_at", "id")
        return Response(s.TicketMessageSerializer(messages, many=True).data)

    @extend_schema(request={"multipart/form-data": s.ReplySerializer, "application/json": s.ReplySerializer},
                   responses={201: s.TicketMessageSerializer})
    @action(detail=True, methods=["post"])
    def replies(self, request, pk=None):
        """Reply to the customer by e-mail (reference in the subject). Files go as multipart/form-data,
        the field `files` repeated; a refused file is a 400 on `files` and nothing is sent or kept."""
        ticket = self.get_object()
        form = s.ReplySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        message = services.ticket_reply(actor=request.user, ticket=ticket, request=request, **form.validated_data)
        return Response(s.TicketMessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.NoteSerializer, responses={201: s.TicketMessageSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        """An internal note (never sent to the customer)."""
        ticket = self.get_object()
        form = s.NoteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        message = services.ticket_note(actor=request.user, ticket=ticket, request=request, **form.validated_data)
        return Response(s.TicketMessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TransitionSerializer, responses={
        200: s.TicketSerializer, 400: OpenApiResponse(description="Transition not allowed or code missing.")})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Change the status along the workflow; `resolu` needs `resolution_code` (and `root_cause` for complaints)."""
        ticket = self.get_object()
        form = s.TransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.ticket_transition(actor=request.user, ticket=ticket, request=request, **form.validated_data)
        return self._detail(ticket)

    @extend_schema(request=s.AssignSerializer, responses={200: s.TicketSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Reassign to a person and/or a team (needs "tickets.assign", or taking an unassigned ticket)."""
        ticket = self.get_object()
        form = s.AssignSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        services.ticket_assign(actor=request.user, ticket=ticket, request=request, **form.validated_data)
        return self._detail(ticket)


class KbArticleViewSet(TenantModelViewSet):
    """Knowledge-base articles: `?q=` is accent-insensitive; each edit keeps a version."""

    model = KbArticle
    serializer_class = s.KbArticleSerializer
    filterset_class = KbArticleFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_actions = {"create": "kb.edit", "partial_update": "kb.edit"}

    def perform_create(self, serializer):
        serializer.instance = services.kb_article_save(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        services.kb_article_save(actor=self.request.user, article=serializer.instance, **serializer.validated_data)


class SlaPolicyViewSet(TenantModelViewSet):
    """The company's response-time targets (working hours); writes need "service.settings"."""

    model = SlaPolicy
    serializer_class = s.SlaPolicySerializer
    select_related = ("category",)
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_actions = {"create": services.SETTINGS, "partial_update": services.SETTINGS}

    def perform_create(self, serializer):
        serializer.instance = services.config_save(actor=self.request.user, model=SlaPolicy,
                                                   **serializer.validated_data)

    def perform_update(self, serializer):
        services.config_save(actor=self.request.user, model=SlaPolicy, instance=serializer.instance,
                             **serializer.validated_data)


class RawEmailParser(BaseParser):
    media_type = "message/rfc822"

    def parse(self, stream, media_type=None, parser_context=None):
        from assura.service.inbound import MAX_RAW_BYTES

        # Read at most one byte past the limit: a bigger message is kept truncated, in quarantine.
        return stream.read(MAX_RAW_BYTES + 1) if stream is not None else b""


class InboundEmailViewSet(viewsets.ViewSet):
    """Inbound e-mail webhook: POST the raw RFC 822 message (`Content-Type: message/rfc822`) with the
    company's token (`Authorization: Bearer <token>`, shown in the service settings). No user session."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [RawEmailParser]
    throttle_classes: list = []

    def _organization_id(self, request):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if len(token) < 20:
            raise AuthenticationFailed()
        for org_id, stored in ServiceSettings.objects.filter(inbound_token=token).values_list(
                "organization_id", "inbound_token"):
            if hmac.compare_digest(stored, token):
                return org_id
        raise AuthenticationFailed()

    @extend_schema(request={"message/rfc822": {"type": "string", "format": "binary"}},
                   parameters=[OpenApiParameter("Authorization", str, OpenApiParameter.HEADER,
                                                description="Bearer <jeton du webhook>")],
                   responses={201: s.InboundResultSerializer, 401: OpenApiResponse(description="Bad token.")})
    def create(self, request):
        from assura.service.inbound import email_receive

        organization_id = self._organization_id(request)
        raw = request.data if isinstance(request.data, bytes) else b""
        record = email_receive(organization_id=organization_id, raw=raw or b"", source="webhook")
        return Response(s.InboundResultSerializer(record).data, status=status.HTTP_201_CREATED)
