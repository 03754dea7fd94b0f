"""Import journey in a real browser: an XLSX with errors → the report → the fixed file → import."""

from __future__ import annotations

import datetime
import io
import re

import openpyxl
import pytest

from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.customers.models import Contact
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = ["Nom", "Prénom", "Téléphone", "E-mail", "Date de naissance"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def drop(page, content: bytes, name: str) -> None:
    page.select_option("select[name=kind]", "contacts")
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": XLSX, "buffer": content}])
    page.click("[data-testid=upload-submit]")
    page.wait_for_url(re.compile(r"/data/imports/mapping/"))


def test_import_an_xlsx_with_errors_then_the_fixed_file(page):
    # Given an administrator and a spreadsheet whose third row is wrong
    org = f.OrganizationFactory(name="Alliance Import")
    agency = f.AgencyFactory(organization=org, number="016-002")
    admin = f.UserFactory(organization=org, agency=agency, role=Role.ADMIN, email="admin@import.test",
                          password="Assura-test-2026")
    rows = [
        HEADER,
        ["Benali", "Karim", "0550 12 34 56", "karim@exemple.dz", datetime.datetime(1985, 3, 5)],
        ["Haddad", "Nadia", "0123", "nadia@exemple", "05/03/2999"],
        ["Saidi", "Omar", "0661 23 45 67", "omar@exemple.dz", "1990-01-02"],
    ]
    sign_in(page, "admin@import.test", "Assura-test-2026")

    # When they drop it from "Gestion des données" and check it with the proposed mapping
    page.goto("/data/imports/")
    drop(page, xlsx(rows), "clients.xlsx")
    assert page.input_value("select[name=col_0]") == "last_name"
    assert page.input_value("select[name=col_4]") == "birth_date"
    page.click("[data-testid=mapping-submit]")
    page.wait_for_url(re.compile(r"/data/imports/\d+/$"))
    page.wait_for_selector("[data-testid=import-report][data-status=succeeded]")

    # Then the report lists the bad row precisely, and nothing is saved yet
    assert page.inner_text("[data-testid=count-valid]") == "2"
    assert page.inner_text("[data-testid=count-invalid]") == "1"
    errors = [r.inner_text() for r in page.locator("[data-testid=error-row]").all()]
    assert [e.split("\t")[:3] for e in errors] == [
        ["3", "Téléphone", "0123"], ["3", "E-mail", "nadia@exemple"], ["3", "Date de naissance", "05/03/2999"]]
    assert "La date de naissance ne peut pas être dans le futur." in errors[2]
    assert page.locator("[data-testid=error-file]").count() == 1
    assert Contact.objects.count() == 0

    # When they fix the file and drop it again: the mapping is remembered, the check is clean
    page.click("[data-testid=upload-again]")
    rows[2] = ["Haddad", "Nadia", "0770 11 22 33", "nadia@exemple.dz", "05/03/1992"]
    drop(page, xlsx(rows), "clients-corrige.xlsx")
    assert page.is_visible("[data-testid=mapping-remembered]")
    page.click("[data-testid=mapping-submit]")
    page.wait_for_selector("[data-testid=import-report][data-status=succeeded]")
    assert page.inner_text("[data-testid=count-invalid]") == "0"
    page.click("[data-testid=confirm-import]")

    # Then the import runs and its summary shows three contacts created
    page.wait_for_selector("[data-testid=import-summary][data-saved=true]")
    assert page.inner_text("[data-testid=count-created]") == "3"
    assert sorted(Contact.objects.values_list("last_name", "phone", "owner_id")) == [
        ("Benali", "+213550123456", admin.pk), ("Haddad", "+213770112233", admin.pk),
        ("Saidi", "+213661234567", admin.pk)]
    assert page.console_errors == []
