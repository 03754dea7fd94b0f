"""API of the portfolio: /products/, /quotes/, /policies/ (+ renew, endorse, cancel),
/claims/ (+ transition), /receivables/, /payments/. Reads from `visible_to(user)`; writes
need the action (403 first) and call the services (ValidationError → 400 `{"field": [...]}`)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assura.core.viewsets import TenantReadOnlyViewSet, TenantViewSetMixin
from assura.portfolio import selectors, services
from assura.portfolio.api import serializers as s
from assura.portfolio.filters import (
    ClaimFilterSet,
    InstalmentFilterSet,
    PaymentFilterSet,
    PolicyFilterSet,
    QuoteFilterSet,
)
from assura.portfolio.models import Claim, Instalment, Payment, Policy, Product, Quote

POLICIES, CLAIMS, PAYMENTS = "policies.edit", "claims.edit", "payments.record"


class CreateListRetrieve(TenantViewSetMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                         mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pass


class ProductViewSet(TenantReadOnlyViewSet):
    """The company's catalogue: products with their guarantees and formulas."""

    model = Product
    serializer_class = s.ProductSerializer

    def get_queryset(self):
        return (super().get_queryset().select_related("branch")
                .prefetch_related("guarantees", "formulas__included", "formulas__optional"))


class QuoteViewSet(CreateListRetrieve):
    model = Quote
    serializer_class = s.QuoteSerializer
    filterset_class = QuoteFilterSet
    required_actions = {"create": POLICIES, "accept": POLICIES, "refuse": POLICIES}

    def get_queryset(self):
        return selectors.quote_list(user=self.request.user).prefetch_related("guarantees").order_by("-created_at",
                                                                                                     "-pk")

    @extend_schema(request=s.QuoteCreateSerializer, responses={201: s.QuoteSerializer})
    def create(self, request, *args, **kwargs):
        form = s.QuoteCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        quote = services.quote_create(actor=request.user, request=request, **form.validated_data)
        return Response(s.QuoteSerializer(quote).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.QuoteAcceptSerializer, responses={201: s.PolicySerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the quote: the policy is issued."""
        quote = self.get_object()
        form = s.QuoteAcceptSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        policy = services.quote_accept(actor=request.user, quote=quote, **form.validated_data)
        return Response(s.PolicySerializer(policy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReasonSerializer, responses={200: s.QuoteSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        quote = self.get_object()
        form = s.ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        quote = services.quote_refuse(actor=request.user, quote=quote, **form.validated_data)
        return Response(s.QuoteSerializer(quote).data)


class PolicyViewSet(CreateListRetrieve):
    model = Policy
    serializer_class = s.PolicySerializer
    filterset_class = PolicyFilterSet
    required_actions = {"create": POLICIES, "renew": POLICIES, "endorse": POLICIES, "cancel": POLICIES}

    def get_queryset(self):
        return selectors.policy_list(user=self.request.user).prefetch_related("guarantees").order_by(
            "-effective_date", "-pk")

    @extend_schema(request=s.PolicyCreateSerializer, responses={201: s.PolicySerializer})
    def create(self, request, *args, **kwargs):
        form = s.PolicyCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        policy = services.policy_create(actor=request.user, request=request, **form.validated_data)
        return Response(s.PolicySerializer(policy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: s.PolicySerializer,
                                            400: OpenApiResponse(description="Not renewable.")})
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        """Issue the next term, linked to this policy."""
        new = services.policy_renew(actor=request.user, policy=self.get_object())
        return Response(s.PolicySerializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.EndorseSerializer, responses={201: s.EndorsementSerializer})
    @action(detail=True, methods=["post"])
    def endorse(self, request, pk=None):
        """An endorsement (avenant) effective from a date; the previous terms stay as a version."""
        policy = self.get_object()
        form = s.EndorseSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        endorsement = services.policy_endorse(actor=request.user, policy=policy, **form.validated_data)
        return Response(s.EndorsementSerializer(endorsement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CancelSerializer, responses={200: s.PolicySerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel (résilier) the policy with a reason."""
        policy = self.get_object()
        form = s.CancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        policy = services.policy_cancel(actor=request.user, policy=policy, **form.validated_data)
        return Response(s.PolicySerializer(policy).data)


class ClaimViewSet(CreateListRetrieve):
    model = Claim
    serializer_class = s.ClaimSerializer
    filterset_class = ClaimFilterSet
    required_actions = {"create": CLAIMS, "transition": CLAIMS}

    def get_queryset(self):
        return selectors.claim_list(user=self.request.user).order_by("-declared_on", "-pk")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        policy = data.pop("policy")
        for key in ("reserve", "declared_on"):
            if data.get(key) is None:
                data.pop(key, None)
        serializer.instance = services.claim_declare(actor=self.request.user, policy=policy, request=self.request,
                                                     **data)

    @extend_schema(request=s.ClaimTransitionSerializer, responses={200: s.ClaimSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the claim along its workflow (déclaré → instruction → expertise → offre → réglé / refusé / classé)."""
        claim = self.get_object()
        form = s.ClaimTransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.claim_transition(actor=request.user, claim=claim, **form.validated_data)
        return Response(s.ClaimSerializer(claim, context=self.get_serializer_context()).data)


class ReceivableViewSet(TenantReadOnlyViewSet):
    """Instalments (échéances); `?status=echue|impayee|…`."""

    model = Instalment
    serializer_class = s.InstalmentSerializer
    filterset_class = InstalmentFilterSet

    def get_queryset(self):
        return selectors.instalment_list(user=self.request.user).order_by("due_date", "pk")


class PaymentViewSet(CreateListRetrieve):
    model = Payment
    serializer_class = s.PaymentSerializer
    filterset_class = PaymentFilterSet
    required_actions = {"create": PAYMENTS}

    def get_queryset(self):
        return selectors.payment_list(user=self.request.user).order_by("-paid_on", "-pk")

    def perform_create(self, serializer):
        serializer.instance = services.payment_record(actor=self.request.user, request=self.request,
                                                      **serializer.validated_data)
