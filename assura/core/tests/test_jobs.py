"""Background jobs: enqueue on commit, eager run, the audit export, idempotence, failures,
visibility and the progress page."""

import csv
import io

import pytest
from django.forms.models import model_to_dict

from assura.core.exports import AUDIT_COLUMNS
from assura.core.jobs import HANDLERS, job_enqueue, job_run
from assura.core.models import AuditAction, AuditEvent, Job, JobStatus
from assura.core.testing import factories as f


def enqueue(capture, **kwargs) -> Job:
    """job_enqueue, with its on-commit run executed (Celery is eager in tests)."""
    with capture(execute=True):
        job = job_enqueue(**kwargs)
    job.refresh_from_db()
    return job


def csv_rows(job) -> list[list[str]]:
    with job.result_file.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))


@pytest.fixture
def company_events(org, other_org, admin):
    """Three events of the company and two of the other company."""
    for action, email in [("auth.login", "admin@alliance.test"), ("user.role_changed", "admin@alliance.test"),
                          ("auth.login_failed", "inconnu@alliance.test")]:
        f.AuditEventFactory(organization=org, action=action, actor_email=email)
    for action in ["auth.login", "user.deactivated"]:
        f.AuditEventFactory(organization=other_org, action=action, actor_email="admin@atlas.test")


def test_audit_export_writes_the_company_events_only(admin, company_events, django_capture_on_commit_callbacks):
    job = enqueue(django_capture_on_commit_callbacks, kind="audit.export", user=admin)

    assert job.status == JobStatus.SUCCEEDED
    assert (job.progress, job.total, job.processed, job.succeeded_count, job.failed_count) == (100, 3, 3, 3, 0)
    assert job.errors == []
    assert job.result == {"rows": 3}
    assert job.started_at is not None and job.finished_at >= job.started_at
    rows = csv_rows(job)
    assert rows[0] == AUDIT_COLUMNS == ["date", "action", "auteur", "objet", "type", "adresse_ip", "details"]
    assert [(r[1], r[2]) for r in rows[1:]] == [
        ("auth.login", "admin@alliance.test"),
        ("user.role_changed", "admin@alliance.test"),
        ("auth.login_failed", "inconnu@alliance.test"),
    ]
    assert "admin@atlas.test" not in "".join(",".join(r) for r in rows)
    assert job.result_file.name.endswith(f"-{job.pk}.csv")


def test_audit_export_is_itself_audited(admin, org, company_events, django_capture_on_commit_callbacks):
    job = enqueue(django_capture_on_commit_callbacks, kind="audit.export", user=admin)

    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.organization, event.actor, event.object_type, event.object_id, event.data) == (
        org, admin, "job", str(job.pk), {"what": "audit", "rows": 3}
    )


def test_audit_export_applies_its_filters(admin, company_events, django_capture_on_commit_callbacks):
    job = enqueue(django_capture_on_commit_callbacks, kind="audit.export", user=admin,
                  params={"action": "auth.login"})

    assert [r[1] for r in csv_rows(job)[1:]] == ["auth.login"]
    assert job.result == {"rows": 1}


def test_a_job_is_not_run_before_its_transaction_commits(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_enqueue(kind="audit.export", user=admin)

    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert len(callbacks) == 1


def test_job_enqueue_refuses_an_unknown_kind(admin):
    with pytest.raises(KeyError):
        job_enqueue(kind="nothing.registered", user=admin)

    assert Job.objects.count() == 0


def test_job_run_is_idempotent(admin, company_events, django_capture_on_commit_callbacks):
    job = enqueue(django_capture_on_commit_callbacks, kind="audit.export", user=admin)
    before = model_to_dict(job)
    events_before = AuditEvent.objects.count()

    assert job_run(job.pk) is None

    job.refresh_from_db()
    assert model_to_dict(job) == before
    assert AuditEvent.objects.count() == events_before


def test_job_run_of_a_missing_job_does_nothing(db):
    assert job_run(987654) is None


def test_a_failing_handler_ends_failed_with_its_message(admin, monkeypatch, django_capture_on_commit_callbacks):
    def explode(job, reporter):
        reporter.set_total(4)
        reporter.step()
        reporter.step(ok=False, error={"line": 3, "message": "Téléphone invalide"})
        raise RuntimeError("Le fichier est illisible à la ligne 4.")

    monkeypatch.setitem(HANDLERS, "test.explode", explode)

    job = enqueue(django_capture_on_commit_callbacks, kind="test.explode", user=admin)

    assert job.status == JobStatus.FAILED
    assert job.errors == [{"line": 3, "message": "Téléphone invalide"},
                          {"message": "Le fichier est illisible à la ligne 4."}]
    assert (job.total, job.processed, job.succeeded_count, job.failed_count) == (4, 2, 1, 1)
    assert job.progress == 50
    assert job.finished_at is not None
    assert job.is_finished is True


def test_a_job_whose_handler_disappeared_fails(admin):
    job = f.JobFactory(organization=admin.organization, kind="test.gone", created_by=admin)

    job_run(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.errors == [{"message": "\"No job handler for 'test.gone'\""}]


# --- Visibility -----------------------------------------------------------------------------------

@pytest.fixture
def jobs(org, other_org, admin, agent, supervisor, other_admin):
    return {
        "agent": f.JobFactory(organization=org, created_by=agent),
        "supervisor": f.JobFactory(organization=org, created_by=supervisor),
        "admin": f.JobFactory(organization=org, created_by=admin),
        "other": f.JobFactory(organization=other_org, created_by=other_admin),
    }


def test_an_agent_sees_only_their_own_jobs(agent, jobs):
    assert list(Job.objects.visible_to(agent)) == [jobs["agent"]]


def test_a_supervisor_sees_only_their_own_jobs(supervisor, jobs):
    assert list(Job.objects.visible_to(supervisor)) == [jobs["supervisor"]]


def test_an_admin_sees_every_job_of_the_company_only(admin, jobs):
    assert set(Job.objects.visible_to(admin)) == {jobs["agent"], jobs["supervisor"], jobs["admin"]}


def test_the_other_company_admin_sees_only_theirs(other_admin, jobs):
    assert list(Job.objects.visible_to(other_admin)) == [jobs["other"]]


# --- The progress page ------------------------------------------------------------------------------

def test_job_page_polls_while_running(client, admin, org):
    job = f.JobFactory(organization=org, created_by=admin, status=JobStatus.RUNNING, total=10, processed=4,
                       progress=40)
    client.force_login(admin)

    response = client.get(f"/jobs/{job.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'hx-get="/jobs/{job.pk}/" hx-trigger="every 1s" hx-swap="outerHTML"' in page
    assert 'data-status="running"' in page
    assert 'aria-valuenow="40"' in page


def test_job_page_htmx_poll_returns_the_progress_partial(client, admin, org):
    job = f.JobFactory(organization=org, created_by=admin, status=JobStatus.RUNNING)
    client.force_login(admin)

    response = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})

    body = response.content.decode().strip()
    assert body.startswith('<div id="job-progress"')
    assert "<html" not in body


def test_job_page_stops_polling_once_finished(client, admin, org, django_capture_on_commit_callbacks):
    job = enqueue(django_capture_on_commit_callbacks, kind="audit.export", user=admin)
    client.force_login(admin)

    response = client.get(f"/jobs/{job.pk}/")

    page = response.content.decode()
    assert "hx-trigger" not in page.split('id="job-progress"')[1].split(">")[0]
    assert 'data-status="succeeded"' in page
    assert f'href="/jobs/{job.pk}/download/" data-testid="job-download"' in page


# --- The produced file --------------------------------------------------------------------------

def test_the_launcher_downloads_the_produced_file(client, admin, company_events, django_capture_on_commit_callbacks):
    job = enqueue(django_capture_on_commit_callbacks, kind="audit.export", user=admin)
    client.force_login(admin)

    response = client.get(f"/jobs/{job.pk}/download/")

    assert response.status_code == 200
    filename = job.result_file.name.rsplit("/", 1)[-1]
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert content.splitlines()[0] == ",".join(AUDIT_COLUMNS)
    assert len(content.splitlines()) == 4


def test_the_produced_file_is_not_public(admin, org, django_capture_on_commit_callbacks):
    job = enqueue(django_capture_on_commit_callbacks, kind="audit.export", user=admin)

    # Stored under the company's folder, in a directory nobody can guess.
    folder, org_id, secret, _name = job.result_file.name.split("/")
    assert (folder, org_id, len(secret)) == ("jobs", str(org.pk), 32)


def test_a_user_who_may_not_see_the_job_cannot_download_its_file(
    client, admin, agent, django_capture_on_commit_callbacks
):
    job = enqueue(django_capture_on_commit_callbacks, kind="audit.export", user=admin)
    client.force_login(agent)

    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_a_job_without_file_has_nothing_to_download(client, admin, org):
    job = f.JobFactory(organization=org, created_by=admin, status=JobStatus.RUNNING)
    client.force_login(admin)

    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
