"""Scheduled work of the activities app (thin: calls services)."""

from celery import shared_task


@shared_task(name="assura.activities.tasks.send_due_reminders")
def send_due_reminders() -> int:
    from assura.activities.services import reminders_send_due

    return reminders_send_due()
