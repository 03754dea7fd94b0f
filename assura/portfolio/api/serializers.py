"""Serializers of the portfolio API: they parse and render; services write. Tenant relations
are resolved through `visible_to(request.user)` (another company's id is a 400)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assura.api.serializers import VisibleRelatedField
from assura.customers.models import Account, Contact
from assura.identity.models import Agency
from assura.portfolio.choices import (
    ClaimStatus,
    ClaimType,
    DeclarationChannel,
    DistributionChannel,
    PaymentFrequency,
    PaymentMethod,
)
from assura.portfolio.models import (
    Claim,
    Formula,
    Guarantee,
    Instalment,
    Payment,
    Policy,
    Product,
    Quote,
)

PREMIUM = ["net_premium", "policy_cost", "tax", "stamp_duty", "total_premium", "premium_lines"]


class GuaranteeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Guarantee
        fields = ["id", "code", "name", "limit", "deductible", "premium_mode", "premium_amount", "premium_rate",
                  "rate_base"]


class FormulaSerializer(serializers.ModelSerializer):
    included = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    optional = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Formula
        fields = ["id", "code", "name", "included", "optional", "is_active"]


class ProductSerializer(serializers.ModelSerializer):
    branch = serializers.CharField(source="branch.name", read_only=True)
    guarantees = GuaranteeSerializer(many=True, read_only=True)
    formulas = FormulaSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "code", "name", "branch", "object_kind", "object_schema", "is_active", "guarantees",
                  "formulas"]


class TermsInput(serializers.Serializer):
    product = VisibleRelatedField(Product)
    formula = VisibleRelatedField(Formula)
    contact = VisibleRelatedField(Contact, required=False, allow_null=True)
    account = VisibleRelatedField(Account, required=False, allow_null=True)
    guarantees = VisibleRelatedField(Guarantee, many=True, required=False,
                                     help_text=_("Options choisies (les garanties incluses sont ajoutées)."))
    insured_object = serializers.DictField(help_text=_("Champs déclarés par le produit (object_schema)."))
    payment_frequency = serializers.ChoiceField(choices=PaymentFrequency.choices, default="annuel")


class QuoteSerializer(serializers.ModelSerializer):
    guarantees = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Quote
        fields = ["id", "number", "product", "formula", "contact", "account", "guarantees", "insured_object",
                  "payment_frequency", "valid_until", "status", "refusal_reason", "policy", "owner", "agency",
                  *PREMIUM, "created_at"]
        read_only_fields = fields


class QuoteCreateSerializer(TermsInput):
    valid_until = serializers.DateField(required=False, allow_null=True)


class QuoteAcceptSerializer(serializers.Serializer):
    effective_date = serializers.DateField(required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=DistributionChannel.choices, default="agence")
    intermediary = serializers.CharField(required=False, allow_blank=True, max_length=150)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


class PolicySerializer(serializers.ModelSerializer):
    guarantees = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Policy
        fields = ["id", "number", "product", "formula", "contact", "account", "guarantees", "insured_object",
                  "effective_date", "expiry_date", "payment_frequency", "channel", "intermediary", "status",
                  "status_label", "status_date", "status_reason", "previous_policy", "non_renewal_reason", "owner",
                  "agency", *PREMIUM, "created_at", "updated_at"]
        read_only_fields = fields


class PolicyCreateSerializer(TermsInput):
    effective_date = serializers.DateField()
    expiry_date = serializers.DateField(required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=DistributionChannel.choices, default="agence")
    intermediary = serializers.CharField(required=False, allow_blank=True, max_length=150)
    number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    owner = VisibleRelatedField(get_user_model(), required=False, allow_null=True)
    agency = VisibleRelatedField(Agency, required=False, allow_null=True)


class EndorseSerializer(serializers.Serializer):
    effective_date = serializers.DateField()
    description = serializers.CharField(max_length=255)
    formula = VisibleRelatedField(Formula, required=False, allow_null=True)
    guarantees = VisibleRelatedField(Guarantee, many=True, required=False, allow_null=True)
    insured_object = serializers.DictField(required=False)


class EndorsementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    effective_date = serializers.DateField()
    description = serializers.CharField()
    premium_delta = serializers.DecimalField(max_digits=14, decimal_places=2)
    prorated_delta = serializers.DecimalField(max_digits=14, decimal_places=2)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)
    on = serializers.DateField(required=False, allow_null=True)


class ClaimSerializer(serializers.ModelSerializer):
    policy = VisibleRelatedField(Policy)
    guarantee = VisibleRelatedField(Guarantee, required=False, allow_null=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Claim
        fields = ["id", "number", "policy", "contact", "account", "claim_type", "guarantee", "loss_date",
                  "declared_on", "declaration_channel", "place", "circumstances", "third_parties",
                  "estimated_amount", "reserve", "paid_amount", "out_of_cover", "cover_note", "expert",
                  "expert_appointed_on", "expert_report_on", "documents", "event", "status", "status_label",
                  "status_changed_at", "closed_at", "owner", "agency", "created_at"]
        read_only_fields = ["number", "contact", "account", "paid_amount", "out_of_cover", "cover_note", "documents",
                            "status", "status_changed_at", "closed_at", "owner", "agency", "created_at"]
        extra_kwargs = {"claim_type": {"choices": ClaimType.choices}, "declared_on": {"required": False},
                        "declaration_channel": {"choices": DeclarationChannel.choices}}


class ClaimTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


class InstalmentSerializer(serializers.ModelSerializer):
    policy_number = serializers.CharField(source="policy.number", read_only=True)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Instalment
        fields = ["id", "policy", "policy_number", "contact", "account", "sequence", "due_date", "amount",
                  "paid_amount", "status", "label", "agency", "owner"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    policy = VisibleRelatedField(Policy)
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    paid_on = serializers.DateField(required=False)

    class Meta:
        model = Payment
        fields = ["id", "policy", "contact", "account", "amount", "method", "paid_on", "reference", "created_at"]
        read_only_fields = ["contact", "account", "created_at"]
