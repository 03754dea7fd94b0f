"""Who sees and changes which activity: Utilisateur own + agency (by default), the other
roles everything of their company; another agency's item is a 404, a refused change a 403
with nothing changed."""

import pytest

from assura.activities import services
from assura.activities.models import Activity
from assura.activities.tests.conftest import local
from assura.core.models import Visibility
from assura.core.permissions import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(agent, colleague, far_agent, contact, far_contact):
    return {
        "own": services.activity_create(actor=agent, kind="task", subject="La mienne", contact=contact,
                                        due_at=local(1, 9)),
        "agency": services.activity_create(actor=colleague, kind="task", subject="Celle de Nadia", contact=contact,
                                           due_at=local(1, 10)),
        "far": services.activity_create(actor=far_agent, kind="task", subject="Celle d'Oran", contact=far_contact,
                                        due_at=local(1, 11)),
    }


def visible_subjects(user) -> list[str]:
    return sorted(Activity.objects.visible_to(user).values_list("subject", flat=True))


def test_an_agent_sees_own_and_agency_activities(agent, items):
    assert visible_subjects(agent) == ["Celle de Nadia", "La mienne"]


def test_with_own_only_visibility_an_agent_sees_only_theirs(agent, items):
    agent.organization.user_visibility = Visibility.OWN
    agent.organization.save()

    assert visible_subjects(agent) == ["La mienne"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EDITOR, Role.SUPERVISOR])
def test_other_roles_see_the_whole_company(users_by_role, items, role):
    assert visible_subjects(users_by_role[role]) == ["Celle d'Oran", "Celle de Nadia", "La mienne"]


@pytest.mark.parametrize("suffix", ["", "edit/"])
def test_another_agency_s_activity_is_404_for_an_agent(client, agent, items, suffix):
    client.force_login(agent)

    response = client.get(f"/activities/{items['far'].pk}/{suffix}")

    assert response.status_code == 404


@pytest.mark.parametrize("action", ["complete", "cancel"])
def test_a_supervisor_s_action_is_403_and_nothing_changes(client, supervisor, items, action):
    client.force_login(supervisor)

    response = client.post(f"/activities/{items['own'].pk}/{action}/")

    assert response.status_code == 403
    assert Activity.objects.get(pk=items["own"].pk).status == "planned"


def test_an_agent_cannot_edit_a_colleague_s_activity_they_can_see(client, agent, items):
    client.force_login(agent)
    theirs = items["agency"]

    page = client.get(f"/activities/{theirs.pk}/")
    edit = client.get(f"/activities/{theirs.pk}/edit/")
    post = client.post(f"/activities/{theirs.pk}/edit/", {"subject": "Volée", "due_at": "2030-01-01T10:00"})
    complete = client.post(f"/activities/{theirs.pk}/complete/")

    theirs.refresh_from_db()
    assert page.status_code == 200
    assert 'data-testid="complete"' not in page.content.decode()
    assert (edit.status_code, post.status_code, complete.status_code) == (403, 403, 403)
    assert (theirs.subject, theirs.status, theirs.due_at) == ("Celle de Nadia", "planned", local(1, 10))


def test_a_supervisor_reads_but_gets_no_write_buttons(client, supervisor, items):
    client.force_login(supervisor)

    detail = client.get(f"/activities/{items['far'].pk}/")
    create = client.get("/activities/new/")

    assert detail.status_code == 200
    assert 'data-testid="edit"' not in detail.content.decode()
    assert create.status_code == 403
