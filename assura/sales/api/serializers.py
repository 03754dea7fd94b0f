"""Serializers of the sales API: they parse and render; services write. Relations naming tenant
rows are resolved through `visible_to(request.user)` (another company's id → 400)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assura.api.serializers import VisibleRelatedField
from assura.customers.models import Account, Contact
from assura.identity.models import Agency
from assura.sales.choices import Branch, LossReason, OpportunityKind, TargetPeriod
from assura.sales.models import DashboardWidget, Opportunity, OpportunityLine, PipelineStage, SalesTarget


class PipelineStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = PipelineStage
        fields = ["id", "name", "order", "probability", "is_won", "is_lost", "is_active"]


class OpportunityLineSerializer(serializers.ModelSerializer):
    branch = serializers.ChoiceField(choices=Branch.choices)
    premium = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("Prime annuelle estimée (DA)."))

    class Meta:
        model = OpportunityLine
        fields = ["branch", "produit", "premium"]


class OpportunitySerializer(serializers.ModelSerializer):
    account = VisibleRelatedField(Account, allow_null=True, required=False)
    contact = VisibleRelatedField(Contact, allow_null=True, required=False)
    owner = VisibleRelatedField(get_user_model(), allow_null=True, required=False)
    agency = VisibleRelatedField(Agency, allow_null=True, required=False)
    stage = VisibleRelatedField(PipelineStage, required=False,
                                help_text=_("À la création seulement ; ensuite : POST …/move/."))
    probability = serializers.IntegerField(required=False, allow_null=True,
                                           help_text=_("0 à 100 ; vide : celle de l'étape."))
    kind = serializers.ChoiceField(choices=OpportunityKind.choices, required=False)
    lines = OpportunityLineSerializer(many=True, required=False)
    weighted_amount = serializers.DecimalField(max_digits=16, decimal_places=4, read_only=True)
    loss_reason = serializers.ChoiceField(choices=LossReason.choices, required=False, allow_blank=True)
    status = serializers.CharField(read_only=True, help_text="open | won | lost (follows the stage)")
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id", "name", "account", "contact", "stage", "status", "status_label", "probability", "amount",
            "weighted_amount",
            "expected_close_date", "source", "lead", "owner", "agency", "competitor", "next_step", "next_step_date",
            "loss_reason", "kind", "lines", "closed_on", "stage_changed_at", "last_activity_at", "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "amount", "lead", "closed_on", "stage_changed_at", "last_activity_at",
                            "created_at", "updated_at"]


class MoveSerializer(serializers.Serializer):
    stage = VisibleRelatedField(PipelineStage)
    loss_reason = serializers.ChoiceField(choices=LossReason.choices, required=False, allow_blank=True,
                                          help_text=_("Obligatoire vers une étape perdue."))
    probability = serializers.IntegerField(required=False, allow_null=True)


class SalesTargetSerializer(serializers.ModelSerializer):
    user = VisibleRelatedField(get_user_model(), allow_null=True, required=False)
    agency = VisibleRelatedField(Agency, allow_null=True, required=False)
    period = serializers.ChoiceField(choices=TargetPeriod.choices)

    class Meta:
        model = SalesTarget
        fields = ["id", "user", "agency", "period", "start", "end", "premium_target", "count_target"]
        read_only_fields = ["end"]


class DashboardWidgetSerializer(serializers.ModelSerializer):
    class Meta:
        model = DashboardWidget
        fields = ["id", "kind", "position"]
        read_only_fields = ["position"]


class ReorderSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField())


class ForecastQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    period = serializers.ChoiceField(choices=["month", "quarter"], required=False, default="month")
    group_by = serializers.ChoiceField(choices=["user", "agency", "region", "branch"], required=False,
                                       default="agency")
