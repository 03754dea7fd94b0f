"""Services of the activities app: defaults by kind, validation, complete / cancel / reschedule,
reminders (sent once, in-app and by e-mail), and the tenant and permission checks."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from assura.activities import services
from assura.activities.models import Activity
from assura.activities.tasks import send_due_reminders
from assura.activities.tests.conftest import local
from assura.core.models import Notification

pytestmark = pytest.mark.django_db


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


# --- Create: logged kinds -------------------------------------------------------------------------------

def test_a_logged_call_is_done_now_by_its_author_in_the_contact_agency(agent, contact):
    before = timezone.now()

    call = services.activity_create(
        actor=agent, kind="call", subject="  Appel de   bienvenue ", contact=contact, duration_seconds=180,
        outcome="reached",
    )

    call.refresh_from_db()
    assert (call.status, call.channel, call.direction, call.outcome, call.duration_seconds) == (
        "done", "phone", "out", "reached", 180)
    assert call.subject == "Appel de bienvenue"
    assert call.search_text == "appel de bienvenue"
    assert before <= call.occurred_at <= timezone.now()
    assert call.completed_at == call.occurred_at
    assert (call.assignee, call.created_by, call.agency, call.organization_id) == (
        agent, agent, contact.agency, agent.organization_id)
    assert (call.due_at, call.start_at, call.remind_at) == (None, None, None)


def test_a_note_dated_earlier_keeps_its_date_and_drops_call_fields(agent, contact):
    when = local(-3, 9, 15)

    note = services.activity_create(actor=agent, kind="note", subject="Client hésitant", contact=contact,
                                    occurred_at=when, direction="in", duration_seconds=60, due_at=local(2, 9))

    assert (note.occurred_at, note.status, note.channel) == (when, "done", "")
    assert (note.direction, note.duration_seconds, note.due_at) == ("", None, None)


def test_the_agency_defaults_to_the_actor_s_when_the_record_has_none(org, agent):
    from assura.customers.tests.factories import ContactFactory

    contact = ContactFactory(organization=org, agency=None, owner=agent)

    sms = services.activity_create(actor=agent, kind="sms", subject="Relance échéance", contact=contact)

    assert (sms.agency, sms.channel) == (agent.agency, "sms")


def test_a_logged_activity_cannot_be_dated_in_the_future(agent, contact):
    with pytest.raises(ValidationError) as exc:
        services.activity_create(actor=agent, kind="visit", subject="Visite", contact=contact,
                                 occurred_at=timezone.now() + timedelta(hours=2))

    assert errors_of(exc) == {"occurred_at": ["Une activité consignée ne peut pas être datée dans le futur."]}
    assert Activity.objects.count() == 0


def test_a_logged_activity_needs_a_record_and_cannot_be_planned(agent):
    with pytest.raises(ValidationError) as exc:
        services.activity_create(actor=agent, kind="call", subject="Appel", status="planned")

    assert errors_of(exc) == {
        "__all__": ["Rattachez l'activité à un contact, un compte ou une piste."],
        "status": ["Un appel, une note, un message ou une visite se consigne une fois fait : pour le prévoir, "
                   "créez une tâche ou un rendez-vous."],
    }
    assert Activity.objects.count() == 0


@pytest.mark.parametrize("field", ["account", "lead"])
def test_an_activity_may_be_about_an_account_or_a_lead(agent, account, lead, field):
    record = {"account": account, "lead": lead}[field]

    email = services.activity_create(actor=agent, kind="email", subject="Devis envoyé", **{field: record})

    assert (getattr(email, field), email.channel, email.status) == (record, "email", "done")


# --- Create: planned kinds -------------------------------------------------------------------------------

def test_an_appointment_lasts_an_hour_by_default_and_reminds_30_minutes_before(agent, contact):
    start = local(1, 10)

    rdv = services.activity_create(actor=agent, kind="appointment", subject="Rendez-vous Benali", contact=contact,
                                   start_at=start, place="Agence Hydra", remind_before=30, remind_by_email=True)

    rdv.refresh_from_db()
    assert (rdv.status, rdv.start_at, rdv.end_at, rdv.occurred_at) == ("planned", start, local(1, 11), start)
    assert (rdv.remind_at, rdv.remind_by_email, rdv.reminded_at, rdv.completed_at) == (
        local(1, 9, 30), True, None, None)
    assert rdv.place == "Agence Hydra"


def test_a_task_without_a_record_is_planned_for_its_due_date(agent):
    due = local(2, 17)

    task = services.activity_create(actor=agent, kind="task", subject="Préparer le point mensuel", due_at=due,
                                    priority="high")

    assert (task.status, task.due_at, task.occurred_at, task.priority, task.contact) == (
        "planned", due, due, "high", None)
    assert (task.remind_at, task.remind_by_email) == (None, False)


def test_an_appointment_needs_a_start_and_an_end_after_it(agent, contact):
    with pytest.raises(ValidationError) as missing:
        services.activity_create(actor=agent, kind="appointment", subject="RDV", contact=contact)
    with pytest.raises(ValidationError) as backwards:
        services.activity_create(actor=agent, kind="appointment", subject="RDV", contact=contact,
                                 start_at=local(1, 10), end_at=local(1, 9))

    assert errors_of(missing) == {"start_at": ["Indiquez le début du rendez-vous."]}
    assert errors_of(backwards) == {"end_at": ["La fin doit être après le début."]}
    assert Activity.objects.count() == 0


def test_work_cannot_be_planned_on_a_day_already_past(agent, contact):
    with pytest.raises(ValidationError) as exc:
        services.activity_create(actor=agent, kind="task", subject="Relancer", contact=contact, due_at=local(-1, 10))

    assert errors_of(exc) == {"due_at": ["Cette date est passée : choisissez aujourd'hui ou plus tard."]}
    assert Activity.objects.count() == 0


def test_a_reminder_needs_a_date(agent):
    with pytest.raises(ValidationError) as exc:
        services.activity_create(actor=agent, kind="task", subject="Sans date", remind_before=15)

    assert errors_of(exc) == {"remind_before": ["Un rappel demande une date d'échéance ou de début."]}


def test_attendees_and_assignee_of_the_company_are_kept(agent, colleague, contact):
    rdv = services.activity_create(actor=agent, kind="appointment", subject="RDV", contact=contact,
                                   start_at=local(1, 14), assignee=colleague, attendees=[agent])

    assert rdv.assignee == colleague
    assert list(rdv.attendees.all()) == [agent]


# --- Tenancy and permissions -------------------------------------------------------------------------------

def test_another_company_s_contact_is_404_and_nothing_is_saved(agent, foreign_contact):
    with pytest.raises(Http404):
        services.activity_create(actor=agent, kind="call", subject="Appel", contact=foreign_contact)

    assert Activity.objects.count() == 0


def test_a_contact_the_agent_may_not_see_is_404(agent, far_contact):
    with pytest.raises(Http404):
        services.activity_create(actor=agent, kind="note", subject="Note", contact=far_contact)

    assert Activity.objects.count() == 0


def test_another_company_s_user_cannot_be_assigned(agent, contact, other_admin):
    with pytest.raises(Http404):
        services.activity_create(actor=agent, kind="task", subject="Tâche", contact=contact, assignee=other_admin)

    assert Activity.objects.count() == 0


def test_a_supervisor_may_not_write_activities(supervisor, contact):
    with pytest.raises(PermissionDenied):
        services.activity_create(actor=supervisor, kind="note", subject="Note", contact=contact)

    assert Activity.objects.count() == 0


def test_an_agent_may_not_change_a_colleague_s_activity(agent, colleague, contact):
    task = services.activity_create(actor=colleague, kind="task", subject="Tâche de Nadia", contact=contact,
                                    due_at=local(1, 9))

    with pytest.raises(PermissionDenied):
        services.activity_update(actor=agent, activity=task, subject="Pris par Karim")
    with pytest.raises(PermissionDenied):
        services.activity_complete(actor=agent, activity=task)

    task.refresh_from_db()
    assert (task.subject, task.status) == ("Tâche de Nadia", "planned")


def test_an_editor_may_change_anyone_s_activity(editor, colleague, contact):
    task = services.activity_create(actor=colleague, kind="task", subject="Tâche", contact=contact,
                                    due_at=local(1, 9))

    services.activity_update(actor=editor, activity=task, subject="Tâche revue", priority="urgent")

    task.refresh_from_db()
    assert (task.subject, task.priority, task.assignee) == ("Tâche revue", "urgent", colleague)


# --- Update, complete, cancel -------------------------------------------------------------------------------

def test_update_moves_the_occurrence_with_the_due_date_and_rearms_the_reminder(agent, contact):
    task = services.activity_create(actor=agent, kind="task", subject="Relance", contact=contact,
                                    due_at=local(1, 9), remind_before=0)
    Activity.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
    task.refresh_from_db()

    services.activity_update(actor=agent, activity=task, due_at=local(3, 15), remind_before=60)

    task.refresh_from_db()
    assert (task.due_at, task.occurred_at, task.remind_at, task.reminded_at) == (
        local(3, 15), local(3, 15), local(3, 14), None)


def test_complete_then_complete_again_is_refused(agent, contact):
    task = services.activity_create(actor=agent, kind="task", subject="Relance", contact=contact,
                                    due_at=local(1, 9))

    services.activity_complete(actor=agent, activity=task)
    with pytest.raises(ValidationError) as again:
        services.activity_complete(actor=agent, activity=task)
    with pytest.raises(ValidationError) as cancel:
        services.activity_cancel(actor=agent, activity=task)

    task.refresh_from_db()
    assert task.status == "done"
    assert task.completed_at is not None
    assert errors_of(again) == {"status": ["Cette activité est déjà faite."]}
    assert errors_of(cancel) == {"status": ["Une activité faite ne peut pas être annulée."]}


def test_a_cancelled_appointment_cannot_be_completed(agent, contact):
    rdv = services.activity_create(actor=agent, kind="appointment", subject="RDV", contact=contact,
                                   start_at=local(1, 10))

    services.activity_cancel(actor=agent, activity=rdv)
    with pytest.raises(ValidationError) as exc:
        services.activity_complete(actor=agent, activity=rdv)

    rdv.refresh_from_db()
    assert (rdv.status, rdv.completed_at) == ("cancelled", None)
    assert errors_of(exc) == {"status": ["Une activité annulée ne peut pas être marquée comme faite."]}


# --- Reschedule ------------------------------------------------------------------------------------------------

def test_reschedule_keeps_the_length_and_moves_the_reminder(agent, contact):
    rdv = services.activity_create(actor=agent, kind="appointment", subject="RDV", contact=contact,
                                   start_at=local(1, 10), end_at=local(1, 11, 30), remind_before=30)

    services.activity_reschedule(actor=agent, activity=rdv, start_at=local(4, 14))

    rdv.refresh_from_db()
    assert (rdv.start_at, rdv.end_at, rdv.occurred_at, rdv.remind_at, rdv.reminded_at) == (
        local(4, 14), local(4, 15, 30), local(4, 14), local(4, 13, 30), None)


def test_reschedule_a_task_sets_its_due_date(agent, contact):
    task = services.activity_create(actor=agent, kind="task", subject="Relance", contact=contact,
                                    due_at=local(1, 9))

    services.activity_reschedule(actor=agent, activity=task, due_at=local(2, 16))

    task.refresh_from_db()
    assert (task.due_at, task.occurred_at, task.start_at) == (local(2, 16), local(2, 16), None)


def test_reschedule_into_a_past_day_or_of_done_work_is_refused_and_nothing_moves(agent, contact):
    rdv = services.activity_create(actor=agent, kind="appointment", subject="RDV", contact=contact,
                                   start_at=local(1, 10))
    call = services.activity_create(actor=agent, kind="call", subject="Appel", contact=contact)

    with pytest.raises(ValidationError) as past:
        services.activity_reschedule(actor=agent, activity=rdv, start_at=local(-2, 10))
    with pytest.raises(ValidationError) as done:
        services.activity_reschedule(actor=agent, activity=call, start_at=local(2, 10))

    rdv.refresh_from_db()
    assert (rdv.start_at, rdv.end_at) == (local(1, 10), local(1, 11))
    assert errors_of(past) == {"start_at": ["Cette date est passée : choisissez aujourd'hui ou plus tard."]}
    assert errors_of(done) == {"__all__": ["Seule une tâche ou un rendez-vous à faire peut être déplacé."]}


# --- Reminders -------------------------------------------------------------------------------------------------

def test_a_due_reminder_is_sent_once_in_app_and_by_e_mail(agent, contact, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    start = timezone.now() + timedelta(minutes=20)
    rdv = services.activity_create(actor=agent, kind="appointment", subject="Rendez-vous Benali", contact=contact,
                                   start_at=start, remind_before=30, remind_by_email=True)

    with django_capture_on_commit_callbacks(execute=True):
        first = services.reminders_send_due()
    with django_capture_on_commit_callbacks(execute=True):
        second = services.reminders_send_due()

    rdv.refresh_from_db()
    notifications = list(Notification.objects.filter(user=agent))
    assert (first, second) == (1, 0)
    assert rdv.reminded_at is not None
    assert [(n.kind, n.title, n.url) for n in notifications] == [
        ("activity.reminder", "Rappel : Rendez-vous Benali", f"/activities/{rdv.pk}/")]
    assert notifications[0].body.startswith("Rendez-vous le ")
    assert notifications[0].body.endswith(" — Karim Benali")
    assert [(m.subject, m.to) for m in mailoutbox] == [("[Assura] Rappel : Rendez-vous Benali", [agent.email])]
    assert f"/activities/{rdv.pk}/" in mailoutbox[0].body


def test_only_due_planned_reminders_go_out_and_e_mail_only_when_asked(agent, colleague, contact, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    soon = services.activity_create(actor=agent, kind="task", subject="Bientôt", contact=contact,
                                    due_at=timezone.now() + timedelta(minutes=5), remind_before=15,
                                    assignee=colleague)
    later = services.activity_create(actor=agent, kind="task", subject="Plus tard", contact=contact,
                                     due_at=local(2, 10), remind_before=15)
    cancelled = services.activity_create(actor=agent, kind="task", subject="Annulée", contact=contact,
                                         due_at=timezone.now() + timedelta(minutes=5), remind_before=15)
    services.activity_cancel(actor=agent, activity=cancelled)

    with django_capture_on_commit_callbacks(execute=True):
        sent = send_due_reminders()

    assert sent == 1
    assert list(Notification.objects.values_list("user__email", "title")) == [
        ("collegue@alliance.test", "Rappel : Bientôt")]
    assert mailoutbox == []
    assert list(Activity.objects.filter(reminded_at__isnull=False).values_list("pk", flat=True)) == [soon.pk]
    assert Activity.objects.get(pk=later.pk).reminded_at is None


def test_attendees_are_reminded_too(agent, colleague, contact):
    services.activity_create(actor=agent, kind="appointment", subject="Visite client", contact=contact,
                             start_at=timezone.now() + timedelta(minutes=10), remind_before=15, attendees=[colleague])

    services.reminders_send_due()

    assert sorted(Notification.objects.values_list("user__email", flat=True)) == [
        "agent@alliance.test", "collegue@alliance.test"]
