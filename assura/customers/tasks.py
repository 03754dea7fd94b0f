"""Scheduled work of the customers app (thin: calls services). Safe to run twice a day: each
birthday is told once per contact and year."""

from celery import shared_task


@shared_task(name="assura.customers.tasks.notify_birthdays")
def notify_birthdays() -> int:
    from assura.customers.services import birthdays_notify

    return birthdays_notify()
