"""Writes of the identity app: companies, agencies, people, roles, invitations, tokens.

Every function is keyword-only, runs in a transaction, validates with full_clean()
and records the security-relevant ones in the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assura.core.audit import audit_record
from assura.core.models import AuditAction
from assura.core.permissions import PERMISSIONS, Role, user_can
from assura.core.validators import normalize_phone, validate_logo
from assura.identity.choices import UserStatus
from assura.identity.models import Agency, ApiToken, Invitation, Organization, PermissionGroup, Region, User

INVITATION_SALT = "assura.invitation"


def _require(actor, action: str) -> None:
    if not user_can(actor, action):
        raise PermissionDenied


def _same_company(actor, obj) -> None:
    # Services trust nothing: an object of another company is treated as missing.
    if getattr(obj, "organization_id", None) != actor.organization_id:
        from django.http import Http404

        raise Http404


# --- Companies ---------------------------------------------------------------------------------

ORGANIZATION_FIELDS = (
    "name",
    "address",
    "mobile",
    "employees_count",
    "email",
    "trade_register_number",
    "website",
    "postal_code",
)


@transaction.atomic
def organization_create(*, user: User, request=None, logo=None, **fields) -> Organization:
    """The technical sheet of a new company; its author becomes its first administrator."""
    if user.organization_id is not None:
        raise ValidationError(_("Votre compte appartient déjà à une entreprise."))
    fields["mobile"] = _phone_field("mobile", fields.get("mobile", ""))
    if logo:
        _logo_field(logo)
    org = Organization(**{k: fields.get(k, "") for k in ORGANIZATION_FIELDS}, logo=logo or "")
    org.full_clean()
    org.save()
    user.organization = org
    user.role = Role.ADMIN
    user.status = UserStatus.ACTIVE
    user.save(update_fields=["organization", "role", "status"])
    audit_record(action=AuditAction.ORGANIZATION_CREATED, actor=user, organization=org, target=org, request=request)
    return org


@transaction.atomic
def organization_update(*, actor: User, request=None, logo=None, remove_logo=False, **fields) -> Organization:
    _require(actor, "workspace.manage")
    org = Organization.objects.select_for_update().get(pk=actor.organization_id)
    if "mobile" in fields:
        fields["mobile"] = _phone_field("mobile", fields["mobile"])
    changed = {}
    for key in (*ORGANIZATION_FIELDS, "user_visibility"):
        if key in fields and getattr(org, key) != fields[key]:
            changed[key] = [str(getattr(org, key)), str(fields[key])]
            setattr(org, key, fields[key])
    if logo:
        _logo_field(logo)
        org.logo = logo
        changed["logo"] = ["", logo.name]
    elif remove_logo:
        org.logo = ""
        changed["logo"] = ["", ""]
    org.full_clean()
    org.save()
    if changed:
        audit_record(
            action=AuditAction.ORGANIZATION_UPDATED, actor=actor, target=org, request=request, data={"changes": changed}
        )
    return org


def _phone_field(field: str, value: str) -> str:
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _logo_field(logo) -> None:
    try:
        validate_logo(logo)
    except ValidationError as exc:
        raise ValidationError({"logo": exc.messages}) from None


# --- Regions and agencies ----------------------------------------------------------------------


@transaction.atomic
def region_save(*, actor: User, region: Region | None = None, code: str, name: str, request=None) -> Region:
    _require(actor, "agencies.manage")
    if region is None:
        region = Region(organization_id=actor.organization_id)
    else:
        _same_company(actor, region)
    region.code, region.name = code.strip(), name.strip()
    region.full_clean()
    region.save()
    audit_record(action=AuditAction.AGENCY_CHANGED, actor=actor, target=region, request=request)
    return region


@transaction.atomic
def agency_save(
    *,
    actor: User,
    agency: Agency | None = None,
    number: str,
    name: str,
    wilaya: str,
    region: Region | None = None,
    address: str = "",
    phone: str = "",
    is_active: bool = True,
    request=None,
) -> Agency:
    _require(actor, "agencies.manage")
    if agency is None:
        agency = Agency(organization_id=actor.organization_id)
    else:
        _same_company(actor, agency)
    if region is not None:
        _same_company(actor, region)
    agency.number, agency.name, agency.wilaya = number.strip(), name.strip(), wilaya
    agency.region, agency.address, agency.is_active = region, address.strip(), is_active
    agency.phone = _phone_field("phone", phone) if phone else ""
    agency.full_clean()
    agency.save()
    audit_record(action=AuditAction.AGENCY_CHANGED, actor=actor, target=agency, request=request)
    return agency


# --- Invitations -------------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation, request=None) -> str:
    path = reverse("identity:invitation_accept", args=[invitation_token(invitation)])
    return request.build_absolute_uri(path) if request is not None else f"{settings.SITE_URL}{path}"


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation behind a link, or a ValidationError saying why not."""
    max_age = timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ValidationError(
            _("Ce lien d'invitation a expiré. Demandez à votre administrateur de le renvoyer."), code="expired"
        ) from None
    except signing.BadSignature:
        raise ValidationError(_("Ce lien d'invitation est invalide."), code="invalid") from None
    invitation = (
        Invitation.objects.select_related("user", "organization", "user__agency").filter(pk=payload.get("i")).first()
    )
    if invitation is None or invitation.nonce != payload.get("n"):
        raise ValidationError(
            _(
                "Ce lien d'invitation n'est plus valable : une invitation plus récente a été "
                "envoyée, ou elle a été annulée."
            ),
            code="superseded",
        )
    if invitation.accepted_at:
        raise ValidationError(
            _("Cette invitation a déjà été utilisée. Connectez-vous avec votre adresse e-mail."), code="used"
        )
    if invitation.revoked_at:
        raise ValidationError(_("Cette invitation a été révoquée."), code="revoked")
    if invitation.expires_at <= timezone.now():
        raise ValidationError(
            _("Ce lien d'invitation a expiré. Demandez à votre administrateur de le renvoyer."), code="expired"
        )
    return invitation


def _send_invitation(invitation: Invitation, request=None) -> None:
    user = invitation.user
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "url": invitation_url(invitation, request),
        "invited_by": invitation.invited_by,
        "expires_at": invitation.expires_at,
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Invitation à rejoindre %(org)s sur Assura") % {"org": invitation.organization.name}
        body = render_to_string("identity/email/invitation.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


@transaction.atomic
def user_invite(
    *,
    actor: User,
    email: str,
    agency_number: str,
    role: str = Role.USER,
    first_name: str = "",
    last_name: str = "",
    request=None,
) -> User:
    """Invite a person by e-mail into the actor's company and one of its agencies."""
    _require(actor, "users.manage")
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    agency = None
    if not agency_number:
        errors["agency_number"] = [_("Indiquez le numéro de l'agence.")]
    else:
        agency = Agency.objects.filter(organization_id=actor.organization_id, number=agency_number.strip()).first()
        if agency is None:
            errors["agency_number"] = [_("Aucune agence de votre entreprise ne porte ce numéro.")]
    if role not in Role.values:
        errors["role"] = [_("Rôle inconnu.")]
    elif role != Role.USER and not user_can(actor, "roles.manage"):
        raise PermissionDenied
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("Cette adresse e-mail est déjà utilisée.")]
    user = User(
        email=email,
        organization_id=actor.organization_id,
        agency=agency,
        role=role,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        status=UserStatus.INVITED,
        is_active=False,
        invited_at=timezone.now(),
        language=actor.language,
    )
    user.set_unusable_password()
    try:
        # Fields already refused above are not validated twice (one clear message each).
        skip = ["password", *(["agency"] if "agency_number" in errors else [])]
        user.full_clean(exclude=[*skip, *(["email"] if "email" in errors else [])])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(m for m in messages if m not in errors.get(field, []))
    if errors:
        raise ValidationError(errors)
    user.save()
    invitation = Invitation.objects.create(
        organization_id=actor.organization_id,
        user=user,
        invited_by=actor,
        nonce=secrets.token_hex(16),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    _send_invitation(invitation, request)
    audit_record(
        action=AuditAction.INVITATION_SENT,
        actor=actor,
        target=user,
        request=request,
        data={"role": role, "agency": agency.number},
    )
    return user


def _pending_invitation(actor: User, user: User) -> Invitation:
    _require(actor, "users.manage")
    _same_company(actor, user)
    invitation = Invitation.objects.select_for_update().filter(user=user).first()
    if invitation is None or user.status != UserStatus.INVITED:
        raise ValidationError(_("Cet utilisateur n'a pas d'invitation en attente."))
    return invitation


@transaction.atomic
def invitation_resend(*, actor: User, user: User, request=None) -> Invitation:
    """A fresh link: the previous one stops working."""
    invitation = _pending_invitation(actor, user)
    invitation.nonce = secrets.token_hex(16)
    invitation.sent_at = timezone.now()
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    invitation.revoked_at = None
    invitation.save()
    user.invited_at = invitation.sent_at
    user.save(update_fields=["invited_at"])
    _send_invitation(invitation, request)
    audit_record(action=AuditAction.INVITATION_RESENT, actor=actor, target=user, request=request)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, user: User, request=None) -> None:
    """Cancel a pending invitation: the link stops working and the invited account is removed."""
    invitation = _pending_invitation(actor, user)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(action=AuditAction.INVITATION_REVOKED, actor=actor, target=user, request=request)
    user.delete()


@transaction.atomic
def invitation_accept(*, token: str, first_name: str, last_name: str, password: str, request=None) -> User:
    invitation = invitation_from_token(token)
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if invitation.accepted_at:  # accepted by a concurrent request
        raise ValidationError(_("Cette invitation a déjà été utilisée. Connectez-vous avec votre adresse e-mail."))
    user = invitation.user
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    errors = {}
    if not user.first_name:
        errors["first_name"] = [_("Ce champ est obligatoire.")]
    if not user.last_name:
        errors["last_name"] = [_("Ce champ est obligatoire.")]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.is_active = True
    user.status = UserStatus.ACTIVE
    user.full_clean()
    user.save()
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    # The link came to this mailbox: the address is verified.
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    audit_record(action=AuditAction.INVITATION_ACCEPTED, actor=user, target=user, request=request)
    return user


# --- Users and roles ---------------------------------------------------------------------------


def _active_admin_count(organization_id, *, excluding: User) -> int:
    return (
        User.objects.filter(organization_id=organization_id, role=Role.ADMIN, is_active=True)
        .exclude(pk=excluding.pk)
        .count()
    )


def _lock_organization(organization_id) -> None:
    # Serialises role changes and deactivations within one company (last-admin rule).
    list(Organization.objects.select_for_update().filter(pk=organization_id).values_list("pk"))


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    first_name: str,
    last_name: str,
    phone: str = "",
    job_title: str = "",
    agency: Agency | None = None,
    request=None,
) -> User:
    """Edit a person's details. Administrators edit anyone in the company; a user edits self."""
    if actor.pk != user.pk:
        _require(actor, "users.manage")
    _same_company(actor, user)
    if agency is not None:
        _same_company(actor, agency)
    before = {f: str(getattr(user, f) or "") for f in ("first_name", "last_name", "phone", "job_title", "agency_id")}
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.phone = _phone_field("phone", phone) if phone else ""
    user.job_title = job_title.strip()
    if actor.pk != user.pk or user_can(actor, "users.manage"):
        user.agency = agency
    user.full_clean(exclude=["password"])
    user.save()
    after = {f: str(getattr(user, f) or "") for f in before}
    changes = {f: [before[f], after[f]] for f in before if before[f] != after[f]}
    if changes:
        audit_record(
            action=AuditAction.USER_UPDATED, actor=actor, target=user, request=request, data={"changes": changes}
        )
    return user


@transaction.atomic
def user_change_role(
    *,
    actor: User,
    user: User,
    role: str,
    groups: list[PermissionGroup] | None = None,
    request=None,
) -> User:
    _require(actor, "roles.manage")
    _same_company(actor, user)
    if role not in Role.values:
        raise ValidationError({"role": [_("Rôle inconnu.")]})
    _lock_organization(actor.organization_id)
    demoting_admin = user.role == Role.ADMIN and role != Role.ADMIN and user.is_active
    if demoting_admin and _active_admin_count(user.organization_id, excluding=user) == 0:
        raise ValidationError({"role": [_("L'entreprise doit garder au moins un administrateur actif.")]})
    old_role = user.role
    old_groups = sorted(user.permission_groups.values_list("name", flat=True))
    user.role = role
    user.save(update_fields=["role"])
    data = {"role": [old_role, role]}
    if groups is not None:
        for group in groups:
            _same_company(actor, group)
        user.permission_groups.set(groups)
        data["groups"] = [old_groups, sorted(g.name for g in groups)]
    audit_record(action=AuditAction.ROLE_CHANGED, actor=actor, target=user, request=request, data=data)
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User, request=None) -> User:
    """A deactivated user can no longer sign in, and their sessions and tokens stop working."""
    _require(actor, "users.manage")
    _same_company(actor, user)
    if user.status == UserStatus.DEACTIVATED:
        return user
    if user.status == UserStatus.INVITED:
        raise ValidationError(_("Cette personne n'a pas encore accepté son invitation : révoquez l'invitation."))
    _lock_organization(actor.organization_id)
    if user.role == Role.ADMIN and _active_admin_count(user.organization_id, excluding=user) == 0:
        raise ValidationError(_("L'entreprise doit garder au moins un administrateur actif."))
    user.is_active = False
    user.status = UserStatus.DEACTIVATED
    user.deactivated_at = timezone.now()
    user.save(update_fields=["is_active", "status", "deactivated_at"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(action=AuditAction.USER_DEACTIVATED, actor=actor, target=user, request=request)
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User, request=None) -> User:
    _require(actor, "users.manage")
    _same_company(actor, user)
    if user.status != UserStatus.DEACTIVATED:
        return user
    user.is_active = True
    user.status = UserStatus.ACTIVE
    user.deactivated_at = None
    user.save(update_fields=["is_active", "status", "deactivated_at"])
    audit_record(action=AuditAction.USER_REACTIVATED, actor=actor, target=user, request=request)
    return user


@transaction.atomic
def user_preferences_update(*, user: User, language: str | None = None, theme: str | None = None) -> User:
    if language is not None:
        user.language = language
    if theme is not None:
        user.theme = theme
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language", "theme"])
    return user


# --- Custom permission groups ----------------------------------------------------------------


@transaction.atomic
def group_save(
    *,
    actor: User,
    group: PermissionGroup | None = None,
    name: str,
    description: str = "",
    permissions: list[str],
    request=None,
) -> PermissionGroup:
    _require(actor, "roles.manage")
    unknown = [p for p in permissions if p not in PERMISSIONS]
    if unknown:
        raise ValidationError({"permissions": [_("Permission inconnue : %(p)s") % {"p": ", ".join(unknown)}]})
    if group is None:
        group = PermissionGroup(organization_id=actor.organization_id)
    else:
        _same_company(actor, group)
    before = sorted(group.permissions or [])
    group.name, group.description, group.permissions = name.strip(), description.strip(), sorted(set(permissions))
    group.full_clean()
    group.save()
    audit_record(
        action=AuditAction.GROUP_CHANGED,
        actor=actor,
        target=group,
        request=request,
        data={"permissions": [before, group.permissions]},
    )
    return group


@transaction.atomic
def group_delete(*, actor: User, group: PermissionGroup, request=None) -> None:
    _require(actor, "roles.manage")
    _same_company(actor, group)
    audit_record(action=AuditAction.GROUP_DELETED, actor=actor, target=group, request=request)
    group.delete()


# --- API tokens --------------------------------------------------------------------------------


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str = "", request=None) -> tuple[ApiToken, str]:
    """A new token for `user`; the raw key is returned once and never stored."""
    if not user.is_active or not user.organization_id:
        raise PermissionDenied
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(user=user, name=name.strip()[:80], prefix=key[:8], key_hash=_hash_key(key))
    audit_record(action=AuditAction.TOKEN_CREATED, actor=user, target=token, request=request)
    return token, key


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken, request=None) -> ApiToken:
    if token.user_id != actor.pk:
        from django.http import Http404

        raise Http404
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action=AuditAction.TOKEN_REVOKED, actor=actor, target=token, request=request)
    return token


def token_authenticate(key: str) -> tuple[User, ApiToken] | None:
    token = (
        ApiToken.objects.select_related("user", "user__organization")
        .filter(key_hash=_hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
