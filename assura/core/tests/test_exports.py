"""List exports: the rows the user may see with the list's filters and sort, the list's columns,
XLSX and CSV, the permission ("data.export", administrators), the audit entry, the API."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from assura.core.exports_lists import export_enqueue
from assura.core.models import AuditAction, AuditEvent, Job, JobStatus
from assura.core.testing import factories as f
from assura.customers.tests.factories import AccountFactory, ContactFactory
from assura.leads.models import Lead

CONTACT_HEADER = ["Code client", "Nom", "Prénom", "Nom (arabe)", "Prénom (arabe)", "Téléphone", "Wilaya", "Agence",
                  "Gestionnaire", "Créé le"]


def export(capture, **kwargs) -> Job:
    with capture(execute=True):
        job = export_enqueue(**kwargs)
    job.refresh_from_db()
    return job


def xlsx_rows(job) -> list[list]:
    with job.result_file.open("rb") as handle:
        sheet = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(job) -> list[list[str]]:
    with job.result_file.open("rb") as handle:
        raw = handle.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def contacts(org, other_org, agency, admin, agent):
    """Two contacts of the company (one the agent's, in the agency), one of the other company."""
    mine = ContactFactory(organization=org, code="C00000001", last_name="Benali", first_name="Karim",
                          last_name_ar="بن علي", phone="+213550123456", wilaya_id="16", agency=agency, owner=agent)
    theirs = ContactFactory(organization=org, code="C00000002", last_name="Haddad", first_name="Nadia",
                            phone="+213661234567", wilaya_id="31", owner=admin)
    ContactFactory(organization=other_org, code="C00000003", last_name="Autre", first_name="Société")
    return mine, theirs


def test_xlsx_export_has_the_list_columns_and_the_company_rows(admin, contacts, django_capture_on_commit_callbacks):
    job = export(django_capture_on_commit_callbacks, user=admin, kind="contacts", query="ordering=code")

    assert (job.status, job.result) == (JobStatus.SUCCEEDED, {"rows": 2, "format": "xlsx", "kind": "contacts"})
    rows = xlsx_rows(job)
    assert rows[0] == CONTACT_HEADER
    assert [r[:9] for r in rows[1:]] == [
        ["C00000001", "Benali", "Karim", "بن علي", None, "0550 12 34 56", "16 – Alger", str(contacts[0].agency),
         str(contacts[0].owner)],
        ["C00000002", "Haddad", "Nadia", None, None, "0661 23 45 67", "31 – Oran", None, str(contacts[1].owner)],
    ]
    assert isinstance(rows[1][9], datetime.datetime)
    assert job.result_file.name.endswith(f"-{job.pk}.xlsx")


def test_export_applies_the_list_filters_and_sort(admin, contacts, django_capture_on_commit_callbacks):
    job = export(django_capture_on_commit_callbacks, user=admin, kind="contacts", query="wilaya=31", fmt="csv")
    everyone = export(django_capture_on_commit_callbacks, user=admin, kind="contacts", query="ordering=-code",
                      fmt="csv")
    searched = export(django_capture_on_commit_callbacks, user=admin, kind="contacts", query="q=benali", fmt="csv")

    assert [r[0] for r in csv_rows(job)[1:]] == ["C00000002"]
    assert [r[0] for r in csv_rows(everyone)[1:]] == ["C00000002", "C00000001"]
    assert [r[0] for r in csv_rows(searched)[1:]] == ["C00000001"]


def test_csv_export_is_excel_friendly_and_formula_safe(admin, org, django_capture_on_commit_callbacks):
    ContactFactory(organization=org, code="C00000009", last_name="=HYPERLINK(\"http://x\")", first_name="@moi")

    job = export(django_capture_on_commit_callbacks, user=admin, kind="contacts", fmt="csv")

    rows = csv_rows(job)
    assert rows[0] == CONTACT_HEADER
    assert rows[1][:3] == ["C00000009", "'=HYPERLINK(\"http://x\")", "'@moi"]


def test_export_contains_only_what_the_user_may_see(agent, contacts, django_capture_on_commit_callbacks):
    """data.export is for administrators; a company may grant it to a group. An Utilisateur of that
    group exports their own and their agency's records only."""
    group = f.PermissionGroupFactory(organization=agent.organization, permissions=["data.export"])
    agent.permission_groups.add(group)

    job = export(django_capture_on_commit_callbacks, user=agent, kind="contacts", fmt="csv")

    assert [r[0] for r in csv_rows(job)[1:]] == ["C00000001"]


def test_accounts_and_leads_export(admin, org, django_capture_on_commit_callbacks):
    AccountFactory(organization=org, name="SARL Transports", nif="000016001234567")
    Lead.objects.create(organization=org, full_name="Karim Benali", source="salon", company="Sahel")

    accounts = export(django_capture_on_commit_callbacks, user=admin, kind="accounts", fmt="csv")
    leads = export(django_capture_on_commit_callbacks, user=admin, kind="leads", fmt="csv")

    assert csv_rows(accounts)[0][:3] == ["Raison sociale", "NIF", "Secteur"]
    assert csv_rows(accounts)[1][:2] == ["SARL Transports", "000016001234567"]
    assert csv_rows(leads)[0][:4] == ["Nom complet", "Société", "Téléphone", "Source"]
    assert csv_rows(leads)[1][:5] == ["Karim Benali", "Sahel", "", "Salon", "Froid"]


def test_export_is_audited(admin, contacts, django_capture_on_commit_callbacks):
    job = export(django_capture_on_commit_callbacks, user=admin, kind="contacts", query="wilaya=16")

    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.actor, event.object_id, event.data) == (
        admin, str(job.pk), {"what": "contacts", "rows": 1, "format": "xlsx", "query": "wilaya=16"})


def test_export_page_starts_a_job_and_redirects_to_it(client, admin, contacts, django_capture_on_commit_callbacks):
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("data:export"), {"kind": "contacts", "format": "csv", "query": "wilaya=16"})

    job = Job.objects.get(kind="data.export")
    assert response["Location"] == job.get_absolute_url()
    assert job.params == {"kind": "contacts", "query": "wilaya=16", "format": "csv"}
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert b"C00000001" in b"".join(download.streaming_content)


def test_an_invalid_filter_is_refused_and_no_job_starts(client, admin, contacts):
    client.force_login(admin)

    response = client.post(reverse("data:export"), {"kind": "contacts", "query": "wilaya=99"}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles."]
    assert Job.objects.count() == 0


@pytest.mark.parametrize("role", ["editor", "supervisor", "user"])
def test_only_administrators_export(client, users_by_role, contacts, role):
    client.force_login(users_by_role[role])

    response = client.post(reverse("data:export"), {"kind": "contacts", "format": "xlsx"})

    assert response.status_code == 403
    assert Job.objects.count() == 0


def test_export_buttons_show_to_administrators_only(rf, admin, agent):
    from django.template import Context, Template

    template = Template('{% load data_tags %}{% export_buttons "contacts" %}')
    request = rf.get("/contacts/?wilaya=16&q=ben")

    request.user = admin
    shown = template.render(Context({"request": request, "csrf_token": "t"}))
    request.user = agent
    hidden = template.render(Context({"request": request, "csrf_token": "t"}))

    assert 'name="query" value="wilaya=16&amp;q=ben"' in shown
    assert hidden.strip() == ""


def test_api_export_then_download(admin, contacts, django_capture_on_commit_callbacks):
    client = APIClient()
    client.force_authenticate(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/exports/", {"kind": "contacts", "format": "csv", "query": "wilaya=31"},
                               format="json")

    assert response.status_code == 202
    status = client.get(response["Location"]).json()
    assert (status["status"], status["result"]["rows"]) == ("succeeded", 1)
    body = b"".join(client.get(status["file"]).streaming_content).decode("utf-8-sig")
    assert "C00000002" in body and "C00000001" not in body


def test_api_export_bad_input_and_permission(admin, agent, contacts):
    client = APIClient()
    client.force_authenticate(admin)
    bad_kind = client.post("/api/v1/exports/", {"kind": "policies"}, format="json")
    bad_filter = client.post("/api/v1/exports/", {"kind": "contacts", "query": "created_from=hier"}, format="json")
    client.force_authenticate(agent)
    forbidden = client.post("/api/v1/exports/", {"kind": "contacts"}, format="json")

    assert (bad_kind.status_code, bad_kind.json()) == (400, {"kind": ["«\xa0policies\xa0» n'est pas un choix valide."]})
    assert (bad_filter.status_code, bad_filter.json()) == (400, {"created_from": ["Saisissez une date valide."]})
    assert forbidden.status_code == 403
    assert Job.objects.count() == 0
