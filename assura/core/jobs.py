"""Background jobs: a registry of handlers, enqueueing on commit, and progress reporting.

A module registers a handler with `@job_handler("contacts.import")`; the handler receives
the Job and a `JobReporter` to report progress. Jobs are enqueued with
`transaction.on_commit`, run by id, and are idempotent: a job that is not queued is
never run twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from assura.core.models import Job, JobStatus

logger = logging.getLogger(__name__)

HANDLERS: dict[str, Callable] = {}


def job_handler(kind: str):
    def register(func):
        HANDLERS[kind] = func
        return func

    return register


class JobReporter:
    """Handed to a handler so that it can report progress without knowing the model."""

    def __init__(self, job: Job, every: int = 1):
        self.job = job
        self.every = max(1, every)

    def set_total(self, total: int) -> None:
        self.job.total = total
        self.job.save(update_fields=["total"])

    def step(self, *, ok: bool = True, error: dict | None = None) -> None:
        job = self.job
        job.processed += 1
        if ok:
            job.succeeded_count += 1
        else:
            job.failed_count += 1
            if error is not None and len(job.errors) < 1000:
                job.errors.append(error)
        if job.total:
            job.progress = min(99, int(job.processed * 100 / job.total))
        if job.processed % self.every == 0 or job.processed == job.total:
            job.save(update_fields=["processed", "succeeded_count", "failed_count", "errors", "progress"])


def job_enqueue(*, kind: str, user, params: dict | None = None) -> Job:
    if kind not in HANDLERS:
        raise KeyError(f"No job handler for {kind!r}")
    job = Job.objects.create(organization=user.organization, kind=kind, created_by=user, params=params or {})
    from assura.core.tasks import run_job

    transaction.on_commit(lambda: run_job.delay(job.pk))
    return job


def job_run(job_id: int) -> Job | None:
    """Run a queued job once. Returns None when there was nothing to run."""
    with transaction.atomic():
        updated = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=timezone.now()
        )
    if not updated:
        return None
    job = Job.objects.select_related("organization", "created_by").get(pk=job_id)
    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise KeyError(f"No job handler for {job.kind!r}")
        handler(job, JobReporter(job, every=max(1, job.total // 100) if job.total else 50))
    except Exception as exc:  # a failed job is recorded, never lost
        logger.exception("Job %s failed", job_id)
        job.status = JobStatus.FAILED
        job.errors = [*job.errors, {"message": str(exc)[:500]}]
    else:
        job.status = JobStatus.SUCCEEDED
        job.progress = 100
    job.finished_at = timezone.now()
    job.save()
    return job
