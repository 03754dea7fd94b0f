"""Scheduled work of the portfolio (thin: calls services). Both are safe to run twice a day:
a renewal task exists once per policy, a dunning step once per instalment."""

from celery import shared_task


@shared_task(name="assura.portfolio.tasks.schedule_renewals")
def schedule_renewals() -> int:
    from assura.portfolio.services import renewals_schedule

    return renewals_schedule()


@shared_task(name="assura.portfolio.tasks.run_dunning")
def run_dunning() -> int:
    from assura.portfolio.services import dunning_run

    return dunning_run()
