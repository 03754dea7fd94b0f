"""Pages of the identity app and the shell: forms with errors beside the field, invitation
links, onboarding, data tables (sort, pages, HTMX, query counts), language, headers, health."""

import html
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from assura.core.middleware import CSP
from assura.core.models import AuditEvent, Job
from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.identity import services
from assura.identity.choices import UserStatus
from assura.identity.models import Agency, Invitation, Organization, PermissionGroup, User

NEW_PASSWORD = "Oran-Bahia-2026!"


def text(response) -> str:
    return html.unescape(response.content.decode())


def field_error(response, name: str) -> str:
    """The error text rendered beside a field, or '' when there is none."""
    match = re.search(rf'<div class="invalid-feedback d-block" id="id_{name}_error" data-testid="error-{name}">'
                      r"(.*?)</div></div>", response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def table_rows(response) -> list[str]:
    """The text of each row of the data table, in page order."""
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", r)).split()) for r in rows]


def png_file(name="logo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 90, 160)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


# --- Invite page -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "pas-une-adresse", "agency_number": "016-001"}, "email", "Saisissez une adresse e-mail valide."),
        ({"email": "nadia.kaci@alliance.test", "agency_number": "099-999"}, "agency_number",
         "Aucune agence de votre entreprise ne porte ce numéro."),
        ({"email": "admin@atlas.test", "agency_number": "016-001"}, "email", "Cette adresse e-mail est déjà utilisée."),
    ],
    ids=["bad-email", "unknown-agency", "email-taken"],
)
def test_invite_page_shows_the_error_beside_the_field(admin_client, agency, other_admin, data, field, message,
                                                      mailoutbox):
    users_before = User.objects.count()

    response = admin_client.post("/users/invite/", {**data, "role": Role.USER})

    assert response.status_code == 200
    assert field_error(response, field) == message
    assert 'data-testid="form-errors"' in response.content.decode()
    assert User.objects.count() == users_before
    assert Invitation.objects.count() == 0
    assert mailoutbox == []


def test_invite_page_invites(admin_client, agency, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/users/invite/", {"email": "nadia.kaci@alliance.test",
                                                        "agency_number": "016-001", "role": Role.USER})

    assert response.status_code == 302
    assert response["Location"] == "/users/"
    user = User.objects.get(email="nadia.kaci@alliance.test")
    assert (user.status, user.agency, user.role) == (UserStatus.INVITED, agency, Role.USER)
    assert len(mailoutbox) == 1
    assert "http://testserver/invitation/" in mailoutbox[0].body


def test_agency_page_shows_a_duplicate_number_beside_the_field(admin_client, agency):
    response = admin_client.post("/agencies/new/", {"number": "016-001", "name": "Doublon", "wilaya": "16",
                                                    "is_active": "on"})

    assert response.status_code == 200
    assert field_error(response, "number") != ""
    assert list(Agency.objects.values_list("number", flat=True)) == ["016-001"]


# --- Invitation accept page ----------------------------------------------------------------------

@pytest.fixture
def invitation(admin, agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_invite(actor=admin, email="nadia.kaci@alliance.test", agency_number="016-001")
    return Invitation.objects.get(user=user)


def accept_url(invitation) -> str:
    return f"/invitation/{services.invitation_token(invitation)}/"


def test_invitation_page_shows_the_form_for_a_valid_link(client, invitation):
    response = client.get(accept_url(invitation))

    assert response.status_code == 200
    page = text(response)
    assert "Rejoindre Alliance Test" in page
    assert "Compte : nadia.kaci@alliance.test" in page
    assert 'name="password_confirm"' in page


def test_invitation_page_accepts_and_signs_in(client, invitation):
    response = client.post(accept_url(invitation), {"first_name": "Nadia", "last_name": "Kaci",
                                                    "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/home/"
    user = User.objects.get(email="nadia.kaci@alliance.test")
    assert (user.status, user.is_active, user.get_full_name()) == (UserStatus.ACTIVE, True, "Nadia Kaci")
    home = client.get("/home/")
    assert home.status_code == 200
    assert "Bienvenue dans l'espace de Alliance Test." in text(home)


def expire(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    return accept_url(invitation)


def use(invitation):
    url = accept_url(invitation)
    services.invitation_accept(token=url.split("/")[2], first_name="Nadia", last_name="Kaci", password=NEW_PASSWORD)
    return url


def tamper(invitation):
    url = accept_url(invitation)
    last = url[-2]  # the signature's last character, before the trailing slash
    return url[:-2] + ("B" if last == "A" else "A") + "/"


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (expire, "Ce lien d'invitation a expiré. Demandez à votre administrateur de le renvoyer."),
        (use, "Cette invitation a déjà été utilisée. Connectez-vous avec votre adresse e-mail."),
        (tamper, "Ce lien d'invitation est invalide."),
    ],
    ids=["expired", "used", "tampered"],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_invitation_page_refuses_a_link_no_longer_valid(client, invitation, spoil, message, method):
    url = spoil(invitation)
    user_before = User.objects.filter(pk=invitation.user_id).values().get()

    response = getattr(client, method)(url, {"first_name": "Intrus", "last_name": "X", "password": NEW_PASSWORD,
                                             "password_confirm": NEW_PASSWORD})

    assert response.status_code == 410
    page = text(response)
    assert "Invitation non valable" in page
    assert re.search(r'data-testid="invitation-error">(.*?)</p>', page).group(1) == message
    assert User.objects.filter(pk=invitation.user_id).values().get() == user_before


def test_invitation_page_refuses_mismatched_passwords(client, invitation):
    response = client.post(accept_url(invitation), {"first_name": "Nadia", "last_name": "Kaci",
                                                    "password": NEW_PASSWORD, "password_confirm": "Autre-2026!x"})

    assert response.status_code == 200
    assert field_error(response, "password_confirm") == "Les deux mots de passe ne correspondent pas."
    user = User.objects.get(pk=invitation.user_id)
    assert (user.is_active, user.status, user.has_usable_password()) == (False, UserStatus.INVITED, False)


def test_invitation_page_refuses_a_weak_password(client, invitation):
    response = client.post(accept_url(invitation), {"first_name": "Nadia", "last_name": "Kaci",
                                                    "password": "12345678", "password_confirm": "12345678"})

    assert response.status_code == 200
    assert "Ce mot de passe est trop court." in field_error(response, "password")
    assert User.objects.get(pk=invitation.user_id).is_active is False


# --- Onboarding (technical sheet) ------------------------------------------------------------

@pytest.fixture
def founder_client(client, db):
    founder = f.UserFactory(organization=None, email="fondateur@surete.dz")
    client.force_login(founder)
    return client


SHEET = {
    "name": "Sûreté Assurances", "address": "5 boulevard de la Soummam, Oran", "mobile": "0550 12 34 56",
    "employees_count": "120", "email": "contact@surete.dz", "trade_register_number": "31/00-1234567B12",
    "website": "https://surete.dz", "postal_code": "31000",
}


@pytest.mark.parametrize("path", ["/home/", "/users/", "/audit/"])
def test_a_user_without_company_is_sent_to_the_technical_sheet(founder_client, path):
    response = founder_client.get(path)

    assert response.status_code == 302
    assert response["Location"] == "/onboarding/company/"


def test_technical_sheet_creates_the_company_and_shows_its_logo(founder_client):
    assert founder_client.get("/onboarding/company/").status_code == 200

    response = founder_client.post("/onboarding/company/", {**SHEET, "logo": png_file()})

    assert response.status_code == 302
    assert response["Location"] == "/home/"
    org = Organization.objects.get()
    assert (org.name, org.mobile, org.employees_count) == ("Sûreté Assurances", "+213550123456", 120)
    assert User.objects.get(email="fondateur@surete.dz").role == Role.ADMIN
    home = founder_client.get("/home/")
    assert home.status_code == 200
    page = text(home)
    assert "Sûreté Assurances" in page
    logo = re.search(r'<img src="([^"]+)" alt="Logo de Sûreté Assurances" class="app-logo" '
                     r'data-testid="workspace-logo">', page)
    assert logo is not None
    assert logo.group(1) == org.logo.url
    with org.logo.open("rb") as stored:
        assert stored.read()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"mobile": "12 34"}, "mobile",
         "Numéro de téléphone invalide. Exemples acceptés : 0550 12 34 56 ou +213 550 12 34 56."),
        ({"postal_code": "3100"}, "postal_code", "Le code postal compte 5 chiffres."),
        ({"email": "contact-at-surete"}, "email", "Saisissez une adresse e-mail valide."),
        ({"name": ""}, "name", "Ce champ est obligatoire."),
    ],
    ids=["phone", "postal-code", "email", "name-required"],
)
def test_technical_sheet_shows_errors_beside_the_field(founder_client, changes, field, message):
    response = founder_client.post("/onboarding/company/", {**SHEET, **changes})

    assert response.status_code == 200
    assert field_error(response, field) == message
    assert Organization.objects.count() == 0


def test_technical_sheet_refuses_a_text_file_as_logo(founder_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("logo.png", b"pas une image", content_type="image/png")

    response = founder_client.post("/onboarding/company/", {**SHEET, "logo": fake})

    assert response.status_code == 200
    assert field_error(response, "logo") != ""
    assert Organization.objects.count() == 0


# --- Data tables: sort, pages, HTMX, query counts ----------------------------------------------

@pytest.fixture
def three_users(org, agency):
    for email, last in [("b.zitouni@alliance.test", "Zitouni"), ("c.amrani@alliance.test", "Amrani"),
                        ("a.meziane@alliance.test", "Meziane")]:
        f.UserFactory(organization=org, agency=agency, email=email, last_name=last)


def emails_in(response, candidates) -> list[str]:
    return [e for row in table_rows(response) for e in candidates if e in row.split()]


USER_EMAILS = ["a.meziane@alliance.test", "admin@alliance.test", "b.zitouni@alliance.test", "c.amrani@alliance.test"]


def test_user_list_sorts_by_a_column(admin_client, three_users):
    ascending = admin_client.get("/users/?ordering=email")
    descending = admin_client.get("/users/?ordering=-email")

    assert emails_in(ascending, USER_EMAILS) == USER_EMAILS
    assert emails_in(descending, USER_EMAILS) == USER_EMAILS[::-1]
    assert 'aria-sort="ascending"' in ascending.content.decode()
    assert 'aria-sort="descending"' in descending.content.decode()


@pytest.mark.parametrize("ordering", ["password", "-is_superuser", "organization__name", ""])
def test_user_list_ignores_an_unknown_ordering(admin_client, three_users, ordering):
    response = admin_client.get(f"/users/?ordering={ordering}")

    assert response.status_code == 200
    # The default: by last name (Amrani, Benali, Meziane, Zitouni).
    assert emails_in(response, USER_EMAILS) == [
        "c.amrani@alliance.test", "admin@alliance.test", "a.meziane@alliance.test", "b.zitouni@alliance.test"
    ]


def test_agency_list_sorts_and_ignores_unknown_ordering(admin_client, org, agency):
    for number, name in [("031-002", "Oran Est"), ("025-001", "Constantine Centre")]:
        f.AgencyFactory(organization=org, number=number, name=name)

    by_number_desc = admin_client.get("/agencies/?ordering=-number")
    by_name = admin_client.get("/agencies/?ordering=name")
    unknown = admin_client.get("/agencies/?ordering=organization")

    def numbers(response):
        return [row.split()[0] for row in table_rows(response)]

    assert numbers(by_number_desc) == ["031-002", "025-001", "016-001"]
    assert numbers(by_name) == ["016-001", "025-001", "031-002"]  # "Agence …" < "Constantine…" < "Oran…"
    assert unknown.status_code == 200
    assert numbers(unknown) == ["016-001", "025-001", "031-002"]


def test_audit_list_sorts_and_ignores_unknown_ordering(admin_client, org, admin):
    for action in ["user.updated", "auth.logout", "token.created"]:
        f.AuditEventFactory(organization=org, action=action, actor_email="admin@alliance.test")
    AuditEvent.objects.filter(organization=org, action="auth.login").delete()  # the test client's sign-in

    by_action = admin_client.get("/audit/?ordering=action")
    unknown = admin_client.get("/audit/?ordering=user_agent")

    def labels(response):
        return [row.split(" admin@")[0].split(" ", 2)[-1] for row in table_rows(response)]

    assert labels(by_action) == [
        "Déconnexion", "Jeton d'API créé", "Utilisateur modifié"
    ]
    assert unknown.status_code == 200
    assert labels(unknown) == ["Jeton d'API créé", "Déconnexion", "Utilisateur modifié"]  # newest first


def test_job_list_sorts_and_ignores_unknown_ordering(admin_client, org, admin):
    for kind in ["contacts.import", "audit.export", "reports.build"]:
        f.JobFactory(organization=org, kind=kind, created_by=admin)

    def kinds(response):
        return [row.split()[1] for row in table_rows(response)]

    assert kinds(admin_client.get("/jobs/?ordering=kind")) == ["audit.export", "contacts.import", "reports.build"]
    assert kinds(admin_client.get("/jobs/?ordering=-kind")) == ["reports.build", "contacts.import", "audit.export"]
    unknown = admin_client.get("/jobs/?ordering=params")
    assert unknown.status_code == 200
    assert kinds(unknown) == ["reports.build", "audit.export", "contacts.import"]  # newest first


def test_user_list_paginates(admin_client, org, agency):
    for i in range(29):  # 30 users with the admin; 25 per page
        f.UserFactory(organization=org, agency=agency, email=f"u{i:02d}@alliance.test", last_name=f"Nom{i:02d}")

    first = admin_client.get("/users/")
    second = admin_client.get("/users/?page=2")
    beyond = admin_client.get("/users/?page=99")
    garbage = admin_client.get("/users/?page=abc")

    assert len(table_rows(first)) == 25
    assert len(table_rows(second)) == 5
    assert "Page 1 / 2" in text(first)
    assert "Page 2 / 2" in text(second)
    assert "30 éléments" in text(first)
    assert table_rows(beyond) == table_rows(second)
    assert table_rows(garbage) == table_rows(first)
    assert set(table_rows(first)).isdisjoint(table_rows(second))


def test_empty_list_shows_the_empty_state(admin_client):
    response = admin_client.get("/jobs/")

    assert 'data-testid="empty-state"' in response.content.decode()
    assert "Aucune tâche d'arrière-plan pour le moment." in text(response)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_user_list_query_count_does_not_grow_with_rows(admin_client, org, agency, other_org):
    group = f.PermissionGroupFactory(organization=org)
    for i in range(4):
        f.UserFactory(organization=org, agency=f.AgencyFactory(organization=org)).permission_groups.add(group)
    admin_client.get("/users/")  # warm caches (sessions, content types)
    few = count_queries(admin_client, "/users/")
    for i in range(35):
        user = f.UserFactory(organization=org, agency=f.AgencyFactory(organization=org), status=UserStatus.INVITED)
        f.InvitationFactory(organization=org, user=user)
        user.permission_groups.add(group)
    admin_client.get("/users/")  # new people and agencies: the filter choices are read once, then cached

    many = count_queries(admin_client, "/users/")

    assert User.objects.filter(organization=org).count() == 40
    assert many == few
    assert many <= 15, many


def test_agency_list_query_count_does_not_grow_with_rows(admin_client, org, django_assert_max_num_queries):
    region = f.RegionFactory(organization=org)
    for _ in range(4):
        f.AgencyFactory(organization=org, region=region)
    admin_client.get("/agencies/")
    few = count_queries(admin_client, "/agencies/")
    for _ in range(35):
        f.AgencyFactory(organization=org, region=f.RegionFactory(organization=org))
    admin_client.get("/agencies/")  # new agencies: the filter choices are read once, then cached

    with django_assert_max_num_queries(few):
        admin_client.get("/agencies/")
    assert few <= 15


def test_htmx_request_for_the_table_returns_only_the_table(admin_client, three_users):
    response = admin_client.get("/users/?ordering=email", headers={"HX-Request": "true", "HX-Target": "data-table"})

    body = response.content.decode().strip()
    assert response.status_code == 200
    assert body.startswith('<div id="data-table" class="card">')
    assert "<html" not in body
    assert 'name="role"' not in body  # no filter form
    assert emails_in(response, USER_EMAILS) == USER_EMAILS


def test_htmx_request_for_another_target_returns_the_full_page(admin_client):
    response = admin_client.get("/users/", headers={"HX-Request": "true", "HX-Target": "main"})

    assert response.content.decode().startswith("<!doctype html>")


def test_list_filter_narrows_the_table(admin_client, org, agency, three_users):
    f.UserFactory(organization=org, agency=agency, email="inv@alliance.test", status=UserStatus.INVITED,
                  is_active=False)

    response = admin_client.get("/users/?status=invited")

    assert emails_in(response, [*USER_EMAILS, "inv@alliance.test"]) == ["inv@alliance.test"]


def test_filter_choice_of_another_company_is_not_a_filter(admin_client, other_admin, three_users):
    foreign_agency = other_admin.agency

    response = admin_client.get(f"/users/?agency={foreign_agency.pk}")

    assert response.status_code == 200
    assert "admin@atlas.test" not in text(response)


# --- Shell: language, headers ---------------------------------------------------------------------

def html_tag(response) -> str:
    return re.search(r"<html [^>]*>", response.content.decode()).group(0)


def test_arabic_cookie_renders_right_to_left(client):
    client.cookies["assura_language"] = "ar"

    response = client.get("/")

    assert 'lang="ar"' in html_tag(response)
    assert 'dir="rtl"' in html_tag(response)
    assert "bootstrap.rtl.min.css" in response.content.decode()


def test_arabic_cookie_applies_in_the_workspace(admin_client):
    admin_client.cookies["assura_language"] = "ar"

    response = admin_client.get("/home/")

    assert 'lang="ar"' in html_tag(response)
    assert 'dir="rtl"' in html_tag(response)


@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_browser_language_does_not_change_the_default_french(client, path):
    response = client.get(path, headers={"Accept-Language": "en"})

    assert 'lang="fr"' in html_tag(response)
    assert 'dir="ltr"' in html_tag(response)


def test_user_language_applies_without_cookie(client, agent):
    agent.language = "en"
    agent.save()
    client.force_login(agent)

    assert 'lang="en"' in html_tag(client.get("/home/"))


def test_unknown_language_cookie_falls_back_to_french(client):
    client.cookies["assura_language"] = "de"

    assert 'lang="fr"' in html_tag(client.get("/"))


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/home/", "/users/", "/healthz"])
def test_pages_carry_the_content_security_policy(admin_client, path):
    response = admin_client.get(path)

    assert response["Content-Security-Policy"] == CSP
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get("/users/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/users/"


def test_landing_page_is_public(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert "Gérez mieux votre relation client" in text(response)


# --- Health (the happy paths are in tests/test_health.py) ---------------------------------------------

def test_readyz_is_503_when_the_database_is_down(client, db, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise RuntimeError("base injoignable")

    monkeypatch.setattr("assura.core.views_health.connection", Unreachable())

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: RuntimeError"


# --- Jobs in the workspace ------------------------------------------------------------------------

def test_agent_sees_only_their_jobs_in_the_list(client, agent, admin, org):
    f.JobFactory(organization=org, kind="contacts.import", created_by=agent)
    f.JobFactory(organization=org, kind="reports.build", created_by=admin)
    client.force_login(agent)

    rows = table_rows(client.get("/jobs/"))

    assert [r.split()[1] for r in rows] == ["contacts.import"]


def test_job_page_of_another_user_is_404_for_an_agent(client, agent, admin, org):
    job = f.JobFactory(organization=org, created_by=admin)
    client.force_login(agent)

    assert client.get(f"/jobs/{job.pk}/").status_code == 404


def test_job_export_button_runs_the_export(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/audit/export/", {"action": "auth.login"})

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert (job.kind, job.status, job.params) == ("audit.export", "succeeded", {"action": "auth.login"})


@pytest.mark.django_db
def test_edit_pages_open_with_the_current_values(client, admin, agent):
    client.force_login(admin)
    group = PermissionGroup.objects.create(
        organization=admin.organization, name="Auditeurs", permissions=["audit.view"]
    )
    agent.permission_groups.add(group)

    user_page = client.get(f"/users/{agent.pk}/edit/").content.decode()
    role_page = client.get(f"/users/{agent.pk}/role/").content.decode()
    group_page = client.get(f"/groups/{group.pk}/edit/").content.decode()

    assert f'value="{agent.first_name}"' in user_page and f'value="{agent.last_name}"' in user_page
    assert '<option value="user" selected>' in role_page
    assert re.search(rf'name="groups" value="{group.pk}" id="[^"]+" checked', role_page)
    assert 'value="Auditeurs"' in group_page
    assert re.search(r'value="audit\.view" id="[^"]+" checked', group_page)
