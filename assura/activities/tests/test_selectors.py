"""Selectors of the activities app: the timeline (order, filters, field changes, pages, constant
queries), the calendar and what each user sees."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assura.activities import selectors
from assura.activities.tests.conftest import local
from assura.activities.tests.factories import ActivityFactory
from assura.core.models import FieldChange

pytestmark = pytest.mark.django_db


def change(record, *, field, old, new, at, actor=None):
    fc = FieldChange.objects.create(
        organization_id=record.organization_id, content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk, field=field, field_label=field, old_value=old, new_value=new, actor=actor,
    )
    FieldChange.objects.filter(pk=fc.pk).update(changed_at=at)
    return fc


def activity(record, *, subject, at, kind="call", channel="phone", **extra):
    return ActivityFactory(organization=record.organization, contact=record, subject=subject, occurred_at=at,
                           kind=kind, channel=channel, agency=record.agency, **extra)


def described(entries) -> list[str]:
    return [e.activity.subject if e.activity else f"{e.change.field}: {e.change.old_value} → {e.change.new_value}"
            for e in entries]


@pytest.fixture
def history(contact, agent):
    now = timezone.now()
    activity(contact, subject="Appel entrant", at=now - timedelta(hours=1), assignee=agent)
    change(contact, field="téléphone", old="0550000000", new="0661000000", at=now - timedelta(hours=2), actor=agent)
    activity(contact, subject="Note de visite", at=now - timedelta(hours=3), kind="visit", channel="agency",
             assignee=agent)
    change(contact, field="segment", old="", new="particulier", at=now - timedelta(hours=4), actor=agent)
    activity(contact, subject="SMS de relance", at=now - timedelta(hours=5), kind="sms", channel="sms",
             assignee=agent)


def test_the_timeline_is_newest_first_with_field_changes(admin, contact, history):
    entries = selectors.timeline(user=admin, record=contact)

    assert described(entries) == [
        "Appel entrant", "téléphone: 0550000000 → 0661000000", "Note de visite", "segment:  → particulier",
        "SMS de relance",
    ]
    assert [e.kind for e in entries] == ["call", "change", "visit", "change", "sms"]


@pytest.mark.parametrize(
    ("kinds", "channels", "expected"),
    [
        (["call"], None, ["Appel entrant"]),
        (["change"], None, ["téléphone: 0550000000 → 0661000000", "segment:  → particulier"]),
        (None, ["agency"], ["Note de visite"]),
        (["sms", "visit"], None, ["Note de visite", "SMS de relance"]),
        (["change"], ["sms"], []),
    ],
    ids=["calls", "changes-only", "agency-channel", "two-kinds", "changes-have-no-channel"],
)
def test_the_timeline_filters_by_kind_and_channel(admin, contact, history, kinds, channels, expected):
    entries = selectors.timeline(user=admin, record=contact, kinds=kinds, channels=channels)

    assert described(entries) == expected


def test_the_timeline_pages_never_skip_nor_repeat_even_at_equal_dates(admin, contact):
    same = timezone.now() - timedelta(days=1)
    for i in range(13):
        activity(contact, subject=f"Appel {i:02d}", at=same)  # thirteen at the very same instant
    for i in range(12):
        change(contact, field=f"champ{i:02d}", old="a", new="b", at=same - timedelta(minutes=i))

    seen, cursor, sizes = [], None, []
    while True:
        page = selectors.timeline_page(user=admin, record=contact, cursor=cursor, limit=10)
        seen += described(page.entries)
        sizes.append(len(page.entries))
        cursor = page.next_cursor
        if cursor is None:
            break

    assert sizes == [10, 10, 5]
    assert len(seen) == len(set(seen)) == 25
    assert seen[:13] == [f"Appel {i:02d}" for i in range(12, -1, -1)]  # same date: newest id first
    assert seen[13:] == [f"champ{i:02d}: a → b" for i in range(12)]


def test_an_agent_sees_only_own_and_agency_activities_on_a_timeline(agent, colleague, far_agent, contact, oran):
    now = timezone.now()
    activity(contact, subject="Mon appel", at=now - timedelta(minutes=1), assignee=agent)
    activity(contact, subject="Appel de Nadia", at=now - timedelta(minutes=2), assignee=colleague)
    ActivityFactory(organization=contact.organization, contact=contact, subject="Appel d'Oran", agency=oran,
                    assignee=far_agent, occurred_at=now - timedelta(minutes=3))

    assert described(selectors.timeline(user=agent, record=contact)) == ["Mon appel", "Appel de Nadia"]
    assert described(selectors.timeline(user=far_agent, record=contact)) == ["Appel d'Oran"]


def render_panel(user, record) -> tuple[str, int]:
    request = RequestFactory().get("/contacts/1/")
    request.user = type(user).objects.get(pk=user.pk)  # fresh: nothing cached from an earlier render
    request.htmx = False
    with CaptureQueriesContext(connection) as queries:
        html = Template("{% load activity_tags %}{% timeline_panel record %}").render(
            Context({"request": request, "record": record}))
    return html, len(queries)


def test_the_panel_costs_the_same_few_queries_for_3_or_60_entries(admin, contact, agent):
    ContentType.objects.get_for_model(contact)  # cached per process, as in production after the first page
    for i in range(2):
        activity(contact, subject=f"Appel {i}", at=timezone.now() - timedelta(hours=i), assignee=agent,
                 created_by=agent)
    change(contact, field="nom", old="A", new="B", at=timezone.now(), actor=agent)
    html_small, small = render_panel(admin, contact)
    for i in range(40):
        activity(contact, subject=f"Rappel {i}", at=timezone.now() - timedelta(days=1, hours=i), assignee=agent,
                 created_by=agent, body="Le client rappelle demain.")
    for i in range(17):
        change(contact, field=f"champ{i}", old="x", new="y", at=timezone.now() - timedelta(days=2, hours=i),
               actor=agent)

    html_large, large = render_panel(admin, contact)

    assert html_small.count('data-testid="timeline-entry"') == 3
    assert html_large.count('data-testid="timeline-entry"') == 20  # one page, then "Voir plus"
    assert 'data-testid="timeline-more"' in html_large
    assert small == large
    assert large <= 4


def test_calendar_items_mine_and_agency(agent, colleague, far_agent, contact, oran):
    org = contact.organization
    mine = ActivityFactory(organization=org, kind="appointment", status="planned", subject="Mon RDV",
                           start_at=local(1, 10), occurred_at=local(1, 10), assignee=agent, agency=agent.agency)
    attending = ActivityFactory(organization=org, kind="appointment", status="planned", subject="RDV de Nadia",
                                start_at=local(1, 11), occurred_at=local(1, 11), assignee=colleague,
                                agency=agent.agency)
    attending.attendees.add(agent)
    colleague_task = ActivityFactory(organization=org, kind="task", status="planned", subject="Tâche de Nadia",
                                     due_at=local(2, 9), occurred_at=local(2, 9), assignee=colleague,
                                     agency=agent.agency)
    ActivityFactory(organization=org, kind="task", status="planned", subject="Tâche sans date", due_at=None,
                    occurred_at=local(1, 8), assignee=agent, agency=agent.agency)
    ActivityFactory(organization=org, kind="appointment", status="cancelled", subject="Annulé",
                    start_at=local(1, 15), occurred_at=local(1, 15), assignee=agent, agency=agent.agency)
    ActivityFactory(organization=org, kind="call", status="done", subject="Appel", occurred_at=local(1, 16),
                    assignee=agent, agency=agent.agency)
    ActivityFactory(organization=org, kind="appointment", status="planned", subject="RDV Oran",
                    start_at=local(1, 10), occurred_at=local(1, 10), assignee=far_agent, agency=oran)
    start, end = local(0, 0), local(7, 0)

    assert selectors.calendar_items(user=agent, start=start, end=end) == [mine, attending]
    assert selectors.calendar_items(user=agent, start=start, end=end, scope="agency") == [
        mine, attending, colleague_task]
