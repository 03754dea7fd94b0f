"""The identity and platform API: tokens, /me/, users, network, groups, jobs, audit, schema."""

import hashlib
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from assura.core.models import AuditAction, AuditEvent, Job
from assura.core.permissions import PERMISSIONS, Role
from assura.core.testing import factories as f
from assura.identity import services
from assura.identity.choices import UserStatus
from assura.identity.models import Agency, ApiToken, Invitation, PermissionGroup, Region, User

PASSWORD = f.PASSWORD
BAD_CREDENTIALS = {"non_field_errors": ["Adresse e-mail ou mot de passe incorrect."]}


@pytest.fixture(autouse=True)
def _clear_throttles():
    cache.clear()  # throttle counters live in the cache
    yield
    cache.clear()


@pytest.fixture
def client():
    return APIClient()


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def emails(response) -> list[str]:
    return [row["email"] for row in response.json()["results"]]


# --- Tokens ------------------------------------------------------------------------------------

def test_token_obtain_returns_a_key_that_authenticates(client, agent):
    response = client.post("/api/v1/auth/token/", {"email": "agent@alliance.test", "password": PASSWORD,
                                                    "name": "Script"}, format="json")

    assert response.status_code == 201
    body = response.json()
    token = ApiToken.objects.get(user=agent)
    assert body == {
        "token": body["token"], "id": token.pk, "name": "Script", "prefix": body["token"][:8],
        "created_at": body["created_at"], "last_used_at": None, "revoked_at": None,
    }
    me = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert me.status_code == 200
    assert me.json()["email"] == "agent@alliance.test"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_is_stored_hashed(client, agent):
    key = client.post("/api/v1/auth/token/", {"email": agent.email, "password": PASSWORD}).json()["token"]

    token = ApiToken.objects.get(user=agent)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    stored = [str(v) for v in ApiToken.objects.values_list("name", "prefix", "key_hash").get()]
    assert all(key not in value for value in stored)


@pytest.mark.parametrize(
    ("email", "password"),
    [("agent@alliance.test", "wrong-password-1"), ("nobody@alliance.test", PASSWORD), ("AGENT@alliance.test", "")],
)
def test_token_obtain_refuses_wrong_credentials(client, agent, email, password):
    response = client.post("/api/v1/auth/token/", {"email": email, "password": password})

    assert response.status_code == 400
    if password:
        assert response.json() == BAD_CREDENTIALS
    else:
        assert list(response.json()) == ["password"]
    assert not ApiToken.objects.exists()


def test_token_obtain_failure_is_audited(client, agent):
    client.post("/api/v1/auth/token/", {"email": agent.email, "password": "wrong-password-1"})

    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (event.actor_email, event.organization_id) == (agent.email, agent.organization_id)


def test_token_obtain_refuses_deactivated_and_invited_users(client, admin, agent):
    services.user_deactivate(actor=admin, user=agent)
    invited = f.InvitationFactory(organization=admin.organization).user
    invited.set_password(PASSWORD)
    invited.save()

    for email in (agent.email, invited.email):
        response = client.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD})
        assert response.status_code == 400
        assert response.json() == BAD_CREDENTIALS
    assert not ApiToken.objects.exists()


def test_token_obtain_refuses_a_user_without_company(client, db):
    f.UserFactory(organization=None, email="solo@assura.test")

    response = client.post("/api/v1/auth/token/", {"email": "solo@assura.test", "password": PASSWORD})

    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_token_obtain_asks_the_second_factor_when_enabled(client, agent):
    secret = generate_totp_secret()
    TOTP.activate(agent, secret)
    payload = {"email": agent.email, "password": PASSWORD}

    missing = client.post("/api/v1/auth/token/", payload)
    wrong = client.post("/api/v1/auth/token/", {**payload, "code": "000000"})
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    ok = client.post("/api/v1/auth/token/", {**payload, "code": code})

    assert missing.status_code == 400
    assert list(missing.json()) == ["code"]
    assert wrong.status_code == 400
    assert list(wrong.json()) == ["code"]
    assert ok.status_code == 201
    assert ApiToken.objects.filter(user=agent).count() == 1


def test_token_obtain_is_throttled(client, agent):
    for _ in range(10):
        client.post("/api/v1/auth/token/", {"email": agent.email, "password": "wrong-password-1"})

    response = client.post("/api/v1/auth/token/", {"email": agent.email, "password": PASSWORD})

    assert response.status_code == 429
    assert not ApiToken.objects.exists()


def test_revoked_token_is_refused(agent):
    token, key = services.token_create(user=agent)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200

    assert api.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/me/").status_code == 401


def test_token_of_deactivated_user_is_refused(admin, agent):
    _token, key = services.token_create(user=agent)
    services.user_deactivate(actor=admin, user=agent)

    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me/").status_code == 401


def test_tokens_list_shows_own_tokens_without_the_hash(agent, editor):
    mine, _key = services.token_create(user=agent, name="CI")
    services.token_create(user=editor, name="Editor's")

    response = client_for(agent).get("/api/v1/auth/tokens/")

    assert response.status_code == 200
    assert response.json()["results"] == [{
        "id": mine.pk, "name": "CI", "prefix": mine.prefix, "created_at": response.json()["results"][0]["created_at"],
        "last_used_at": None, "revoked_at": None,
    }]


def test_another_users_token_cannot_be_revoked(agent, editor, other_admin):
    theirs, _key = services.token_create(user=editor)
    elsewhere, _key = services.token_create(user=other_admin)

    for token in (theirs, elsewhere):
        assert client_for(agent).delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None


# --- /me/ ---------------------------------------------------------------------------------------

def test_me_describes_the_caller(agent, agency, org):
    response = client_for(agent).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {
        "id": agent.pk, "email": "agent@alliance.test", "first_name": "Amina", "last_name": "Benali",
        "role": "user", "role_label": "Utilisateur",
        "agency": {"id": agency.pk, "number": "016-001", "name": agency.name},
        "organization": {"id": org.pk, "name": "Alliance Test"},
        "permissions": sorted(code for code, (_label, roles) in PERMISSIONS.items() if Role.USER in roles),
        "language": "fr", "theme": "auto",
    }


def test_me_includes_group_permissions(agent, org):
    group = f.PermissionGroupFactory(organization=org, permissions=["audit.view", "data.export"])
    agent.permission_groups.add(group)

    permissions = client_for(agent).get("/api/v1/me/").json()["permissions"]

    assert {"audit.view", "data.export"} <= set(permissions)
    assert permissions == sorted(permissions)


def test_anonymous_requests_are_refused(client, org):
    assert client.get("/api/v1/me/").status_code == 401
    assert client.get("/api/v1/users/").status_code == 401


# --- Users -------------------------------------------------------------------------------------

def test_users_list_is_scoped_to_the_company(users_by_role, other_admin):
    response = client_for(users_by_role[Role.USER]).get("/api/v1/users/?ordering=email")

    assert response.status_code == 200
    assert emails(response) == [
        "admin@alliance.test", "agent@alliance.test", "editeur@alliance.test", "superviseur@alliance.test",
    ]


def test_users_list_pagination_shape(users_by_role):
    response = client_for(users_by_role[Role.ADMIN]).get("/api/v1/users/?page_size=3&ordering=email")

    body = response.json()
    assert list(body) == ["count", "next", "previous", "results", "count_capped"]
    assert body["count"] == 4
    assert body["count_capped"] is False
    assert body["next"] == "http://testserver/api/v1/users/?ordering=email&page=2&page_size=3"
    assert body["previous"] is None
    assert len(body["results"]) == 3

    last = client_for(users_by_role[Role.ADMIN]).get(body["next"]).json()
    assert (last["count"], last["next"], len(last["results"])) == (4, None, 1)
    assert last["previous"] == "http://testserver/api/v1/users/?ordering=email&page_size=3"
    assert client_for(users_by_role[Role.ADMIN]).get("/api/v1/users/?page=3&page_size=3").status_code == 404


def test_pagination_counts_up_to_the_cap_and_pages_beyond_it(users_by_role, monkeypatch):
    from assura.core.api import CappedApiPaginator

    monkeypatch.setattr(CappedApiPaginator, "cap", 2)
    api = client_for(users_by_role[Role.ADMIN])

    first = api.get("/api/v1/users/?page_size=1&ordering=email").json()
    assert (first["count"], first["count_capped"]) == (2, True)
    # Past the cap, "next" still leads to every row, and the last page knows the exact total.
    seen = [r["email"] for r in first["results"]]
    page = first
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [r["email"] for r in page["results"]]
    assert seen == sorted(u.email for u in users_by_role.values())
    assert (page["count"], page["count_capped"]) == (4, False)


def test_users_search_and_filters(admin, agent, editor, org):
    other_agency = f.AgencyFactory(organization=org, number="031-007")
    f.UserFactory(organization=org, agency=other_agency, email="karim@alliance.test", first_name="Karim",
                  last_name="Aïssani")
    api = client_for(admin)

    assert emails(api.get("/api/v1/users/?q=aïss")) == ["karim@alliance.test"]
    assert emails(api.get("/api/v1/users/?q=EDITEUR")) == ["editeur@alliance.test"]
    assert emails(api.get("/api/v1/users/?role=admin")) == ["admin@alliance.test"]
    assert emails(api.get("/api/v1/users/?agency_number=031-007")) == ["karim@alliance.test"]
    assert emails(api.get(f"/api/v1/users/?agency={other_agency.pk}")) == ["karim@alliance.test"]
    assert emails(api.get("/api/v1/users/?status=invited")) == []
    assert api.get("/api/v1/users/?role=boss").status_code == 400


def test_users_filter_refuses_another_companys_agency(admin, other_admin):
    response = client_for(admin).get(f"/api/v1/users/?agency={other_admin.agency_id}")

    assert response.status_code == 400
    assert list(response.json()) == ["agency"]


def test_users_list_does_not_grow_queries_with_rows(admin, org, agency, django_assert_max_num_queries):
    group = f.PermissionGroupFactory(organization=org)
    for i in range(30):
        user = f.UserFactory(organization=org, agency=agency, email=f"u{i:02d}@alliance.test")
        user.permission_groups.add(group)
    api = client_for(admin)

    with django_assert_max_num_queries(6):  # auth 2, permissions 1, count 1, rows 1, groups 1
        response = api.get("/api/v1/users/?page_size=50")

    body = response.json()
    assert body["count"] == 31
    assert [row["groups"] for row in body["results"] if row["email"] == "u29@alliance.test"] == [
        [{"id": group.pk, "name": group.name}]]


def test_another_companys_user_is_not_found(admin, other_admin):
    api = client_for(admin)
    url = f"/api/v1/users/{other_admin.pk}/"

    assert api.get(url).status_code == 404
    assert api.patch(url, {"first_name": "Pirate"}).status_code == 404
    assert api.post(f"{url}deactivate/").status_code == 404
    assert api.delete(url).status_code == 404
    other_admin.refresh_from_db()
    assert (other_admin.first_name, other_admin.is_active) == ("Amina", True)


def test_admin_invites_a_user(admin, agency, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post("/api/v1/users/", {
            "email": "Nouveau@Alliance.test", "agency_number": "016-001", "role": "editor",
            "first_name": "Nadia", "last_name": "Haddad",
        })

    assert response.status_code == 201
    user = User.objects.get(email="nouveau@alliance.test")
    assert response.json()["id"] == user.pk
    assert (response.json()["status"], response.json()["role"], response.json()["agency"]["number"]) == (
        "invited", "editor", "016-001")
    assert (user.organization_id, user.agency_id, user.is_active) == (admin.organization_id, agency.pk, False)
    assert Invitation.objects.filter(user=user, invited_by=admin).exists()
    assert [m.to for m in mailoutbox] == [["nouveau@alliance.test"]]


def test_agent_cannot_invite(agent):
    response = client_for(agent).post("/api/v1/users/", {"email": "x@alliance.test", "agency_number": "016-001"})

    assert response.status_code == 403
    assert not User.objects.filter(email="x@alliance.test").exists()


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"email": "not-an-email", "agency_number": "016-001"}, ["email"]),
        ({"email": "x@alliance.test", "agency_number": "099-099"}, ["agency_number"]),
        ({"email": "x@alliance.test", "agency_number": "031-001"}, ["agency_number"]),  # the other company's
        ({"email": "x@alliance.test", "agency_number": "016-001", "role": "boss"}, ["role"]),
        ({"email": "agent@alliance.test", "agency_number": "016-001"}, ["email"]),
        ({}, ["email", "agency_number"]),
    ],
)
def test_invite_bad_input_answers_field_errors(admin, agent, other_admin, payload, errors):
    before = User.objects.count()

    response = client_for(admin).post("/api/v1/users/", payload, format="json")

    assert response.status_code == 400
    assert sorted(response.json()) == sorted(errors)
    assert User.objects.count() == before


def test_unknown_agency_message(admin):
    response = client_for(admin).post("/api/v1/users/", {"email": "x@alliance.test", "agency_number": "099-099"})

    assert response.json() == {"agency_number": ["Aucune agence de votre entreprise ne porte ce numéro."]}


def test_admin_updates_details_and_role(admin, agent, org):
    group = f.PermissionGroupFactory(organization=org)

    response = client_for(admin).patch(f"/api/v1/users/{agent.pk}/", {
        "first_name": "Samir", "phone": "0550 12 34 56", "role": "supervisor", "groups": [group.pk],
    }, format="json")

    assert response.status_code == 200
    agent.refresh_from_db()
    assert (agent.first_name, agent.last_name, agent.phone, agent.role) == (
        "Samir", "Benali", "+213550123456", "supervisor")
    assert list(agent.permission_groups.all()) == [group]
    assert response.json()["groups"] == [{"id": group.pk, "name": group.name}]
    assert response.json()["agency"]["number"] == "016-001"


def test_patch_bad_phone_and_foreign_agency_are_field_errors(admin, agent, other_admin):
    api = client_for(admin)

    bad_phone = api.patch(f"/api/v1/users/{agent.pk}/", {"phone": "12"})
    foreign = api.patch(f"/api/v1/users/{agent.pk}/", {"agency": other_admin.agency_id})
    bad_group = api.patch(f"/api/v1/users/{agent.pk}/", {"groups": [999999]}, format="json")

    assert (bad_phone.status_code, list(bad_phone.json())) == (400, ["phone"])
    assert (foreign.status_code, list(foreign.json())) == (400, ["agency"])
    assert (bad_group.status_code, list(bad_group.json())) == (400, ["groups"])
    agent.refresh_from_db()
    assert (agent.phone, agent.agency.number) == ("", "016-001")


def test_editor_cannot_update_users(editor, agent):
    response = client_for(editor).patch(f"/api/v1/users/{agent.pk}/", {"first_name": "X", "role": "admin"})

    assert response.status_code == 403
    agent.refresh_from_db()
    assert (agent.first_name, agent.role) == ("Amina", "user")


def test_group_with_users_manage_cannot_change_roles(agent, editor, org):
    editor.permission_groups.add(f.PermissionGroupFactory(organization=org, permissions=["users.manage"]))

    response = client_for(editor).patch(f"/api/v1/users/{agent.pk}/", {"first_name": "Samir", "role": "admin"})

    assert response.status_code == 403
    agent.refresh_from_db()
    assert (agent.first_name, agent.role) == ("Amina", "user")  # the details edit was undone too


def test_last_admin_cannot_be_demoted(admin, agent):
    response = client_for(admin).patch(f"/api/v1/users/{admin.pk}/", {"first_name": "Changed", "role": "user"})

    assert response.status_code == 400
    assert response.json() == {"role": ["L'entreprise doit garder au moins un administrateur actif."]}
    admin.refresh_from_db()
    assert (admin.role, admin.first_name) == ("admin", "Amina")


def test_last_admin_cannot_be_deactivated(admin):
    response = client_for(admin).post(f"/api/v1/users/{admin.pk}/deactivate/")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["L'entreprise doit garder au moins un administrateur actif."]}
    admin.refresh_from_db()
    assert (admin.is_active, admin.status) == (True, "active")


def test_deactivate_and_reactivate(admin, agent):
    api = client_for(admin)
    token, _key = services.token_create(user=agent)

    deactivated = api.post(f"/api/v1/users/{agent.pk}/deactivate/")
    token.refresh_from_db()
    reactivated = api.post(f"/api/v1/users/{agent.pk}/reactivate/")

    assert (deactivated.status_code, deactivated.json()["status"], deactivated.json()["is_active"]) == (
        200, "deactivated", False)
    assert token.revoked_at is not None
    assert (reactivated.status_code, reactivated.json()["status"], reactivated.json()["is_active"]) == (
        200, "active", True)


def test_agent_cannot_deactivate(agent, editor):
    assert client_for(agent).post(f"/api/v1/users/{editor.pk}/deactivate/").status_code == 403
    editor.refresh_from_db()
    assert editor.is_active


def test_delete_revokes_a_pending_invitation_only(admin, agent, org):
    invitation = f.InvitationFactory(organization=org)
    api = client_for(admin)

    confirmed = api.delete(f"/api/v1/users/{agent.pk}/")
    pending = api.delete(f"/api/v1/users/{invitation.user_id}/")

    assert confirmed.status_code == 400
    assert confirmed.json() == {"non_field_errors": [
        "Seule une invitation en attente peut être supprimée : désactivez plutôt cet utilisateur."]}
    assert User.objects.filter(pk=agent.pk).exists()
    assert pending.status_code == 204
    assert not User.objects.filter(pk=invitation.user_id).exists()


def test_resend_invitation(admin, org, mailoutbox, django_capture_on_commit_callbacks):
    invitation = f.InvitationFactory(organization=org)
    nonce = invitation.nonce

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(f"/api/v1/users/{invitation.user_id}/resend-invitation/")

    assert response.status_code == 200
    assert response.json()["status"] == UserStatus.INVITED
    invitation.refresh_from_db()
    assert invitation.nonce != nonce
    assert len(mailoutbox) == 1


def test_resend_invitation_of_confirmed_user_is_400(admin, agent):
    response = client_for(admin).post(f"/api/v1/users/{agent.pk}/resend-invitation/")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Cet utilisateur n'a pas d'invitation en attente."]}


# --- Regions and agencies ----------------------------------------------------------------------------

def test_admin_creates_and_updates_an_agency(admin, org):
    region = f.RegionFactory(organization=org)
    api = client_for(admin)

    created = api.post("/api/v1/agencies/", {
        "number": "016-003", "name": "Alger Centre", "wilaya": "16", "region": region.pk, "phone": "021 12 34 56",
    })
    agency = Agency.objects.get(organization=org, number="016-003")
    updated = api.patch(f"/api/v1/agencies/{agency.pk}/", {"name": "Alger Port"})

    assert created.status_code == 201
    assert created.json() == {
        "id": agency.pk, "number": "016-003", "name": "Alger Centre", "region": region.pk, "region_name": region.name,
        "wilaya": "16", "wilaya_label": "16 – Alger", "address": "", "phone": agency.phone, "is_active": True,
    }
    assert updated.status_code == 200
    agency.refresh_from_db()
    assert (agency.name, agency.number, agency.region_id, agency.phone) == (
        "Alger Port", "016-003", region.pk, created.json()["phone"])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"number": "16-3", "name": "X", "wilaya": "16"}, "number"),
        ({"number": "016-009", "name": "X", "wilaya": "99"}, "wilaya"),
        ({"number": "016-009", "name": "X", "wilaya": "16", "phone": "12"}, "phone"),
        ({"number": "016-001", "name": "X", "wilaya": "16"}, "number"),  # already taken in the company
    ],
)
def test_agency_bad_input_answers_field_errors(admin, payload, field):
    before = Agency.objects.count()

    response = client_for(admin).post("/api/v1/agencies/", payload)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Agency.objects.count() == before


def test_agency_number_format_message(admin):
    response = client_for(admin).post("/api/v1/agencies/", {"number": "16-3", "name": "X", "wilaya": "16"})

    assert response.json() == {"number": ["Le numéro d'agence s'écrit sur le modèle 016-003 (wilaya-numéro)."]}


def test_agency_cannot_use_another_companys_region(admin, other_org):
    region = f.RegionFactory(organization=other_org)

    response = client_for(admin).post("/api/v1/agencies/", {"number": "016-009", "name": "X", "wilaya": "16",
                                                            "region": region.pk})

    assert (response.status_code, list(response.json())) == (400, ["region"])


def test_agent_reads_but_cannot_write_agencies(agent, agency):
    api = client_for(agent)

    assert api.get("/api/v1/agencies/").json()["count"] == 1
    assert api.post("/api/v1/agencies/", {"number": "016-009", "name": "X", "wilaya": "16"}).status_code == 403
    assert api.patch(f"/api/v1/agencies/{agency.pk}/", {"name": "X"}).status_code == 403
    agency.refresh_from_db()
    assert agency.name != "X"
    assert not Agency.objects.filter(number="016-009").exists()


def test_agencies_filters_and_search(admin, agency, org, other_admin):
    region = f.RegionFactory(organization=org)
    oran = f.AgencyFactory(organization=org, number="031-002", name="Oran Est", wilaya="31", region=region)
    f.AgencyFactory(organization=org, number="031-003", name="Oran Ouest", wilaya="31", is_active=False)
    api = client_for(admin)

    def numbers(query):
        return [row["number"] for row in api.get(f"/api/v1/agencies/{query}").json()["results"]]

    assert numbers("") == ["016-001", "031-002", "031-003"]  # never the other company's 031-001
    assert numbers("?wilaya=31&is_active=true") == ["031-002"]
    assert numbers(f"?region={region.pk}") == [oran.number]
    assert numbers("?q=ouest") == ["031-003"]


def test_another_companys_agency_is_not_found(admin, other_admin):
    url = f"/api/v1/agencies/{other_admin.agency_id}/"
    api = client_for(admin)

    assert api.get(url).status_code == 404
    assert api.patch(url, {"name": "Pirate"}).status_code == 404


def test_admin_creates_and_renames_a_region(admin, org):
    api = client_for(admin)

    created = api.post("/api/v1/regions/", {"code": "DRC", "name": "Centre"})
    region = Region.objects.get(organization=org, code="DRC")
    updated = api.patch(f"/api/v1/regions/{region.pk}/", {"name": "Alger-Centre"})

    assert (created.status_code, created.json()) == (201, {"id": region.pk, "code": "DRC", "name": "Centre"})
    assert (updated.status_code, updated.json()["name"]) == (200, "Alger-Centre")


def test_agent_cannot_create_a_region(agent):
    assert client_for(agent).post("/api/v1/regions/", {"code": "DRC", "name": "Centre"}).status_code == 403
    assert not Region.objects.exists()


# --- Groups and permissions -------------------------------------------------------------------------

def test_admin_manages_permission_groups(admin, agent):
    api = client_for(admin)

    created = api.post("/api/v1/groups/", {"name": "Audit", "permissions": ["audit.view", "data.export"]},
                       format="json")
    group = PermissionGroup.objects.get(name="Audit")
    agent.permission_groups.add(group)
    listed = api.get("/api/v1/groups/")
    updated = api.patch(f"/api/v1/groups/{group.pk}/", {"description": "Contrôle"})
    deleted = api.delete(f"/api/v1/groups/{group.pk}/")

    assert created.status_code == 201
    assert created.json() == {"id": group.pk, "name": "Audit", "description": "",
                              "permissions": ["audit.view", "data.export"], "members_count": 0}
    assert listed.json()["results"][0]["members_count"] == 1
    assert (updated.status_code, updated.json()["description"], updated.json()["permissions"]) == (
        200, "Contrôle", ["audit.view", "data.export"])
    assert deleted.status_code == 204
    assert not PermissionGroup.objects.exists()


def test_group_bad_input(admin, org):
    f.PermissionGroupFactory(organization=org, name="Audit")
    api = client_for(admin)

    unknown = api.post("/api/v1/groups/", {"name": "X", "permissions": ["nuke.all"]}, format="json")
    duplicate = api.post("/api/v1/groups/", {"name": "audit", "permissions": []}, format="json")

    assert (unknown.status_code, list(unknown.json())) == (400, ["permissions"])
    assert duplicate.json() == {"name": ["Un groupe porte déjà ce nom."]}


def test_editor_cannot_manage_groups(editor, org):
    group = f.PermissionGroupFactory(organization=org)
    api = client_for(editor)

    assert api.post("/api/v1/groups/", {"name": "X", "permissions": []}, format="json").status_code == 403
    assert api.delete(f"/api/v1/groups/{group.pk}/").status_code == 403
    assert PermissionGroup.objects.count() == 1


def test_another_companys_group_is_not_found(admin, other_org):
    group = f.PermissionGroupFactory(organization=other_org)

    assert client_for(admin).delete(f"/api/v1/groups/{group.pk}/").status_code == 404
    assert PermissionGroup.objects.filter(pk=group.pk).exists()


def test_any_member_reads_the_permission_matrix(agent):
    response = client_for(agent).get("/api/v1/permissions/?page_size=100")

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == len(PERMISSIONS)
    assert body["results"][0] == {"code": "workspace.manage",
                                  "label": "Modifier la fiche entreprise et les paramètres", "roles": ["admin"]}
    users_view = next(row for row in body["results"] if row["code"] == "users.view")
    assert users_view["roles"] == ["admin", "editor", "supervisor", "user"]


# --- Jobs and audit ---------------------------------------------------------------------------------

def test_jobs_are_personal_unless_view_all(admin, agent, org, other_admin):
    mine = f.JobFactory(organization=org, created_by=agent, kind="contacts.import", total=10, processed=4)
    theirs = f.JobFactory(organization=org, created_by=admin)
    elsewhere = f.JobFactory(organization=other_admin.organization, created_by=other_admin)

    agent_list = client_for(agent).get("/api/v1/jobs/").json()["results"]
    admin_ids = [row["id"] for row in client_for(admin).get("/api/v1/jobs/").json()["results"]]

    assert [row["id"] for row in agent_list] == [mine.pk]
    assert agent_list[0] == {
        "id": mine.pk, "kind": "contacts.import", "status": "queued", "status_label": "En attente", "progress": 0,
        "total": 10, "processed": 4, "succeeded_count": 0, "failed_count": 0, "errors": [], "result": {},
        "created_at": agent_list[0]["created_at"], "started_at": None, "finished_at": None, "result_file": None,
    }
    assert sorted(admin_ids) == sorted([mine.pk, theirs.pk])
    assert client_for(agent).get(f"/api/v1/jobs/{theirs.pk}/").status_code == 404
    assert client_for(admin).get(f"/api/v1/jobs/{elsewhere.pk}/").status_code == 404


def test_job_status_filter(admin, org):
    done = f.JobFactory(organization=org, created_by=admin, status="succeeded")
    f.JobFactory(organization=org, created_by=admin)

    results = client_for(admin).get("/api/v1/jobs/?status=succeeded").json()["results"]

    assert [row["id"] for row in results] == [done.pk]


def test_audit_events_for_admins_only_and_scoped(admin, agent, org, other_admin):
    api = client_for(admin)
    AuditEvent.objects.all().delete()  # the sign-in above
    login = f.AuditEventFactory(organization=org, action=AuditAction.LOGIN, actor=agent, actor_email=agent.email)
    f.AuditEventFactory(organization=org, action=AuditAction.EXPORT, actor=admin)
    f.AuditEventFactory(organization=other_admin.organization, action=AuditAction.LOGIN)

    by_action = api.get("/api/v1/audit-events/?action=auth.login").json()["results"]
    by_actor = api.get(f"/api/v1/audit-events/?actor={agent.pk}").json()["results"]

    assert [row["id"] for row in by_action] == [login.pk]
    assert [row["id"] for row in by_actor] == [login.pk]
    assert by_action[0]["action_label"] == "Connexion"
    assert client_for(agent).get("/api/v1/audit-events/").status_code == 403


def test_audit_events_date_filters(admin, org):
    api = client_for(admin)
    AuditEvent.objects.all().delete()  # the sign-in above
    old = f.AuditEventFactory(organization=org)
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timezone.timedelta(days=10))
    recent = f.AuditEventFactory(organization=org)
    today = timezone.localdate()

    since = api.get(f"/api/v1/audit-events/?date_from={today - timezone.timedelta(days=2)}").json()["results"]
    until = api.get(f"/api/v1/audit-events/?date_to={today - timezone.timedelta(days=2)}").json()["results"]

    assert [row["id"] for row in since] == [recent.pk]
    assert [row["id"] for row in until] == [old.pk]
    assert api.get("/api/v1/audit-events/?date_from=yesterday").status_code == 400


# --- Schema and docs --------------------------------------------------------------------------------

def test_schema_and_docs(client, db):
    schema = client.get("/api/v1/schema/")
    docs = client.get("/api/v1/docs/")
    script = client.get("/api/v1/docs/?script=")

    assert schema.status_code == 200
    assert b"/api/v1/users/{id}/deactivate/" in schema.content
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "<style" not in html
    assert html.count("<script") == html.count("<script src=") == 3  # nothing inline, CSP-safe
    assert 'src="/static/drf_spectacular_sidecar/' in html
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_job_model_is_exposed_read_only(admin, org):
    job = f.JobFactory(organization=org, created_by=admin)

    assert client_for(admin).delete(f"/api/v1/jobs/{job.pk}/").status_code == 405
    assert Job.objects.filter(pk=job.pk).exists()
