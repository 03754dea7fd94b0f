"""API of the sales app: opportunities (+ move), pipeline stages, targets, forecast, dashboard widgets.

Reads come from `visible_to(user)` (another company's object → 404); writes need the action
(403 before anything changes) and call the services, whose ValidationErrors become 400
`{"field": ["message"]}`."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assura.core.viewsets import TenantModelViewSet, TenantViewSetMixin
from assura.sales import selectors, services
from assura.sales.api import serializers as s
from assura.sales.filters import OpportunityFilterSet
from assura.sales.forecast import forecast
from assura.sales.models import DashboardWidget, Opportunity, PipelineStage, SalesTarget

EDIT = "opportunities.edit"


class OpportunityViewSet(TenantModelViewSet):
    """Opportunities: `?q=`, `stage`, `status`, `owner`, `agency`, `branch`, `kind`, `close_month=YYYY-MM`, `stale`."""

    model = Opportunity
    serializer_class = s.OpportunitySerializer
    filterset_class = OpportunityFilterSet
    ordering_fields = ["expected_close_date", "amount", "created_at", "name", "probability"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_actions = {"create": EDIT, "partial_update": EDIT, "move": EDIT, "reopen": EDIT}

    def get_queryset(self):
        return selectors.opportunity_list(user=self.request.user).prefetch_related("lines").order_by(
            "expected_close_date", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.opportunity_create(actor=self.request.user, request=self.request, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        for key in ("stage", "loss_reason"):
            data.pop(key, None)  # moves go through …/move/ (with the history)
        services.opportunity_update(actor=self.request.user, opportunity=serializer.instance, request=self.request,
                                    **data)

    @extend_schema(request=s.MoveSerializer, responses={
        200: s.OpportunitySerializer,
        400: OpenApiResponse(description="Closed opportunity, or missing loss reason."),
    })
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move to `stage` (history kept); a won or lost opportunity must be reopened first."""
        opportunity = self.get_object()
        form = s.MoveSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        services.opportunity_move(actor=request.user, opportunity=opportunity, request=request, stage=data["stage"],
                                  loss_reason=data.get("loss_reason", ""), probability=data.get("probability"))
        return Response(s.OpportunitySerializer(opportunity, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=s.OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Put a won or lost opportunity back in its last open stage."""
        opportunity = self.get_object()
        services.opportunity_reopen(actor=request.user, opportunity=opportunity, request=request)
        return Response(s.OpportunitySerializer(opportunity, context=self.get_serializer_context()).data)


class PipelineStageViewSet(TenantModelViewSet):
    """The company's pipeline stages (the 7 default ones are created on first use)."""

    model = PipelineStage
    serializer_class = s.PipelineStageSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_actions = {"create": "pipeline.manage", "partial_update": "pipeline.manage"}
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PipelineStage.objects.none()
        services.stages_ensure(organization_id=self.request.user.organization_id)
        return super().get_queryset()

    def perform_create(self, serializer):
        serializer.instance = services.stage_save(actor=self.request.user, request=self.request,
                                                  **serializer.validated_data)

    def perform_update(self, serializer):
        stage = serializer.instance
        data = {f: getattr(stage, f) for f in ("name", "order", "probability", "is_won", "is_lost", "is_active")}
        data.update(serializer.validated_data)
        services.stage_save(actor=self.request.user, stage=stage, request=self.request, **data)


class SalesTargetViewSet(TenantModelViewSet):
    """Sales targets (administrators): a user or an agency, a month/quarter/year, premium and count."""

    model = SalesTarget
    serializer_class = s.SalesTargetSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    required_actions = {"*": "targets.manage"}

    def get_queryset(self):
        return selectors.target_list(user=self.request.user).order_by("-start", "id")

    def perform_create(self, serializer):
        serializer.instance = services.target_save(actor=self.request.user, request=self.request,
                                                   **serializer.validated_data)

    def perform_update(self, serializer):
        target = serializer.instance
        data = {"user": target.user, "agency": target.agency, "period": target.period, "start": target.start,
                "premium_target": target.premium_target, "count_target": target.count_target}
        data.update(serializer.validated_data)
        services.target_save(actor=self.request.user, target=target, request=self.request, **data)

    def perform_destroy(self, instance):
        services.target_delete(actor=self.request.user, target=instance, request=self.request)


class ForecastViewSet(viewsets.ViewSet):
    """Forecast of a year by month or quarter, grouped by user, agency, region or branch."""

    @extend_schema(parameters=[
        OpenApiParameter("year", int), OpenApiParameter("period", str, enum=["month", "quarter"]),
        OpenApiParameter("group_by", str, enum=["user", "agency", "region", "branch"]),
    ], responses={200: OpenApiResponse(description="Rows of cells (amounts as strings, exact)")})
    def list(self, request):
        form = s.ForecastQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        params = form.validated_data
        result = forecast(user=request.user, year=params.get("year") or timezone.localdate().year,
                          period=params["period"], group_by=params["group_by"])
        return Response({
            "year": result.year, "period": result.period, "group_by": result.group_by,
            "buckets": [b.isoformat() for b in result.buckets],
            "rows": [{"key": row.key, "label": row.label, "total": row.total.as_dict(),
                      "cells": [dict(row.cells[b].as_dict(), start=b.isoformat()) for b in result.buckets]}
                     for row in result.rows],
            "total": {"total": result.total.total.as_dict(),
                      "cells": [dict(result.total.cells[b].as_dict(), start=b.isoformat()) for b in result.buckets]},
        })


class DashboardWidgetViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.CreateModelMixin,
                             mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The signed-in user's dashboard widgets, in order. POST `{"kind"}` adds one; DELETE removes;
    POST `reorder/` `{"ids": [...]}` saves a new order."""

    model = DashboardWidget
    serializer_class = s.DashboardWidgetSerializer
    pagination_class = None

    def list(self, request, *args, **kwargs):
        services.widgets_ensure(user=request.user)
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.widget_add(actor=self.request.user, kind=serializer.validated_data["kind"],
                                                  request=self.request)

    def perform_destroy(self, instance):
        services.widget_remove(actor=self.request.user, widget=instance, request=self.request)

    @extend_schema(request=s.ReorderSerializer, responses=s.DashboardWidgetSerializer(many=True))
    @action(detail=False, methods=["post"])
    def reorder(self, request):
        form = s.ReorderSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        widgets = services.widgets_reorder(actor=request.user, ids=form.validated_data["ids"], request=request)
        return Response(s.DashboardWidgetSerializer(widgets, many=True).data, status=status.HTTP_200_OK)
