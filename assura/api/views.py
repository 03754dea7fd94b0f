"""API views of the identity and platform apps: declarations on the tenant viewsets.

Reads come from `visible_to(user)` (another company's object is a 404); `required_actions`
maps each DRF action to the permission matrix (403 before anything changes); every write
calls a service, whose Django ValidationError the exception handler renders as 400.
"""

from __future__ import annotations

from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from assura.api import serializers as s
from assura.core.filters import AuditEventFilterSet, JobFilterSet
from assura.core.models import AuditEvent, Job
from assura.core.permissions import PERMISSIONS, Role
from assura.core.viewsets import TenantModelViewSet, TenantReadOnlyViewSet
from assura.identity import selectors, services
from assura.identity.choices import UserStatus
from assura.identity.filters import AgencyFilterSet, UserFilterSet
from assura.identity.models import Agency, ApiToken, PermissionGroup, Region, User

BAD_CREDENTIALS = _("Adresse e-mail ou mot de passe incorrect.")


def service_values(serializer, fields: tuple[str, ...]) -> dict:
    """The validated input, completed with the instance's current values (PATCH)."""
    current = {f: getattr(serializer.instance, f) for f in fields} if serializer.instance is not None else {}
    return {**current, **serializer.validated_data}


# --- Auth --------------------------------------------------------------------------------------

class TokenObtainView(APIView):
    """Exchange e-mail and password (and the 2FA code when enabled) for a personal API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        tags=["auth"], auth=[], request=s.TokenObtainSerializer,
        responses={
            201: s.NewApiTokenSerializer,
            400: OpenApiResponse(description="Wrong credentials, inactive account, or missing or wrong 2FA code."),
        },
    )
    def post(self, request):
        form = s.TokenObtainSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user = authenticate(request, email=data["email"], password=data["password"])
        if user is None:
            raise ValidationError({"non_field_errors": [BAD_CREDENTIALS]})
        self.check_second_factor(user, data.get("code", ""))
        token, key = services.token_create(user=user, name=data.get("name", ""), request=request)
        token.key = key
        return Response(s.NewApiTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def check_second_factor(user, code: str) -> None:
        # A password alone must not open the API to an account protected by 2FA.
        if not is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]):
            return
        if not code:
            raise ValidationError({"code": [_("Saisissez le code de votre application d'authentification.")]})
        form = AuthenticateForm(user=user, data={"code": code})
        if not form.is_valid():
            raise ValidationError({"code": form.errors.get("code") or [_("Code incorrect.")]})


@extend_schema(tags=["auth"])
class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own API tokens; DELETE revokes one."""

    serializer_class = s.ApiTokenSerializer
    ordering_fields = ["created_at", "last_used_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return selectors.token_list(user=self.request.user)

    def perform_destroy(self, instance):
        services.token_revoke(actor=self.request.user, token=instance, request=self.request)


class MeView(APIView):
    """The signed-in user, their company, agency and effective permissions."""

    @extend_schema(tags=["auth"], responses=s.MeSerializer)
    def get(self, request):
        user = User.objects.select_related("agency", "organization").get(pk=request.user.pk)
        return Response(s.MeSerializer(user, context={"request": request}).data)


# --- People --------------------------------------------------------------------------------------

@extend_schema_view(
    create=extend_schema(summary="Invite a user", request=s.UserInviteSerializer, responses={201: s.UserSerializer}),
    partial_update=extend_schema(request=s.UserUpdateSerializer, responses=s.UserSerializer),
    destroy=extend_schema(summary="Revoke a pending invitation", responses={204: None}),
)
class UserViewSet(TenantModelViewSet):
    """People of the company. POST invites by e-mail; DELETE revokes a pending invitation only."""

    model = User
    serializer_class = s.UserSerializer
    filterset_class = UserFilterSet  # its `q` searches, for the list page and the API alike
    ordering_fields = ["last_name", "email", "date_joined", "last_login"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Role and group changes additionally need `roles.manage`, checked by the service.
    required_actions = {"list": "users.view", "retrieve": "users.view", "*": "users.manage"}

    def get_queryset(self):
        return selectors.user_list(user=self.request.user)

    def render(self, user, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=user.pk)  # relations as changed by the service
        return Response(s.UserSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        form = s.UserInviteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = services.user_invite(actor=request.user, request=request, **form.validated_data)
        return self.render(user, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        form = s.UserUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        # One request, one outcome: a refused role change also undoes the detail edits.
        with transaction.atomic():
            if any(f in data for f in form.DETAIL_FIELDS):
                details = {f: data.get(f, getattr(user, f)) for f in form.DETAIL_FIELDS}
                services.user_update(actor=request.user, user=user, request=request, **details)
            if "role" in data or "groups" in data:
                services.user_change_role(
                    actor=request.user, user=user, role=data.get("role", user.role), groups=data.get("groups"),
                    request=request,
                )
        return self.render(user)

    def destroy(self, request, *args, **kwargs):
        user = self.get_object()
        if user.status != UserStatus.INVITED:
            raise ValidationError({"non_field_errors": [
                _("Seule une invitation en attente peut être supprimée : désactivez plutôt cet utilisateur.")
            ]})
        services.invitation_revoke(actor=request.user, user=user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=s.UserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        return self.render(services.user_deactivate(actor=request.user, user=self.get_object(), request=request))

    @extend_schema(request=None, responses=s.UserSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        return self.render(services.user_reactivate(actor=request.user, user=self.get_object(), request=request))

    @extend_schema(request=None, responses=s.UserSerializer)
    @action(detail=True, methods=["post"], url_path="resend-invitation")
    def resend_invitation(self, request, pk=None):
        invitation = services.invitation_resend(actor=request.user, user=self.get_object(), request=request)
        return self.render(invitation.user)


# --- Network -------------------------------------------------------------------------------------

NETWORK_ACTIONS = {"list": "agencies.view", "retrieve": "agencies.view", "*": "agencies.manage"}
NO_PUT_NO_DELETE = ["get", "post", "patch", "head", "options"]


class RegionViewSet(TenantModelViewSet):
    """Regional directorates grouping the agencies."""

    model = Region
    serializer_class = s.RegionSerializer
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    http_method_names = NO_PUT_NO_DELETE
    required_actions = NETWORK_ACTIONS

    def perform_create(self, serializer):
        serializer.instance = services.region_save(
            actor=self.request.user, region=serializer.instance, request=self.request,
            **service_values(serializer, ("code", "name")),
        )

    perform_update = perform_create


class AgencyViewSet(TenantModelViewSet):
    """Agencies of the company's network, numbered like 016-003."""

    model = Agency
    serializer_class = s.AgencySerializer
    filterset_class = AgencyFilterSet
    ordering_fields = ["number", "name", "wilaya"]
    select_related = ("region",)
    http_method_names = NO_PUT_NO_DELETE
    required_actions = NETWORK_ACTIONS
    FIELDS = ("number", "name", "wilaya", "region", "address", "phone", "is_active")

    def perform_create(self, serializer):
        serializer.instance = services.agency_save(
            actor=self.request.user, agency=serializer.instance, request=self.request,
            **service_values(serializer, self.FIELDS),
        )

    perform_update = perform_create


# --- Roles and permissions -------------------------------------------------------------------------

class PermissionGroupViewSet(TenantModelViewSet):
    """Custom groups of permissions, granted to users on top of their role."""

    model = PermissionGroup
    serializer_class = s.PermissionGroupSerializer
    search_fields = ["name"]
    ordering_fields = ["name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    required_actions = {"*": "roles.manage"}
    FIELDS = ("name", "description", "permissions")

    def get_queryset(self):
        return super().get_queryset().annotate(members_count=Count("members"))

    def perform_create(self, serializer):
        group = services.group_save(
            actor=self.request.user, group=serializer.instance, request=self.request,
            **service_values(serializer, self.FIELDS),
        )
        serializer.instance = self.get_queryset().get(pk=group.pk)

    perform_update = perform_create

    def perform_destroy(self, instance):
        services.group_delete(actor=self.request.user, group=instance, request=self.request)


@extend_schema(tags=["permissions"])
class PermissionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The permission matrix: each action with the roles granted it by default."""

    serializer_class = s.PermissionSerializer
    filter_backends: list = []

    def get_queryset(self):
        return [
            {"code": code, "label": label, "roles": [role for role in Role.values if role in roles]}
            for code, (label, roles) in PERMISSIONS.items()
        ]


# --- Platform ------------------------------------------------------------------------------------

class JobViewSet(TenantReadOnlyViewSet):
    """Background jobs (imports, exports, sends) with their progress and result."""

    model = Job
    serializer_class = s.JobSerializer
    filterset_class = JobFilterSet
    ordering_fields = ["created_at", "finished_at"]
    required_actions = {"*": "jobs.view"}


class AuditEventViewSet(TenantReadOnlyViewSet):
    """The security audit log: sign-ins, permission changes, exports, imports, deletions."""

    model = AuditEvent
    serializer_class = s.AuditEventSerializer
    filterset_class = AuditEventFilterSet
    search_fields = ["actor_email", "object_repr"]
    ordering_fields = ["created_at"]
    required_actions = {"*": "audit.view"}



class SwaggerView(SpectacularSwaggerSplitView):
    """The docs page; its init script is fetched from `?script=` (no inline script under the CSP)."""

    template_name = "api/swagger_ui.html"
