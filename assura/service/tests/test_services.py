"""Tickets: creation and validation, workflow with dated transitions, SLA clocks and pauses,
the escalation scan, assignment, replies (by real SMTP), notes, permissions."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from assura.core.models import Notification
from assura.customers.tests.factories import ContactFactory
from assura.service import services
from assura.service.choices import TicketStatus
from assura.service.models import Ticket, TicketMessage, TicketStatusChange
from assura.service.tests.factories import CategoryFactory, TeamFactory, TicketFactory

pytestmark = pytest.mark.django_db


def make(actor, **data):
    data.setdefault("subject", "Retard de remboursement")
    data.setdefault("customer_name", "Karima Haddad")
    return services.ticket_create(actor=actor, **data)


def test_create_numbers_from_the_sequence_and_starts_the_clocks(agent, desk):
    first = make(agent, kind="reclamation", category=desk["category"], subcategory=desk["subcategory"])
    second = make(agent)
    assert (first.reference, second.reference) == ("TK-000001", "TK-000002")
    assert first.sla_policy == desk["complaint_policy"] and second.sla_policy == desk["general"]
    assert first.first_response_due < first.resolution_due
    assert first.resolution_risk_at < first.resolution_due
    assert list(TicketStatusChange.objects.filter(ticket=first).values_list("from_status", "to_status")) == \
        [("", "nouveau")]


def test_contact_fills_the_customer_and_agency(agent, desk, org, agency):
    contact = ContactFactory(organization=org, email="karima@example.dz", agency=agency)
    ticket = make(agent, contact=contact, customer_name="")
    assert ticket.customer_email == "karima@example.dz" and ticket.agency == agency
    assert ticket.customer_name == str(contact)


@pytest.mark.parametrize(("data", "field"), [
    ({"subject": ""}, "subject"),
    ({"customer_name": "", "customer_email": ""}, "contact"),
    ({"customer_email": "pas-un-mail"}, "customer_email"),
    ({"kind": "inconnu"}, "kind"),
    ({"priority": "extreme"}, "priority"),
])
def test_bad_input_is_refused_beside_the_field(agent, desk, data, field):
    with pytest.raises(ValidationError) as exc:
        make(agent, **data)
    assert field in exc.value.message_dict
    assert not Ticket.objects.exists()


def test_subcategory_must_belong_to_the_category(agent, desk, org):
    other = CategoryFactory(organization=org, name="Résiliation")
    with pytest.raises(ValidationError) as exc:
        make(agent, category=other, subcategory=desk["subcategory"])
    assert "subcategory" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make(agent, category=desk["subcategory"])
    assert "category" in exc.value.message_dict


def test_another_company_category_is_404(agent, desk, other_org):
    with pytest.raises(Http404):
        make(agent, category=CategoryFactory(organization=other_org))
    assert not Ticket.objects.exists()


def test_supervisor_may_not_create(supervisor, desk):
    with pytest.raises(PermissionDenied):
        make(supervisor)
    assert not Ticket.objects.exists()


def test_workflow_dated_transitions_and_illegal_ones(agent, desk):
    ticket = make(agent, assignee=agent)
    services.ticket_transition(actor=agent, ticket=ticket, status=TicketStatus.OPEN)
    with pytest.raises(ValidationError) as exc:
        services.ticket_transition(actor=agent, ticket=ticket, status=TicketStatus.CLOSED)
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.ticket_transition(actor=agent, ticket=ticket, status=TicketStatus.RESOLVED)
    assert "resolution_code" in exc.value.message_dict
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    services.ticket_transition(actor=agent, ticket=ticket, status=TicketStatus.RESOLVED, resolution_code="repondu")
    services.ticket_transition(actor=agent, ticket=ticket, status=TicketStatus.CLOSED)
    assert [c.to_status for c in ticket.status_changes.all()] == ["nouveau", "ouvert", "resolu", "clos"]
    assert all(c.changed_at for c in ticket.status_changes.all())
    with pytest.raises(ValidationError):
        services.ticket_transition(actor=agent, ticket=ticket, status=TicketStatus.REOPENED)


def test_a_complaint_needs_its_root_cause(agent, desk):
    ticket = make(agent, kind="reclamation", assignee=agent)
    with pytest.raises(ValidationError) as exc:
        services.ticket_transition(actor=agent, ticket=ticket, status="resolu", resolution_code="corrige")
    assert "root_cause" in exc.value.message_dict
    services.ticket_transition(actor=agent, ticket=ticket, status="resolu", resolution_code="corrige",
                               root_cause="delai")
    assert ticket.root_cause == "delai"


def test_waiting_for_the_customer_pauses_then_resumes_the_clocks(agent, desk, monkeypatch):
    ticket = make(agent, assignee=agent)
    due = ticket.resolution_due
    services.ticket_transition(actor=agent, ticket=ticket, status=TicketStatus.WAITING_CUSTOMER)
    ticket.refresh_from_db()
    assert ticket.sla_paused_at is not None and ticket.resolution_due is None
    assert ticket.sla_remaining["resolution_due"] > 0
    assert services.sla_state(ticket) == "paused"
    later = timezone.now() + dt.timedelta(days=7)
    monkeypatch.setattr(timezone, "now", lambda: later)
    services.ticket_transition(actor=agent, ticket=ticket, status=TicketStatus.OPEN)
    ticket.refresh_from_db()
    assert ticket.sla_paused_at is None and ticket.resolution_due > due  # the week waiting did not count


def test_the_scan_escalates_once_to_the_lead_and_supervisors_for_complaints(agent, admin, supervisor, desk):
    ticket = make(agent, kind="reclamation", team=desk["team"], assignee=agent)
    assert services.sla_scan()["escalated"] == 0
    after_due = ticket.resolution_due + dt.timedelta(minutes=1)
    counts = services.sla_scan(now=after_due)
    assert counts["escalated"] == 1 and counts["breached"] == 1
    assert services.sla_scan(now=after_due + dt.timedelta(hours=1))["escalated"] == 0  # exactly once
    ticket.refresh_from_db()
    assert ticket.sla_breached and ticket.escalated_at and ticket.escalation_level == 1
    escalations = Notification.objects.filter(kind="ticket.escalated")
    assert set(escalations.values_list("user__email", flat=True)) == {admin.email, supervisor.email}
    level2 = services.sla_scan(now=after_due + dt.timedelta(days=2))
    assert level2["escalated_level2"] == 1 and "escalated_level2" not in services.sla_scan(
        now=after_due + dt.timedelta(days=3))
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2
    assert Notification.objects.filter(user=supervisor, kind="ticket.escalated").count() == 2


def test_the_scan_warns_the_assignee_when_at_risk(agent, desk):
    ticket = make(agent, assignee=agent)
    risky = ticket.first_response_risk_at + dt.timedelta(seconds=1)
    assert services.sla_scan(now=risky)["at_risk"] == 1
    assert services.sla_scan(now=risky)["at_risk"] == 0
    assert Notification.objects.filter(user=agent, kind="ticket.at_risk").count() == 1
    from assura.service.selectors import queue_filter

    at_risk = queue_filter(Ticket.objects.all(), "at_risk", agent)
    assert list(at_risk) == [ticket] and not queue_filter(Ticket.objects.all(), "breached", agent).exists()
    services.sla_scan(now=ticket.resolution_due + dt.timedelta(seconds=1))
    assert not at_risk.all().exists() and list(queue_filter(Ticket.objects.all(), "breached", agent)) == [ticket]


def test_resolution_records_whether_the_targets_were_met(agent, desk, smtp, django_capture_on_commit_callbacks):
    ticket = make(agent, assignee=agent, customer_email="karima@example.dz")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(actor=agent, ticket=ticket, body="Nous traitons votre dossier.")
        services.ticket_transition(actor=agent, ticket=ticket, status="resolu", resolution_code="repondu")
    assert ticket.sla_met is True and services.sla_state(ticket) == "met"


def test_reply_goes_by_smtp_with_reference_and_threading_headers(agent, desk, smtp,
                                                                 django_capture_on_commit_callbacks):
    ticket = make(agent, assignee=agent, customer_email="karima@example.dz")
    TicketMessage.objects.create(organization=ticket.organization, ticket=ticket, kind="entrant",
                                 body="Bonjour", message_id="<abc@client.dz>", from_email="karima@example.dz")
    with django_capture_on_commit_callbacks(execute=True):
        message = services.ticket_reply(actor=agent, ticket=ticket, body="Votre dossier est en cours.",
                                        wait_for_customer=True)
    sent = smtp.wait(1)[0]  # the acknowledgement was queued outside the capture: only the reply
    assert f"[{ticket.reference}]" in str(sent["Subject"])
    assert sent["In-Reply-To"] == "<abc@client.dz>" and "<abc@client.dz>" in sent["References"]
    assert sent["Message-ID"] == message.message_id
    assert sent.get_content().strip() == "Votre dossier est en cours."
    message.refresh_from_db()
    ticket.refresh_from_db()
    assert message.sent_at and ticket.first_responded_at and ticket.status == TicketStatus.WAITING_CUSTOMER


def test_acknowledgement_has_reference_and_target_date(agent, desk, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make(agent, customer_email="karima@example.dz")
    ack = smtp.wait(1)[0]
    assert ticket.reference in str(ack["Subject"]) and ack["Auto-Submitted"] == "auto-replied"
    body = ack.get_content()
    assert ticket.reference in body and timezone.localtime(ticket.resolution_due).strftime("%d/%m/%Y") in body


def test_a_smtp_failure_is_recorded_not_raised(agent, desk, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    ticket = make(agent, assignee=agent, customer_email="karima@example.dz")
    with django_capture_on_commit_callbacks(execute=True):
        message = services.ticket_reply(actor=agent, ticket=ticket, body="Réponse")
    message.refresh_from_db()
    assert message.sent_at is None and message.send_error


def test_reply_needs_a_body_and_an_address(agent, desk):
    ticket = make(agent, assignee=agent)
    with pytest.raises(ValidationError) as exc:
        services.ticket_reply(actor=agent, ticket=ticket, body="  ")
    assert "body" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.ticket_reply(actor=agent, ticket=ticket, body="Bonjour")  # no e-mail
    assert not TicketMessage.objects.filter(kind="reponse").exists()


def test_notes_are_internal(agent, desk, smtp, django_capture_on_commit_callbacks):
    ticket = make(agent, assignee=agent)
    with django_capture_on_commit_callbacks(execute=True):
        note = services.ticket_note(actor=agent, ticket=ticket, body="Appeler l'expert")
    assert note.kind == "note" and not note.is_public and smtp.messages == []


def test_templates_fill_their_placeholders(agent, desk):
    ticket = make(agent, customer_name="Karima Haddad", policy_number="AUTO-16-000123")
    text = services.template_render("Bonjour {client}, dossier {reference}, police {police}, {inconnu}.",
                                    services.template_values(ticket, agent))
    assert text == f"Bonjour Karima Haddad, dossier {ticket.reference}, police AUTO-16-000123, {{inconnu}}."


def test_assignment_rules_of_permissions(agent, admin, supervisor, desk, org, other_admin):
    ticket = make(admin)
    other_team = TeamFactory(organization=org, name="Souscriptions")
    services.ticket_assign(actor=supervisor, ticket=ticket, assignee=agent, team=other_team)
    assert (ticket.assignee, ticket.team) == (agent, other_team)
    assert Notification.objects.filter(user=agent, kind="ticket.assigned").exists()
    with pytest.raises(PermissionDenied):
        services.ticket_assign(actor=agent, ticket=ticket, assignee=admin)
    with pytest.raises(Http404):
        services.ticket_assign(actor=admin, ticket=ticket, assignee=other_admin)
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_an_agent_may_take_an_unassigned_ticket(agent, admin, desk):
    ticket = make(admin, team=desk["team"])
    assert ticket.assignee is None
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    assert ticket.assignee == agent


def test_visibility_of_an_agent(agent, admin, org, desk):
    from assura.core.testing.factories import AgencyFactory, UserFactory

    far = AgencyFactory(organization=org, number="031-009")
    colleague = UserFactory(organization=org, agency=far, email="c@alliance.test")
    mine = TicketFactory(organization=org, assignee=agent)
    team = TicketFactory(organization=org, team=desk["team"], agency=far)
    hidden = TicketFactory(organization=org, assignee=colleague, agency=far)
    visible = set(Ticket.objects.visible_to(agent).values_list("pk", flat=True))
    assert {mine.pk, team.pk} <= visible and hidden.pk not in visible
    assert hidden.pk in set(Ticket.objects.visible_to(admin).values_list("pk", flat=True))


def test_home_items_most_urgent_first(agent, desk):
    low = make(agent, assignee=agent, priority="basse")
    urgent = make(agent, assignee=agent, priority="urgente")
    late = make(agent, assignee=agent)
    Ticket.objects.filter(pk=late.pk).update(sla_breached=True)
    done = make(agent, assignee=agent)
    services.ticket_transition(actor=agent, ticket=done, status="resolu", resolution_code="repondu")
    from assura.service.selectors import home_items

    items = home_items(agent)
    assert items[0] == late and done not in items and {low, urgent} <= set(items)
