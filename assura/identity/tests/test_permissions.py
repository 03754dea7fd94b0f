"""The permission matrix, action by action and page by page: allowed roles pass, refused
roles get 403 and nothing changes."""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.urls import resolve

from assura.core.permissions import PERMISSIONS, Role, user_can
from assura.core.testing import factories as f
from assura.identity.choices import UserStatus
from assura.identity.models import User

ROLES = list(Role)


# --- The matrix itself ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
@pytest.mark.parametrize("action", list(PERMISSIONS))
def test_user_can_follows_the_matrix(users_by_role, action, role):
    user = users_by_role[role]

    assert user_can(user, action) is (role in PERMISSIONS[action][1])


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_a_deactivated_user_may_do_nothing(org, role):
    user = f.UserFactory(organization=org, role=role, is_active=False, status=UserStatus.DEACTIVATED)

    assert [a for a in PERMISSIONS if user_can(user, a)] == []


def test_a_user_without_company_may_do_nothing(db):
    user = f.UserFactory(organization=None, role=Role.ADMIN)

    assert [a for a in PERMISSIONS if user_can(user, a)] == []


def test_an_unknown_action_is_a_programming_error(agent):
    with pytest.raises(KeyError):
        user_can(agent, "policies.delete_everything")


def test_every_role_has_a_label_and_every_action_a_known_role():
    assert {r.label for r in Role} == {"Administrateur", "Éditeur", "Superviseur", "Utilisateur"}
    for _label, roles in PERMISSIONS.values():
        assert roles <= set(Role)


# --- Pages ---------------------------------------------------------------------------------------

@dataclass
class Page:
    """One request to an identity page; `path` and `data` may use the objects of `given`."""

    id: str
    method: str
    path: Any  # str, or callable(given) -> str
    data: Any = field(default_factory=dict)  # dict, or callable(given) -> dict

    def url(self, given) -> str:
        return self.path(given) if callable(self.path) else self.path

    def payload(self, given) -> dict:
        return self.data(given) if callable(self.data) else self.data


SHEET = {
    "name": "Alliance Assurances", "address": "1 place de l'Émir Abdelkader, Alger", "mobile": "0661 23 45 67",
    "employees_count": 900, "email": "siege@alliance.test", "trade_register_number": "16/00-7654321B12",
    "website": "https://alliance.test", "postal_code": "16001", "user_visibility": "all",
}

PAGES = [
    Page("user-list", "get", "/users/"),
    Page("invite", "post", "/users/invite/",
         {"email": "nouvelle.recrue@alliance.test", "agency_number": "016-001", "role": Role.USER}),
    Page("user-update", "post", lambda g: f"/users/{g['target'].pk}/edit/",
         lambda g: {"first_name": "Karim", "last_name": "Haddad", "phone": "0550 98 76 54", "job_title": "Chargé",
                    "agency": g["agency"].pk}),
    Page("role-change", "post", lambda g: f"/users/{g['target'].pk}/role/", {"role": Role.EDITOR}),
    Page("deactivate", "post", lambda g: f"/users/{g['target'].pk}/deactivate/"),
    Page("agency-create", "post", "/agencies/new/",
         {"number": "016-099", "name": "Agence Bab Ezzouar", "wilaya": "16", "is_active": "on"}),
    Page("region-create", "post", "/regions/new/", {"code": "DR9", "name": "Direction régionale Sud"}),
    Page("group-create", "post", "/groups/new/", {"name": "Auditeurs", "permissions": ["audit.view"]}),
    Page("organization-settings", "post", "/settings/company/", SHEET),
    Page("audit-list", "get", "/audit/"),
    Page("audit-export", "post", "/audit/export/"),
    Page("role-matrix", "get", "/roles/"),
]

CASES = [pytest.param(page, role, id=f"{page.id}-{role.value}") for page in PAGES for role in ROLES]


def required_action(path: str) -> str:
    """The action a page demands, read from its view: the matrix decides, not this test."""
    view = resolve(path).func.view_class
    assert view.required_action in PERMISSIONS, f"{view.__name__} declares no known required_action"
    return view.required_action


def database_state() -> dict[str, list[dict]]:
    """Every row of every identity and core table, to prove a refused request changed nothing."""
    state = {}
    for label in ("identity", "core"):
        for model in apps.get_app_config(label).get_models():
            state[model.__name__] = list(model.objects.order_by("pk").values())
            for through in (m2m.remote_field.through for m2m in model._meta.local_many_to_many):
                state[through.__name__] = list(through.objects.order_by("pk").values())
    return state


@pytest.fixture
def given(org, agency, users_by_role):
    target = f.UserFactory(organization=org, agency=agency, role=Role.USER, email="cible@alliance.test",
                           first_name="Yacine", last_name="Mansouri")
    return {"agency": agency, "target": target, **users_by_role}


@pytest.mark.parametrize(("page", "role"), CASES)
def test_page_answers_by_the_matrix(client, given, page, role, django_capture_on_commit_callbacks):
    user = given[role]
    url = page.url(given)
    allowed = role in PERMISSIONS[required_action(url)][1]
    client.force_login(user)
    before = database_state()

    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, page.method)(url, page.payload(given))

    if not allowed:
        assert response.status_code == 403
        assert database_state() == before
    elif page.method == "get":
        assert response.status_code == 200
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert database_state() != before


def test_refused_invitation_sends_no_email(client, given, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(given[Role.EDITOR])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/users/invite/", {"email": "x@alliance.test", "agency_number": "016-001",
                                                  "role": Role.USER})

    assert response.status_code == 403
    assert mailoutbox == []
    assert not User.objects.filter(email="x@alliance.test").exists()


def test_allowed_pages_do_what_they_say(client, given, org):
    """The admin's successful POSTs above really wrote what was asked."""
    client.force_login(given[Role.ADMIN])
    target = given["target"]

    client.post(f"/users/{target.pk}/role/", {"role": Role.EDITOR})
    client.post(f"/users/{target.pk}/deactivate/")
    client.post("/settings/company/", SHEET)

    target.refresh_from_db()
    org.refresh_from_db()
    assert (target.role, target.status, target.is_active) == (Role.EDITOR, UserStatus.DEACTIVATED, False)
    assert (org.name, org.mobile, org.postal_code, org.user_visibility) == (
        "Alliance Assurances", "+213661234567", "16001", "all"
    )


def test_a_group_opens_the_pages_of_its_actions(client, given, org):
    agent = given[Role.USER]
    group = f.PermissionGroupFactory(organization=org, name="Auditeurs", permissions=["audit.view"])
    client.force_login(agent)
    assert client.get("/audit/").status_code == 403

    agent.permission_groups.add(group)

    assert client.get("/audit/").status_code == 200
    assert client.get("/roles/").status_code == 403
