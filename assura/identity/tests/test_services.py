"""Services of the identity app: companies, invitations, roles, deactivation, groups, tokens, audit."""

import hashlib
import io
import os
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.http import Http404
from django.test import Client
from django.utils import timezone
from PIL import Image

from assura.core.models import AuditAction, AuditEvent
from assura.core.permissions import Role, user_can
from assura.core.testing import factories as f
from assura.identity import services
from assura.identity.choices import UserStatus
from assura.identity.models import Agency, ApiToken, Invitation, Organization, PermissionGroup, Region, User

NEW_PASSWORD = "Oran-Bahia-2026!"
INVITATION_LINK = re.compile(r"/invitation/([^/\s]+)/")

SHEET = {
    "name": "Sûreté Assurances",
    "address": "5 boulevard de la Soummam, Oran",
    "mobile": "0550 12 34 56",
    "employees_count": 120,
    "email": "contact@surete.dz",
    "trade_register_number": "31/00-1234567B12",
    "website": "https://surete.dz",
    "postal_code": "31000",
}


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()  # allauth counts failed sign-ins in the cache
    yield
    cache.clear()


@pytest.fixture
def founder(db):
    """A person who signed up and has not filled in the technical sheet yet."""
    return f.UserFactory(organization=None, email="fondateur@surete.dz", role=Role.USER)


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def invite(actor, *, email="nadia.kaci@alliance.test", agency_number="016-001", role=Role.USER, capture=None):
    """user_invite with its on-commit e-mail sent."""
    with capture(execute=True):
        return services.user_invite(actor=actor, email=email, agency_number=agency_number, role=role)


def link_token(message) -> str:
    return INVITATION_LINK.search(message.body).group(1)


def snapshot(*models):
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


# --- organization_create ---------------------------------------------------------------------------

def test_organization_create_makes_the_author_its_administrator(founder):
    org = services.organization_create(user=founder, **SHEET)

    founder.refresh_from_db()
    assert founder.organization == org
    assert founder.role == Role.ADMIN
    assert founder.status == UserStatus.ACTIVE
    assert org.name == "Sûreté Assurances"
    assert org.mobile == "+213550123456"
    assert org.employees_count == 120
    assert org.postal_code == "31000"
    assert org.logo.name == ""
    event = AuditEvent.objects.get()
    assert (event.action, event.organization, event.actor, event.object_type, event.object_id) == (
        AuditAction.ORGANIZATION_CREATED, org, founder, "organization", str(org.pk)
    )


def test_organization_create_accepts_the_international_phone_form(founder):
    org = services.organization_create(user=founder, **{**SHEET, "mobile": "+213 661 23 45 67"})

    assert org.mobile == "+213661234567"


def test_organization_create_stores_a_valid_logo(founder):
    logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")

    org = services.organization_create(user=founder, logo=logo, **SHEET)

    assert org.logo.name.startswith("logos/logo")
    assert org.logo.read()[:8] == b"\x89PNG\r\n\x1a\n"


def test_organization_create_refuses_a_second_company_for_the_same_person(admin, org):
    with pytest.raises(ValidationError) as exc:
        services.organization_create(user=admin, **SHEET)

    assert exc.value.messages == ["Votre compte appartient déjà à une entreprise."]
    assert list(Organization.objects.values_list("name", flat=True)) == ["Alliance Test"]
    admin.refresh_from_db()
    assert admin.organization == org


def test_organization_create_refuses_an_invalid_phone(founder):
    with pytest.raises(ValidationError) as exc:
        services.organization_create(user=founder, **{**SHEET, "mobile": "12 34"})

    assert exc.value.message_dict == {
        "mobile": ["Numéro de téléphone invalide. Exemples acceptés : 0550 12 34 56 ou +213 550 12 34 56."]
    }
    assert Organization.objects.count() == 0
    founder.refresh_from_db()
    assert founder.organization is None
    assert AuditEvent.objects.count() == 0


def test_organization_create_refuses_a_text_file_named_png(founder):
    logo = SimpleUploadedFile("logo.png", b"Ceci n'est pas une image.", content_type="image/png")

    with pytest.raises(ValidationError) as exc:
        services.organization_create(user=founder, logo=logo, **SHEET)

    assert exc.value.message_dict == {"logo": ["Le logo doit être une image PNG, JPEG ou WebP."]}
    assert Organization.objects.count() == 0


def test_organization_create_refuses_a_logo_over_2_mb(founder):
    # Random pixels do not compress: a real 1024×1024 PNG of about 3 MB.
    image = Image.frombytes("RGB", (1024, 1024), os.urandom(1024 * 1024 * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    assert buffer.tell() > 2 * 1024 * 1024
    logo = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")

    with pytest.raises(ValidationError) as exc:
        services.organization_create(user=founder, logo=logo, **SHEET)

    assert exc.value.message_dict == {"logo": ["Le logo ne doit pas dépasser 2 Mo."]}
    assert Organization.objects.count() == 0
    founder.refresh_from_db()
    assert founder.organization is None


# --- Regions and agencies ------------------------------------------------------------------------

def test_agency_save_creates_an_agency_of_the_company(admin, org):
    region = services.region_save(actor=admin, code="DR-O", name="Direction régionale Ouest")

    agency = services.agency_save(actor=admin, number="031-002", name=" Oran Est ", wilaya="31", region=region,
                                  phone="041 23 45 67")

    assert (agency.organization, agency.number, agency.name, agency.region) == (org, "031-002", "Oran Est", region)
    assert agency.phone == "+21341234567"
    assert AuditEvent.objects.filter(action=AuditAction.AGENCY_CHANGED).count() == 2


def test_agency_save_refuses_a_badly_formed_number(admin):
    with pytest.raises(ValidationError) as exc:
        services.agency_save(actor=admin, number="16-3", name="Oran Est", wilaya="31")

    assert exc.value.message_dict == {"number": ["Le numéro d'agence s'écrit sur le modèle 016-003 (wilaya-numéro)."]}


def test_agency_save_refuses_a_region_of_another_company(admin, other_org):
    foreign = f.RegionFactory(organization=other_org)

    with pytest.raises(Http404):
        services.agency_save(actor=admin, number="031-002", name="Oran Est", wilaya="31", region=foreign)

    assert not Agency.objects.filter(number="031-002").exists()


def test_the_same_agency_number_may_exist_in_another_company(admin, other_admin):
    agency = services.agency_save(actor=admin, number="031-001", name="Oran Centre", wilaya="31")

    assert agency.organization_id == admin.organization_id


def test_agency_save_reports_a_duplicate_number_on_its_field(admin, agency):
    with pytest.raises(ValidationError) as exc:
        services.agency_save(actor=admin, number="016-001", name="Doublon", wilaya="16")

    # Beside the "number" field of the form, not as a generic non-field error naming "Entreprise".
    assert list(exc.value.message_dict) == ["number"]
    assert list(Agency.objects.values_list("number", "name")) == [("016-001", agency.name)]


def test_region_save_reports_a_duplicate_code_on_its_field(admin, org):
    f.RegionFactory(organization=org, code="DR1", name="Centre")

    with pytest.raises(ValidationError) as exc:
        services.region_save(actor=admin, code="DR1", name="Doublon")

    assert list(exc.value.message_dict) == ["code"]
    assert list(Region.objects.values_list("code", "name")) == [("DR1", "Centre")]


# --- user_invite ---------------------------------------------------------------------------------

def test_user_invite_creates_an_invited_user_and_sends_one_email(
    admin, agency, mailoutbox, django_capture_on_commit_callbacks
):
    user = invite(admin, role=Role.EDITOR, capture=django_capture_on_commit_callbacks)

    user.refresh_from_db()
    assert user.email == "nadia.kaci@alliance.test"
    assert user.organization_id == admin.organization_id
    assert user.agency == agency
    assert user.role == Role.EDITOR
    assert user.status == UserStatus.INVITED
    assert user.is_active is False
    assert user.has_usable_password() is False
    assert user.invited_at is not None
    invitation = Invitation.objects.get(user=user)
    assert invitation.invited_by == admin
    assert invitation.is_pending is True
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nadia.kaci@alliance.test"]
    assert message.subject == "Invitation à rejoindre Alliance Test sur Assura"
    assert services.invitation_from_token(link_token(message)) == invitation
    event = AuditEvent.objects.get(action=AuditAction.INVITATION_SENT)
    assert (event.actor, event.organization_id, event.object_id, event.data) == (
        admin, admin.organization_id, str(user.pk), {"role": "editor", "agency": "016-001"}
    )


def test_user_invite_normalizes_the_email_address(admin, agency, django_capture_on_commit_callbacks):
    user = invite(admin, email="  Nadia.Kaci@Alliance.TEST ", capture=django_capture_on_commit_callbacks)

    assert user.email == "nadia.kaci@alliance.test"


@pytest.mark.parametrize(
    ("agency_number", "message"),
    [
        ("099-999", "Aucune agence de votre entreprise ne porte ce numéro."),
        ("031-001", "Aucune agence de votre entreprise ne porte ce numéro."),  # the other company's agency
        ("", "Indiquez le numéro de l'agence."),
    ],
)
def test_user_invite_refuses_an_agency_number_not_of_the_company(
    admin, agency, other_admin, agency_number, message, mailoutbox, django_capture_on_commit_callbacks
):
    before = snapshot(User, Invitation, AuditEvent)

    with pytest.raises(ValidationError) as exc, django_capture_on_commit_callbacks(execute=True):
        services.user_invite(actor=admin, email="nadia.kaci@alliance.test", agency_number=agency_number)

    assert exc.value.message_dict == {"agency_number": [message]}
    assert snapshot(User, Invitation, AuditEvent) == before
    assert mailoutbox == []


@pytest.mark.parametrize("email", ["admin@atlas.test", "ADMIN@Atlas.test", "editeur@alliance.test"])
def test_user_invite_refuses_an_email_used_in_any_company(
    admin, editor, agency, other_admin, email, mailoutbox, django_capture_on_commit_callbacks
):
    before = snapshot(User, Invitation, AuditEvent)

    with pytest.raises(ValidationError) as exc, django_capture_on_commit_callbacks(execute=True):
        services.user_invite(actor=admin, email=email, agency_number="016-001")

    assert exc.value.message_dict == {"email": ["Cette adresse e-mail est déjà utilisée."]}
    assert snapshot(User, Invitation, AuditEvent) == before
    assert mailoutbox == []


@pytest.mark.parametrize("email", ["pas-une-adresse", "nadia@", "nadia kaci@alliance.test"])
def test_user_invite_refuses_a_malformed_email(admin, agency, email, mailoutbox):
    before = snapshot(User, Invitation, AuditEvent)

    with pytest.raises(ValidationError) as exc:
        services.user_invite(actor=admin, email=email, agency_number="016-001")

    assert exc.value.message_dict == {"email": ["Saisissez une adresse e-mail valide."]}
    assert snapshot(User, Invitation, AuditEvent) == before
    assert mailoutbox == []


def test_user_invite_is_refused_to_a_non_administrator(editor, agency, mailoutbox):
    from django.core.exceptions import PermissionDenied

    before = snapshot(User, Invitation, AuditEvent)

    with pytest.raises(PermissionDenied):
        services.user_invite(actor=editor, email="nadia.kaci@alliance.test", agency_number="016-001")

    assert snapshot(User, Invitation, AuditEvent) == before


# --- Invitation links --------------------------------------------------------------------------

@pytest.fixture
def invited(admin, agency, mailoutbox, django_capture_on_commit_callbacks):
    """An invited user and the token of the link they received."""
    user = invite(admin, capture=django_capture_on_commit_callbacks)
    return user, link_token(mailoutbox[-1])


def accept(token):
    return services.invitation_accept(token=token, first_name=" Nadia ", last_name="Kaci", password=NEW_PASSWORD)


def test_invitation_accept_activates_the_user_and_verifies_the_email(invited):
    user, token = invited

    accepted = accept(token)

    assert accepted.pk == user.pk
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Nadia", "Kaci")
    assert user.is_active is True
    assert user.status == UserStatus.ACTIVE
    assert user.check_password(NEW_PASSWORD) is True
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("nadia.kaci@alliance.test", True, True)
    assert Invitation.objects.get(user=user).accepted_at is not None
    event = AuditEvent.objects.get(action=AuditAction.INVITATION_ACCEPTED)
    assert (event.actor, event.object_id) == (user, str(user.pk))
    assert Client().login(email="nadia.kaci@alliance.test", password=NEW_PASSWORD) is True


def test_invitation_link_is_single_use(invited):
    user, token = invited
    accept(token)
    user.refresh_from_db()
    before = model_to_dict(user)

    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=token, first_name="Autre", last_name="Personne", password="Autre-mot-2026!")

    assert exc.value.messages == ["Cette invitation a déjà été utilisée. Connectez-vous avec votre adresse e-mail."]
    assert exc.value.code == "used"
    user.refresh_from_db()
    assert model_to_dict(user) == before
    assert user.check_password(NEW_PASSWORD) is True


def test_expired_invitation_is_refused(invited):
    user, token = invited
    Invitation.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(ValidationError) as from_token:
        services.invitation_from_token(token)
    with pytest.raises(ValidationError) as on_accept:
        accept(token)

    expected = ["Ce lien d'invitation a expiré. Demandez à votre administrateur de le renvoyer."]
    assert from_token.value.messages == on_accept.value.messages == expected
    assert from_token.value.code == "expired"
    user.refresh_from_db()
    assert (user.is_active, user.status, user.has_usable_password()) == (False, UserStatus.INVITED, False)


def test_invitation_older_than_its_signature_max_age_is_refused(invited, settings):
    _user, token = invited
    settings.INVITATION_MAX_AGE_DAYS = 0  # the signed timestamp is now older than the allowed age

    with pytest.raises(ValidationError) as exc:
        services.invitation_from_token(token)

    assert exc.value.code == "expired"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "x" + t,
        lambda t: "n'importe-quoi",
    ],
    ids=["changed-signature", "changed-payload", "garbage"],
)
def test_tampered_invitation_link_is_refused(invited, tamper):
    user, token = invited

    with pytest.raises(ValidationError) as exc:
        accept(tamper(token))

    assert exc.value.messages == ["Ce lien d'invitation est invalide."]
    user.refresh_from_db()
    assert (user.is_active, user.status) == (False, UserStatus.INVITED)


def test_invitation_token_signed_for_another_invitation_id_is_refused(invited):
    from django.core import signing

    user, _token = invited
    forged = signing.dumps({"i": user.invitation.pk, "n": "0" * 32}, salt=services.INVITATION_SALT)

    with pytest.raises(ValidationError) as exc:
        services.invitation_from_token(forged)

    assert exc.value.code == "superseded"


def test_resend_replaces_the_link(invited, admin, mailoutbox, django_capture_on_commit_callbacks):
    user, old_token = invited

    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(actor=admin, user=user)

    assert len(mailoutbox) == 2
    new_token = link_token(mailoutbox[1])
    with pytest.raises(ValidationError) as exc:
        accept(old_token)
    assert exc.value.messages == [
        "Ce lien d'invitation n'est plus valable : une invitation plus récente a été envoyée, ou elle a été annulée."
    ]
    user.refresh_from_db()
    assert user.is_active is False
    assert accept(new_token).is_active is True
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION_RESENT, object_id=str(user.pk)).count() == 1


def test_revoke_refuses_the_link_and_removes_the_invited_user(invited, admin):
    user, token = invited

    services.invitation_revoke(actor=admin, user=user)

    assert not User.objects.filter(pk=user.pk).exists()
    assert not Invitation.objects.filter(user_id=user.pk).exists()
    with pytest.raises(ValidationError) as exc:
        accept(token)
    assert exc.value.code == "superseded"
    assert not User.objects.filter(email="nadia.kaci@alliance.test").exists()
    event = AuditEvent.objects.get(action=AuditAction.INVITATION_REVOKED)
    assert (event.actor, event.object_repr) == (admin, "nadia.kaci@alliance.test")


def test_other_company_admin_cannot_resend_or_revoke(invited, other_admin):
    user, token = invited
    before = snapshot(User, Invitation)

    with pytest.raises(Http404):
        services.invitation_resend(actor=other_admin, user=user)
    with pytest.raises(Http404):
        services.invitation_revoke(actor=other_admin, user=user)

    assert snapshot(User, Invitation) == before
    assert services.invitation_from_token(token).user == user


# --- Roles and the last-administrator rule ---------------------------------------------------------

def test_last_admin_cannot_be_demoted(admin):
    with pytest.raises(ValidationError) as exc:
        services.user_change_role(actor=admin, user=admin, role=Role.EDITOR)

    assert exc.value.message_dict == {"role": ["L'entreprise doit garder au moins un administrateur actif."]}
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    assert not AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGED).exists()


def test_a_deactivated_admin_does_not_count_as_another_admin(admin, org):
    f.UserFactory(organization=org, role=Role.ADMIN, is_active=False, status=UserStatus.DEACTIVATED)

    with pytest.raises(ValidationError):
        services.user_change_role(actor=admin, user=admin, role=Role.USER)

    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_an_admin_can_be_demoted_when_another_admin_remains(admin, org):
    second = f.UserFactory(organization=org, role=Role.ADMIN, email="admin2@alliance.test")

    services.user_change_role(actor=admin, user=second, role=Role.SUPERVISOR)

    second.refresh_from_db()
    assert second.role == Role.SUPERVISOR
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGED)
    assert (event.actor, event.object_id, event.data) == (admin, str(second.pk), {"role": ["admin", "supervisor"]})


def test_change_role_refuses_an_unknown_role(admin, agent):
    with pytest.raises(ValidationError) as exc:
        services.user_change_role(actor=admin, user=agent, role="superadmin")

    assert exc.value.message_dict == {"role": ["Rôle inconnu."]}
    agent.refresh_from_db()
    assert agent.role == Role.USER


def test_change_role_refuses_a_group_of_another_company(admin, agent, other_org):
    foreign = f.PermissionGroupFactory(organization=other_org, name="Auditeurs Atlas")

    with pytest.raises(Http404):
        services.user_change_role(actor=admin, user=agent, role=Role.USER, groups=[foreign])

    assert list(agent.permission_groups.all()) == []


def test_last_admin_cannot_be_deactivated(admin):
    with pytest.raises(ValidationError) as exc:
        services.user_deactivate(actor=admin, user=admin)

    assert exc.value.messages == ["L'entreprise doit garder au moins un administrateur actif."]
    admin.refresh_from_db()
    assert (admin.is_active, admin.status, admin.deactivated_at) == (True, UserStatus.ACTIVE, None)


def test_an_admin_can_be_deactivated_when_another_admin_remains(admin, org):
    second = f.UserFactory(organization=org, role=Role.ADMIN, email="admin2@alliance.test")

    services.user_deactivate(actor=admin, user=second)

    second.refresh_from_db()
    assert (second.is_active, second.status) == (False, UserStatus.DEACTIVATED)
    assert second.deactivated_at is not None


# --- Deactivation and reactivation ------------------------------------------------------------------

def test_deactivation_revokes_api_tokens(admin, agent):
    _token, key = services.token_create(user=agent, name="Script")
    assert services.token_authenticate(key)[0] == agent

    services.user_deactivate(actor=admin, user=agent)

    agent.refresh_from_db()
    assert (agent.is_active, agent.status) == (False, UserStatus.DEACTIVATED)
    assert ApiToken.objects.get(user=agent).revoked_at is not None
    assert services.token_authenticate(key) is None
    event = AuditEvent.objects.get(action=AuditAction.USER_DEACTIVATED)
    assert (event.actor, event.object_id) == (admin, str(agent.pk))


def test_deactivating_an_invited_user_is_refused(admin, invited):
    user, _token = invited

    with pytest.raises(ValidationError) as exc:
        services.user_deactivate(actor=admin, user=user)

    assert exc.value.messages == ["Cette personne n'a pas encore accepté son invitation : révoquez l'invitation."]
    user.refresh_from_db()
    assert user.status == UserStatus.INVITED


def test_user_reactivate_restores_access_but_not_revoked_tokens(admin, agent):
    _token, key = services.token_create(user=agent)
    services.user_deactivate(actor=admin, user=agent)

    services.user_reactivate(actor=admin, user=agent)

    agent.refresh_from_db()
    assert (agent.is_active, agent.status, agent.deactivated_at) == (True, UserStatus.ACTIVE, None)
    assert services.token_authenticate(key) is None
    assert Client().login(email=agent.email, password=f.PASSWORD) is True
    event = AuditEvent.objects.get(action=AuditAction.USER_REACTIVATED)
    assert (event.actor, event.object_id) == (admin, str(agent.pk))


def test_other_company_admin_cannot_deactivate(agent, other_admin):
    with pytest.raises(Http404):
        services.user_deactivate(actor=other_admin, user=agent)

    agent.refresh_from_db()
    assert (agent.is_active, agent.status) == (True, UserStatus.ACTIVE)


def test_deactivated_user_cannot_sign_in(admin, agent):
    services.user_deactivate(actor=admin, user=agent)

    assert Client().login(email="agent@alliance.test", password=f.PASSWORD) is False


def test_session_of_a_user_deactivated_afterwards_is_logged_out(admin, agent):
    browser = Client()
    browser.force_login(agent)
    assert browser.get("/home/").status_code == 200

    services.user_deactivate(actor=admin, user=agent)
    response = browser.get("/home/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/home/"


# --- Custom permission groups ---------------------------------------------------------------------

def test_group_save_creates_a_group_with_known_permissions(admin):
    group = services.group_save(actor=admin, name=" Auditeurs ", permissions=["audit.view", "audit.export"])

    assert group.name == "Auditeurs"
    assert group.organization_id == admin.organization_id
    assert group.permissions == ["audit.export", "audit.view"]
    event = AuditEvent.objects.get(action=AuditAction.GROUP_CHANGED)
    assert event.data == {"permissions": [[], ["audit.export", "audit.view"]]}


def test_group_save_refuses_an_unknown_permission(admin):
    with pytest.raises(ValidationError) as exc:
        services.group_save(actor=admin, name="Auditeurs", permissions=["audit.view", "bank.rob"])

    assert exc.value.message_dict == {"permissions": ["Permission inconnue : bank.rob"]}
    assert PermissionGroup.objects.count() == 0


@pytest.mark.parametrize("name", ["Auditeurs", "auditeurs", "AUDITEURS "])
def test_group_save_refuses_a_duplicate_name(admin, org, name):
    existing = f.PermissionGroupFactory(organization=org, name="Auditeurs", permissions=["audit.view"])

    with pytest.raises(ValidationError) as exc:
        services.group_save(actor=admin, name=name, permissions=["users.manage"])

    assert exc.value.message_dict == {"name": ["Un groupe porte déjà ce nom."]}
    assert list(PermissionGroup.objects.values_list("pk", "name", "permissions")) == [
        (existing.pk, "Auditeurs", ["audit.view"])
    ]


def test_group_name_can_be_reused_by_another_company(admin, other_org):
    f.PermissionGroupFactory(organization=other_org, name="Auditeurs")

    group = services.group_save(actor=admin, name="Auditeurs", permissions=["audit.view"])

    assert group.organization_id == admin.organization_id


def test_a_group_grants_its_actions(admin, agent):
    assert user_can(agent, "audit.view") is False
    group = services.group_save(actor=admin, name="Auditeurs", permissions=["audit.view"])

    services.user_change_role(actor=admin, user=agent, role=Role.USER, groups=[group])

    fresh = User.objects.get(pk=agent.pk)  # user_can caches the actions on the object
    assert user_can(fresh, "audit.view") is True
    assert user_can(fresh, "audit.export") is False
    assert user_can(fresh, "users.manage") is False


def test_a_group_grants_nothing_once_its_member_is_deactivated(admin, agent, org):
    group = f.PermissionGroupFactory(organization=org, permissions=["audit.view"])
    agent.permission_groups.add(group)
    services.user_deactivate(actor=admin, user=agent)

    assert user_can(User.objects.get(pk=agent.pk), "audit.view") is False


# --- API tokens -----------------------------------------------------------------------------------

def test_token_create_stores_only_the_sha256(agent):
    token, key = services.token_create(user=agent, name="Export nocturne")

    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert row["prefix"] == key[:8]
    assert row["name"] == "Export nocturne"
    assert all(key not in str(value) for value in row.values())
    assert services.token_authenticate(key) == (agent, token)
    assert services.token_authenticate(key + "0") is None
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_CREATED)
    assert (event.actor, event.object_id) == (agent, str(token.pk))


@pytest.mark.parametrize("intruder", ["admin", "other_admin"])
def test_token_revoke_by_another_user_is_refused(agent, intruder, request):
    token, key = services.token_create(user=agent)
    actor = request.getfixturevalue(intruder)

    with pytest.raises(Http404):
        services.token_revoke(actor=actor, token=token)

    token.refresh_from_db()
    assert token.revoked_at is None
    assert services.token_authenticate(key)[0] == agent


def test_token_revoke_by_its_owner(agent):
    token, key = services.token_create(user=agent)

    services.token_revoke(actor=agent, token=token)

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert services.token_authenticate(key) is None
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED, object_id=str(token.pk)).count() == 1


# --- Audit of sign-ins ----------------------------------------------------------------------------

def test_failed_sign_in_is_audited(agent, org):
    response = Client().post("/accounts/login/", {"login": "agent@alliance.test", "password": "wrong"})

    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (event.organization, event.actor, event.actor_email, event.ip_address, event.data) == (
        org, None, "agent@alliance.test", "127.0.0.1", {"known_account": True}
    )


def test_failed_sign_in_with_an_unknown_email_is_audited_without_company(db):
    Client().post("/accounts/login/", {"login": "inconnu@nulle-part.test", "password": "wrong"})

    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (event.organization, event.actor_email, event.data) == (
        None, "inconnu@nulle-part.test", {"known_account": False}
    )


def test_successful_sign_in_is_audited(agent, org):
    response = Client().post("/accounts/login/", {"login": "agent@alliance.test", "password": f.PASSWORD})

    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert (event.organization, event.actor, event.ip_address) == (org, agent, "127.0.0.1")
