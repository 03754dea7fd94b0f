"""A real Celery worker on the configured broker: the filesystem broker of the embedded
default under `make test`, Redis when CELERY_BROKER_URL points at it (CI's second run)."""

from __future__ import annotations

import csv
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import transaction

from assura.core.jobs import job_enqueue
from assura.core.models import Job, JobStatus
from assura.core.testing import factories as f
from config.celery import app

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker():
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"):
            yield app
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def wait_finished(job: Job, timeout: float = 30.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"Job {job.pk} still {job.status} after {timeout}s")


def test_export_job_runs_on_a_real_worker_after_commit(real_worker, admin, other_admin):
    # Given audit events in two companies
    for _ in range(3):
        f.AuditEventFactory(organization=admin.organization, action="auth.login", actor_email=admin.email)
    f.AuditEventFactory(organization=other_admin.organization, action="auth.login", actor_email=other_admin.email)

    # When the export is enqueued inside a transaction
    with transaction.atomic():
        job = job_enqueue(kind="audit.export", user=admin)
        assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED  # nothing sent before commit

    # Then the worker picks it up after commit and produces the file of this company only
    job = wait_finished(job)
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert (job.total, job.processed, job.progress) == (3, 3, 100)
    with job.result_file.open("rb") as fh:
        rows = list(csv.reader(fh.read().decode("utf-8-sig").splitlines()))
    assert rows[0][:2] == ["date", "action"]
    assert [r[2] for r in rows[1:]] == [admin.email] * 3


def test_a_job_is_not_run_twice(real_worker, admin):
    job = job_enqueue(kind="audit.export", user=admin)
    job = wait_finished(job)
    finished_at = job.finished_at
    # Delivering the same message again (a retry, a duplicate) changes nothing.
    app.send_task("assura.core.tasks.run_job", args=[job.pk])
    # The solo worker takes messages in order: once a later job is done, the duplicate was consumed.
    wait_finished(job_enqueue(kind="audit.export", user=admin))
    job.refresh_from_db()
    assert (job.status, job.finished_at) == (JobStatus.SUCCEEDED, finished_at)
