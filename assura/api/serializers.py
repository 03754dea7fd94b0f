"""Serializers of the identity and platform API. They parse and render; services write.

Relations that name tenant rows (agency, region, groups) are resolved through
`visible_to(request.user)`, so another company's id is an invalid choice (400), never a
way to reach across companies.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assura.core.models import AuditEvent, Job
from assura.core.permissions import PERMISSIONS, Role, user_actions
from assura.identity.models import Agency, ApiToken, PermissionGroup, Region, User


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key among the rows the requesting user can see."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.model.objects.visible_to(getattr(request, "user", None))


# --- Auth --------------------------------------------------------------------------------------

class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField(label=_("Adresse e-mail"))
    password = serializers.CharField(label=_("Mot de passe"), style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(label=_("Nom du jeton"), max_length=80, required=False, allow_blank=True)
    code = serializers.CharField(
        label=_("Code de double authentification"), required=False, allow_blank=True,
        help_text=_("Obligatoire si la double authentification est activée sur le compte."),
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class NewApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(source="key", read_only=True, help_text=_("La clé, affichée une seule fois."))

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields


# --- People --------------------------------------------------------------------------------------

class AgencyBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "number", "name"]


class GroupBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = PermissionGroup
        fields = ["id", "name"]


class OrganizationBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class UserSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    agency = AgencyBriefSerializer(read_only=True, allow_null=True)
    groups = GroupBriefSerializer(source="permission_groups", many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id", "email", "first_name", "last_name", "role", "role_label", "status", "status_label", "agency",
            "groups", "phone", "job_title", "is_active", "date_joined", "last_login", "invited_at", "deactivated_at",
        ]
        read_only_fields = fields


class UserInviteSerializer(serializers.Serializer):
    email = serializers.EmailField(label=_("Adresse e-mail"))
    agency_number = serializers.CharField(label=_("Numéro d'agence"), max_length=7)
    role = serializers.ChoiceField(label=_("Rôle"), choices=Role.choices, default=Role.USER)
    first_name = serializers.CharField(label=_("Prénom"), max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(
        label=pgettext_lazy("nom de famille", "Nom"), max_length=150, required=False, allow_blank=True
    )


class UserUpdateSerializer(serializers.Serializer):
    """Only the fields sent change. Changing `role` or `groups` needs the `roles.manage` permission."""

    # Details go to `user_update`; role and groups, when sent, to `user_change_role`.
    DETAIL_FIELDS = ("first_name", "last_name", "phone", "job_title", "agency")

    first_name = serializers.CharField(label=_("Prénom"), max_length=150, allow_blank=True)
    last_name = serializers.CharField(label=pgettext_lazy("nom de famille", "Nom"), max_length=150, allow_blank=True)
    phone = serializers.CharField(label=_("Téléphone"), max_length=20, allow_blank=True)
    job_title = serializers.CharField(label=_("Fonction"), max_length=100, allow_blank=True)
    agency = VisibleRelatedField(Agency, label=_("Agence"), allow_null=True)
    role = serializers.ChoiceField(label=_("Rôle"), choices=Role.choices)
    groups = serializers.ListField(
        child=VisibleRelatedField(PermissionGroup), label=_("Groupes"), allow_empty=True,
    )


class MeSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    agency = AgencyBriefSerializer(read_only=True, allow_null=True)
    organization = OrganizationBriefSerializer(read_only=True)
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "role_label", "agency", "organization",
                  "permissions", "language", "theme"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=list(PERMISSIONS))))
    def get_permissions(self, user) -> list[str]:
        return sorted(user_actions(user))


# --- Network -------------------------------------------------------------------------------------

class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]
        validators: list = []  # uniqueness within the company is the service's check


class AgencySerializer(serializers.ModelSerializer):
    region = VisibleRelatedField(Region, label=_("Direction régionale"), allow_null=True, required=False)
    region_name = serializers.CharField(source="region.name", read_only=True, allow_null=True, default=None)
    wilaya_label = serializers.CharField(source="get_wilaya_display", read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "number", "name", "region", "region_name", "wilaya", "wilaya_label", "address", "phone",
                  "is_active"]
        validators: list = []


# --- Permissions ---------------------------------------------------------------------------------

class PermissionSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), read_only=True)


class PermissionGroupSerializer(serializers.ModelSerializer):
    permissions = serializers.ListField(
        child=serializers.ChoiceField(choices=[(code, label) for code, (label, _roles) in PERMISSIONS.items()]),
        label=_("Permissions"), allow_empty=True,
    )
    members_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PermissionGroup
        fields = ["id", "name", "description", "permissions", "members_count"]
        validators: list = []


# --- Platform ------------------------------------------------------------------------------------

class JobSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    result_file = serializers.SerializerMethodField(help_text="URL of the produced file (session auth), or null.")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_result_file(self, job):
        if not job.result_file:
            return None
        url = reverse("core:job_download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    class Meta:
        model = Job
        fields = ["id", "kind", "status", "status_label", "progress", "total", "processed", "succeeded_count",
                  "failed_count", "errors", "result", "created_at", "started_at", "finished_at", "result_file"]
        read_only_fields = fields


class AuditEventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "action", "action_label", "actor", "actor_email", "object_type", "object_id",
                  "object_repr", "ip_address", "user_agent", "data"]
        read_only_fields = fields
