"""API of the leads app: `/api/v1/leads/` and its domain actions (convert, transition).

Reads come from `visible_to(user)` (another company's lead is a 404); writes need
`leads.edit` (403 before anything changes) and call the services, whose ValidationErrors
become 400 `{"field": ["message"]}`. Converting twice answers 400 with
`{"non_field_errors": ["Cette piste a déjà été convertie."]}` and changes nothing.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from assura.core.viewsets import TenantModelViewSet
from assura.leads import selectors, services
from assura.leads.api import serializers as s
from assura.leads.filters import LeadFilterSet
from assura.leads.models import Lead

EDIT = "leads.edit"


@extend_schema_view(
    create=extend_schema(summary="Create a lead (assigned by the company's rules when no owner is given)"),
    partial_update=extend_schema(summary="Update a lead's details and qualification"),
)
class LeadViewSet(TenantModelViewSet):
    """Leads (pistes): `?q=` searches names, company, e-mail and phones in any form."""

    model = Lead
    serializer_class = s.LeadSerializer
    filterset_class = LeadFilterSet
    ordering_fields = ["created_at", "updated_at", "full_name", "company", "status", "temperature"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_actions = {"create": EDIT, "partial_update": EDIT, "convert": EDIT, "transition": EDIT,
                        "conversion_proposals": EDIT}

    def perform_create(self, serializer):
        serializer.instance = services.lead_create(actor=self.request.user, request=self.request,
                                                   **serializer.validated_data)

    def perform_update(self, serializer):
        services.lead_update(actor=self.request.user, lead=serializer.instance, request=self.request,
                             **serializer.validated_data)

    @extend_schema(request=s.LeadTransitionSerializer, responses={
        200: s.LeadSerializer, 400: OpenApiResponse(description="Transition not allowed, or lost reason missing."),
    })
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the lead: nouveau → contacte → qualifie; perdu (with `lost_reason`); perdu → contacte."""
        lead = self.get_object()
        form = s.LeadTransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.lead_transition(actor=request.user, lead=lead, request=request, **form.validated_data)
        return Response(s.LeadSerializer(lead, context=self.get_serializer_context()).data)

    @extend_schema(responses=s.ConversionProposalsSerializer)
    @action(detail=True, methods=["get"], url_path="conversion-proposals")
    def conversion_proposals(self, request, pk=None):
        """Existing contacts (same phone, e-mail…) and accounts (same name) the lead may be."""
        proposals = selectors.conversion_proposals(user=request.user, lead=self.get_object())
        return Response(s.ConversionProposalsSerializer(proposals).data)

    @extend_schema(request=s.LeadConvertSerializer, responses={
        200: s.LeadConversionSerializer,
        400: OpenApiResponse(description="Already converted, lost, or an invalid contact or account."),
    })
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """Convert the lead: link `contact` (or create one), link `account` or create it from the company."""
        lead = self.get_object()
        form = s.LeadConvertSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        result = services.lead_convert(actor=request.user, lead=lead, request=request, **form.validated_data)
        return Response(s.LeadConversionSerializer(result).data)
