"""Celery tasks of the core: a thin interface over the job runner."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone


@shared_task(name="assura.core.tasks.run_job")
def run_job(job_id: int) -> str:
    from assura.core.jobs import job_run

    job = job_run(job_id)
    return job.status if job else "skipped"


@shared_task(name="assura.core.tasks.fail_stale_jobs")
def fail_stale_jobs(hours: int = 6) -> int:
    """Jobs stuck 'running' for hours belonged to a worker that died: mark them failed."""
    from assura.core.models import Job, JobStatus

    limit = timezone.now() - timedelta(hours=hours)
    return Job.objects.filter(status=JobStatus.RUNNING, started_at__lt=limit).update(
        status=JobStatus.FAILED, finished_at=timezone.now()
    )


@shared_task(name="assura.core.tasks.cleanup_import_sources")
def cleanup_import_sources(hours: int = 24) -> int:
    """Uploaded import files older than a day that no job needs any more."""
    from assura.core.imports import sources_cleanup

    return sources_cleanup(hours=hours)
