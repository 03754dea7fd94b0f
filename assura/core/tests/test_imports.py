"""Imports: reading every kind of bad file, the validation report, the all-or-nothing rule,
"valid rows only", the update modes, duplicates, the remembered mapping, the pages, the API
and the permissions (a non-administrator gets 403 and nothing is created)."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from assura.core import imports as engine
from assura.core import spreadsheets
from assura.core.jobs import job_run
from assura.core.models import AuditAction, AuditEvent, FieldChange, ImportMapping, Job, JobStatus
from assura.core.spreadsheets import BadCell, SpreadsheetError, open_spreadsheet
from assura.core.testing import factories as f
from assura.customers.models import Account, Contact
from assura.customers.tests.factories import ContactFactory
from assura.leads.models import AssignmentRule, Lead

HEADER = ["Nom", "Prénom", "Téléphone", "E-mail", "Date de naissance", "Wilaya"]
GOOD = ["Benali", "Karim", "0550 12 34 56", "karim.benali@exemple.dz", "05/03/1985", "Alger"]
GOOD_2 = ["Haddad", "Nadia", "0661 23 45 67", "nadia.haddad@exemple.dz", "1990-01-02", "16"]
BAD = ["Saidi", "Omar", "0123", "pas-un-email", "31/02/1990", "Atlantide"]


# --- Helpers -------------------------------------------------------------------------------------------------

def csv_bytes(rows, *, delimiter=";", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, *, merge: str | None = None, cells: dict | None = None) -> bytes:
    """An XLSX written by openpyxl: shared strings, date cells, formulas without cached values."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for ref, value in (cells or {}).items():
        sheet[ref] = value
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_rows(content: bytes, name="f.xlsx"):
    sheet = open_spreadsheet(io.BytesIO(content), name=name)
    return sheet.headers, list(sheet.rows()), sheet


def run(user, content: bytes, name: str = "contacts.csv", *, kind="contacts", write=True, mode="create",
        match_on=None, valid_only=False, columns=None) -> Job:
    """Store the file, map it automatically, run the check (write=False) or import job here."""
    spec = engine.import_spec(kind)
    source = engine.source_save(organization_id=user.organization_id, upload=ContentFile(content, name=name))
    with engine.source_open(source) as sheet:
        columns = columns or engine.auto_mapping(spec, sheet.headers)
    job = Job.objects.create(
        organization_id=user.organization_id, kind=engine.IMPORT_KIND if write else engine.CHECK_KIND,
        created_by=user, params=engine.import_params(
            kind=kind, source=source, filename=name, columns=columns, mode=mode,
            match_on=match_on or next(iter(spec.match_keys)), valid_only=valid_only),
    )
    return job_run(job.pk)


def error_file_rows(job) -> list[list[str]]:
    with job.result_file.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig")), delimiter=";"))


def stored_files(user) -> list[str]:
    """The uploads kept for the user's company (paths in the storage)."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in (root / "imports" / str(user.organization_id)).rglob("*")
                  if p.is_file())


def messages_of(job) -> list[tuple]:
    return [(e.get("line"), e.get("column"), e["message"]) for e in job.errors]


# --- Reading: encodings, delimiters, formats -----------------------------------------------------------

def test_csv_in_utf8_with_bom_and_semicolons():
    headers, rows, sheet = sheet_rows(b"\xef\xbb\xbf" + csv_bytes([HEADER, GOOD]), "c.csv")

    assert sheet.format == "csv"
    assert headers == HEADER
    assert rows == [(2, GOOD)]


def test_csv_in_windows_1252_is_read():
    content = csv_bytes([["Nom", "Prénom", "Commune"], ["Bélaïd", "Zoé", "Béjaïa"]], delimiter=",", encoding="cp1252")

    headers, rows, _sheet = sheet_rows(content, "c.csv")

    assert headers == ["Nom", "Prénom", "Commune"]
    assert rows == [(2, ["Bélaïd", "Zoé", "Béjaïa"])]


def test_csv_in_arabic_windows_1256_is_read():
    rows_in = [["Nom", "Prénom", "Nom (arabe)", "Commune"], ["Benali", "Sara", "بن علي", "Béjaïa"],
               ["Haddad", "Ahmed", "حداد", "Tizi Ouzou"]]
    content = csv_bytes(rows_in, delimiter=";", encoding="cp1256")

    headers, rows, _sheet = sheet_rows(content, "c.csv")

    assert headers == rows_in[0]
    assert rows == [(2, rows_in[1]), (3, rows_in[2])]


def test_french_windows_1252_with_capitals_is_not_taken_for_arabic():
    rows_in = [["Nom", "Prénom", "Commune"], ["ÉLISÉE", "Hélène", "Aïn Témouchent"], ["CHÂTEAU", "Noël", "Sétif"],
               ["DÉSIRÉE", "Zoé", "Béjaïa"]]

    headers, rows, _sheet = sheet_rows(csv_bytes(rows_in, delimiter=";", encoding="cp1252"), "c.csv")

    assert [headers, *[r for _line, r in rows]] == rows_in


def test_csv_with_arabic_text_in_utf8_and_tabs():
    content = csv_bytes([["Nom", "Nom (arabe)", "Prénom (arabe)"], ["Benali", "بن علي", "كريم"]], delimiter="\t")

    headers, rows, _sheet = sheet_rows(content, "c.txt")

    assert rows == [(2, ["Benali", "بن علي", "كريم"])]


def test_csv_in_utf16_from_excel_unicode_text():
    content = "Nom\tPrénom\r\nBenali\tKarim\r\n".encode("utf-16")

    assert sheet_rows(content, "c.txt")[1] == [(2, ["Benali", "Karim"])]


def test_csv_with_an_unsupported_delimiter_names_it():
    content = b"nom|prenom|telephone\nBenali|Karim|0550123456\n"

    with pytest.raises(SpreadsheetError) as error:
        open_spreadsheet(io.BytesIO(content))

    assert error.value.message == (
        "Le fichier semble utiliser « | » comme séparateur (en-tête lu : « nom|prenom|telephone »). Les séparateurs "
        "acceptés sont la virgule, le point-virgule et la tabulation : enregistrez le fichier en « CSV (séparateur : "
        "point-virgule) » depuis Excel."
    )


def test_csv_with_one_column_only_is_read_with_a_notice():
    headers, rows, sheet = sheet_rows(b"Nom prenom telephone\nBenali Karim 0550123456\n", "c.csv")

    assert (headers, rows) == (["Nom prenom telephone"], [(2, ["Benali Karim 0550123456"])])
    assert sheet.notices == [
        "Une seule colonne a été trouvée (en-tête lu : « Nom prenom telephone ») : si le fichier en compte plusieurs, "
        "séparez-les par une virgule, un point-virgule ou une tabulation, ou importez le fichier Excel (.xlsx)."]


def test_csv_row_with_more_values_than_columns_is_a_row_error():
    content = b"Nom;Prenom\nBenali;Karim\nHaddad;Nadia;0661234567\n"

    _headers, rows, _sheet = sheet_rows(content, "c.csv")

    assert rows[0] == (2, ["Benali", "Karim"])
    assert rows[1][1][:2] == ["Haddad", "Nadia"]
    assert rows[1][1][2] == BadCell("La ligne compte 3 valeurs pour 2 colonnes : vérifiez le séparateur et les "
                                    "guillemets.")


def test_trailing_empty_rows_are_ignored_in_csv_and_xlsx():
    csv_content = b"Nom;Prenom\nBenali;Karim\n;\n\n;;\n"
    xlsx_content = xlsx_bytes([["Nom", "Prénom"], ["Benali", "Karim"], [None, None], ["  ", None]])

    assert sheet_rows(csv_content, "c.csv")[1] == [(2, ["Benali", "Karim"])]
    assert sheet_rows(xlsx_content)[1] == [(2, ["Benali", "Karim"])]


def test_xlsx_dates_in_every_form_become_the_same_date(admin):
    content = xlsx_bytes([
        ["Nom", "Date de naissance"],
        ["Excel", datetime.datetime(1985, 3, 5)],
        ["Francais", "05/03/1985"],
        ["Iso", "1985-03-05"],
        ["Horodate", "1985-03-05T00:00:00"],
    ])

    job = run(admin, content, "dates.xlsx")

    assert job.result["created"] == 4
    assert set(Contact.objects.values_list("birth_date", flat=True)) == {datetime.date(1985, 3, 5)}


def test_bad_dates_get_a_precise_message(admin):
    content = csv_bytes([["Nom", "Date de naissance"], ["A", "31/02/1990"], ["B", "05/03/85"], ["C", "01/01/2999"]])

    job = run(admin, content, write=False)

    assert messages_of(job) == [
        (2, "Date de naissance", "Date inexistante : « 31/02/1990 »."),
        (3, "Date de naissance", "Date illisible : « 05/03/85 ». Formats acceptés : jj/mm/aaaa, aaaa-mm-jj ou une "
                                 "cellule date d'Excel."),
        (4, "Date de naissance", "La date de naissance ne peut pas être dans le futur."),
    ]


def test_arabic_text_in_xlsx_is_kept(admin):
    content = xlsx_bytes([["Nom", "Prénom", "Nom (arabe)", "Prénom (arabe)"], ["Benali", "Karim", "بن علي", "كريم"]])

    run(admin, content, "ar.xlsx")

    contact = Contact.objects.get()
    assert (contact.last_name_ar, contact.first_name_ar, contact.full_name_ar) == ("بن علي", "كريم", "كريم بن علي")


def test_xlsx_formula_with_its_cached_value_imports_the_value(admin, tmp_path):
    path = tmp_path / "formules.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["Nom", "Prénom", "Profession"])
    sheet.write_row(1, 0, ["Benali", "Karim"])
    sheet.write_formula(1, 2, '=UPPER("ingénieur")', None, "INGÉNIEUR")
    workbook.close()

    job = run(admin, path.read_bytes(), "formules.xlsx")

    assert job.result["created"] == 1
    assert Contact.objects.get().profession == "INGÉNIEUR"


def test_xlsx_formula_without_value_is_an_error_of_its_cell(admin):
    content = xlsx_bytes([["Nom", "Prénom"], ["Benali", "Karim"], ["Haddad", "=UPPER(B2)"]])

    job = run(admin, content, "formules.xlsx")

    assert messages_of(job) == [(3, "Prénom", "la cellule B3 contient une formule sans valeur calculée : ouvrez le "
                                              "fichier dans Excel et enregistrez-le, ou remplacez la formule par sa "
                                              "valeur.")]
    assert job.result["saved"] is False
    assert Contact.objects.count() == 0


def test_xlsx_with_merged_cells_is_refused_naming_the_range():
    content = xlsx_bytes([["Nom", "Prénom"], ["Benali", "Karim"], ["Haddad", None]], merge="A3:B3")

    with pytest.raises(SpreadsheetError) as error:
        open_spreadsheet(io.BytesIO(content))

    assert error.value.message.startswith("Le classeur contient des cellules fusionnées (A3:B3)")


def test_xlsx_with_a_stray_cell_at_the_last_row_stops_after_the_data():
    content = xlsx_bytes([["Nom", "Prénom"], ["Benali", "Karim"], ["Haddad", "Nadia"]], cells={"A1048576": "x"})

    headers, rows, sheet = sheet_rows(content)

    assert [line for line, _values in rows] == [2, 3]
    assert sheet.notices == ["Plus de 1 000 lignes vides après la ligne 3 : la suite de la feuille a été ignorée."]


def test_xlsx_with_a_million_empty_rows_stops_after_the_limit():
    """A crafted sheet: two data rows then 1,000,000 formatted but empty <row> elements."""
    template = xlsx_bytes([["Nom", "Prénom"], ["Benali", "Karim"], ["Haddad", "Nadia"]])
    source = zipfile.ZipFile(io.BytesIO(template))
    xml = source.read("xl/worksheets/sheet1.xml").decode()
    empty = "".join(f'<row r="{n}" ht="15" customHeight="1"/>' for n in range(4, 1_000_004))
    xml = xml.replace("</sheetData>", empty + "</sheetData>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item))

    headers, rows, sheet = sheet_rows(buffer.getvalue())

    assert [line for line, _values in rows] == [2, 3]
    assert sheet.notices == ["Plus de 1 000 lignes vides après la ligne 3 : la suite de la feuille a été ignorée."]


class _HugeFile(io.RawIOBase):
    """Says it holds 200 MB; reading it is a test failure."""

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        self.position = 200 * 1024 * 1024 if whence == io.SEEK_END else offset
        return self.position

    def tell(self):
        return self.position

    def read(self, size=-1):
        raise AssertionError("the file was read")


def test_a_200_mb_file_is_refused_from_its_size_without_being_read():
    with pytest.raises(SpreadsheetError) as error:
        open_spreadsheet(_HugeFile())

    assert error.value.message == ("Le fichier pèse 200 Mo : la limite est de 20 Mo. Découpez-le en plusieurs "
                                   "fichiers.")


@pytest.mark.parametrize(("content", "expected"), [
    (b"%PDF-1.7\n...", "Ce fichier est un PDF, pas un tableur : importez un fichier Excel (.xlsx) ou CSV."),
    (b"\x89PNG\r\n\x1a\n....", "Ce fichier est une image, pas un tableur : importez un fichier Excel (.xlsx) ou CSV."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Ce fichier est au format Excel 97-2003 (.xls), qui n'est pas pris en "
                                          "charge : ouvrez-le dans Excel et enregistrez-le au format .xlsx ou CSV."),
    (b"\x00\x01\x02binaire", "Ce fichier n'est pas un tableur (contenu binaire) : importez un fichier Excel (.xlsx) "
                             "ou CSV."),
    (b"", "Le fichier est vide."),
    (b"PK\x03\x04garbage", "Le fichier est une archive ZIP endommagée, pas un classeur Excel lisible."),
])
def test_a_file_that_is_not_a_spreadsheet_gets_a_precise_message(content, expected):
    with pytest.raises(SpreadsheetError) as error:
        open_spreadsheet(io.BytesIO(content))

    assert error.value.message == expected


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/a.txt", "x")

    with pytest.raises(SpreadsheetError) as error:
        open_spreadsheet(buffer)

    assert error.value.message == ("Ce fichier est une archive ZIP, pas un classeur Excel : importez un fichier Excel "
                                   "(.xlsx) ou CSV.")


def test_more_rows_than_the_limit_is_refused_and_nothing_saved(admin, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 2)
    content = csv_bytes([HEADER, GOOD, GOOD_2, ["Saidi", "Omar", "", "", "", ""]])

    job = run(admin, content)

    assert job.status == JobStatus.FAILED
    assert job.result == {"fatal": "Le fichier compte plus de 2 lignes de données : découpez-le en plusieurs "
                                   "fichiers."}
    assert Contact.objects.count() == 0


def test_a_nin_typed_as_a_number_in_excel_is_refused_precisely(admin):
    content = xlsx_bytes([["Nom", "NIN"], ["Benali", 123456789012345678]])

    job = run(admin, content, "nin.xlsx", write=False)

    assert messages_of(job) == [(2, "NIN", "Excel a enregistré cette valeur comme un nombre (123456789012345696) "
                                           "et ses derniers chiffres sont perdus : formatez la colonne en « Texte » "
                                           "et ressaisissez-la.")]


# --- The check job (preview) --------------------------------------------------------------------------

def test_the_check_lists_every_bad_row_with_line_column_value_and_reason(admin):
    content = csv_bytes([HEADER, GOOD, BAD, GOOD_2])

    job = run(admin, content, write=False)

    assert job.status == JobStatus.SUCCEEDED
    assert [(e["line"], e["column"], e["value"]) for e in job.errors] == [
        (3, "Téléphone", "0123"), (3, "E-mail", "pas-un-email"), (3, "Date de naissance", "31/02/1990"),
        (3, "Wilaya", "Atlantide"),
    ]  # in the file's column order
    assert [e["message"] for e in job.errors] == [
        "Numéro de téléphone invalide. Exemples acceptés : 0550 12 34 56 ou +213 550 12 34 56.",
        "Saisissez une adresse e-mail valide.",
        "Date inexistante : « 31/02/1990 ».",
        "Wilaya inconnue : « Atlantide ». Indiquez son code (16) ou son nom (Alger).",
    ]
    assert {k: job.result[k] for k in ("rows", "valid", "invalid", "to_create", "to_update", "skipped", "saved")} == {
        "rows": 3, "valid": 2, "invalid": 1, "to_create": 2, "to_update": 0, "skipped": 0, "saved": False}
    assert (job.processed, job.succeeded_count, job.failed_count) == (3, 2, 1)
    assert Contact.objects.count() == 0
    assert error_file_rows(job) == [
        ["Ligne", *HEADER, "Erreurs"],
        ["3", *BAD, "Téléphone : Numéro de téléphone invalide. Exemples acceptés : 0550 12 34 56 ou +213 550 12 34 "
                    "56.; E-mail : Saisissez une adresse e-mail valide.; Date de naissance : Date inexistante : « "
                    "31/02/1990 ».; Wilaya : Wilaya inconnue : « Atlantide ». Indiquez son code (16) ou son nom "
                    "(Alger)."],
    ]


def test_over_long_fields_unknown_choices_and_bad_nin_are_reported(admin):
    content = csv_bytes([["Nom", "Civilité", "Sexe", "NIN"], ["B" * 101, "Docteur", "X", "1234 5678"]])

    job = run(admin, content, write=False)

    assert messages_of(job) == [
        (2, "Nom", "Assurez-vous que cette valeur comporte au plus 100 caractères (actuellement 101)."),
        (2, "Civilité", "Valeur inconnue : « Docteur ». Valeurs acceptées : M., Mme."),
        (2, "Sexe", "Valeur inconnue : « X ». Valeurs acceptées : Masculin, Féminin."),
        (2, "NIN", "Le NIN doit compter exactement 18 chiffres."),
    ]


def test_script_and_sql_text_is_stored_literally_and_shown_escaped(admin, client, django_capture_on_commit_callbacks):
    content = csv_bytes([["Nom", "Prénom", "Notes"], ["<script>alert(1)</script>", "'; DROP TABLE contacts; --",
                                                      "x"], ["Haddad", "Nadia", "=1+2"]])

    job = run(admin, content)
    client.force_login(admin)
    page = client.get(reverse("data:import_detail", args=[job.pk]))

    assert sorted(Contact.objects.values_list("last_name", "first_name")) == [
        ("<script>alert(1)</script>", "'; DROP TABLE contacts; --"), ("Haddad", "Nadia")]
    assert b"<script>alert(1)" not in page.content


def test_auto_mapping_knows_french_and_english_headers():
    spec = engine.import_spec("contacts")

    assert engine.auto_mapping(spec, ["NOM", "prénom", "Date Of Birth", "E-mail", "Mobile", "Tel 2", "Fax", "Wilaya",
                                      "Code client", "Gestionnaire", "Colonne inconnue", "Nom"]) == [
        "last_name", "first_name", "birth_date", "email", "phone", "phones", "phones", "wilaya", "code", "owner", "",
        "",
    ]


# --- All or nothing, valid rows only ------------------------------------------------------------------

def test_one_bad_row_and_nothing_is_saved(admin):
    content = csv_bytes([HEADER, GOOD, BAD, GOOD_2])

    job = run(admin, content)

    assert job.status == JobStatus.SUCCEEDED
    assert {k: job.result[k] for k in ("created", "updated", "invalid", "saved")} == {
        "created": 0, "updated": 0, "invalid": 1, "saved": False}
    assert Contact.objects.count() == 0
    assert error_file_rows(job)[1][0] == "3"


def test_valid_rows_only_saves_the_others_with_the_services_rules(admin, agency):
    content = csv_bytes([HEADER, GOOD, BAD, GOOD_2])

    job = run(admin, content, valid_only=True)

    assert {k: job.result[k] for k in ("created", "updated", "invalid", "saved")} == {
        "created": 2, "updated": 0, "invalid": 1, "saved": True}
    contacts = list(Contact.objects.order_by("code"))
    assert [(c.code, c.last_name, c.phone, c.phones, c.email, c.birth_date, c.wilaya_id) for c in contacts] == [
        ("C00000001", "Benali", "+213550123456", [{"type": "mobile", "number": "+213550123456"}],
         "karim.benali@exemple.dz", datetime.date(1985, 3, 5), "16"),
        ("C00000002", "Haddad", "+213661234567", [{"type": "mobile", "number": "+213661234567"}],
         "nadia.haddad@exemple.dz", datetime.date(1990, 1, 2), "16"),
    ]
    first = contacts[0]
    assert (first.owner, first.agency, first.registered_on, first.organization_id) == (
        admin, agency, datetime.date.today(), admin.organization_id)
    assert "c00000001" in first.search_text and "0550123456" in first.search_text
    assert first.name_key == "benalikarim"
    assert error_file_rows(job)[1][:2] == ["3", "Saidi"]


def test_the_import_is_audited(admin):
    job = run(admin, csv_bytes([HEADER, GOOD]), "clients.csv")

    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert (event.actor, event.object_id, event.data) == (admin, str(job.pk), {
        "kind": "contacts", "file": "clients.csv", "created": 1, "updated": 0, "skipped": 0, "invalid": 0})


def test_the_source_file_is_deleted_once_imported(admin):
    job = run(admin, csv_bytes([HEADER, GOOD]))

    assert default_storage.exists(job.params["source"]) is False


def test_old_uploads_no_job_needs_are_cleaned_up(admin):
    import os
    import time

    from assura.core.models import JobStatus
    from assura.core.tasks import cleanup_import_sources

    def stored(age_hours: float) -> str:
        path = engine.source_save(organization_id=admin.organization_id, upload=ContentFile(b"Nom\nA\n", name="f.csv"))
        then = time.time() - age_hours * 3600
        os.utime(default_storage.path(path), (then, then))
        return path

    abandoned, recent, waiting = stored(30), stored(2), stored(30)
    Job.objects.create(organization_id=admin.organization_id, kind=engine.IMPORT_KIND, created_by=admin,
                       status=JobStatus.QUEUED, params={"source": waiting})

    assert cleanup_import_sources() >= 1  # other tests' leftovers in the test storage may be old too

    assert not default_storage.exists(abandoned)
    assert default_storage.exists(recent) and default_storage.exists(waiting)


# --- Update modes -------------------------------------------------------------------------------------

@pytest.fixture
def existing(org, admin):
    return ContactFactory(organization=org, code="C00000042", last_name="Benali", first_name="Karim",
                          nin="109870123456789012", email="karim@exemple.dz", phone="+213550123456",
                          profession="Comptable", owner=admin)


@pytest.mark.parametrize(("header", "value"), [
    ("Code client", "c00000042"), ("NIN", "1098 7012 3456 7890 12"), ("E-mail", "KARIM@exemple.dz"),
])
def test_update_by_code_nin_or_email(admin, existing, header, value):
    match_on = {"Code client": "code", "NIN": "nin", "E-mail": "email"}[header]
    content = csv_bytes([[header, "Nom", "Profession", "Prénom"], [value, "Benali", "Architecte", ""]])

    job = run(admin, content, mode="update", match_on=match_on)

    assert {k: job.result[k] for k in ("created", "updated", "skipped", "invalid")} == {
        "created": 0, "updated": 1, "skipped": 0, "invalid": 0}
    existing.refresh_from_db()
    assert (existing.profession, existing.first_name, existing.code) == ("Architecte", "Karim", "C00000042")
    change = FieldChange.objects.get(object_id=existing.pk)
    assert (change.field, change.old_value, change.new_value, change.actor) == (
        "profession", "Comptable", "Architecte", admin)
    assert Contact.objects.count() == 1


def test_two_rows_for_the_same_record_update_it_once(admin, existing):
    content = csv_bytes([["Code client", "Profession"], ["C00000042", "Architecte"], ["C00000042", "Pilote"]])

    job = run(admin, content, mode="update", match_on="code", valid_only=True)

    assert messages_of(job) == [(3, "Code client", "Même Code client que la ligne 2 : une seule ligne par "
                                                   "enregistrement.")]
    existing.refresh_from_db()
    assert (job.result["updated"], existing.profession) == (1, "Architecte")


def test_update_only_skips_unknown_rows(admin, existing):
    content = csv_bytes([["Code client", "Nom"], ["C00000042", "Benali"], ["C00000099", "Inconnu"]])

    job = run(admin, content, mode="update", match_on="code")

    assert {k: job.result[k] for k in ("created", "updated", "skipped")} == {"created": 0, "updated": 1, "skipped": 1}
    assert job.result["warnings"][0] == {
        "line": 3, "column": "Code client", "value": "C00000099",
        "message": "Aucun enregistrement existant avec cette valeur : ligne ignorée."}


def test_create_only_skips_known_rows(admin, existing):
    content = csv_bytes([["Code client", "Nom"], ["C00000042", "Autre"], ["", "Nouveau"]])

    job = run(admin, content, mode="create", match_on="code")

    assert {k: job.result[k] for k in ("created", "updated", "skipped")} == {"created": 1, "updated": 0, "skipped": 1}
    assert sorted(Contact.objects.values_list("last_name", flat=True)) == ["Benali", "Nouveau"]


def test_create_or_update(admin, existing):
    content = csv_bytes([["E-mail", "Nom", "Profession"], ["karim@exemple.dz", "Benali", "Architecte"],
                         ["nadia@exemple.dz", "Haddad", "Médecin"]])

    job = run(admin, content, mode="upsert", match_on="email")

    assert {k: job.result[k] for k in ("created", "updated", "skipped")} == {"created": 1, "updated": 1, "skipped": 0}
    assert dict(Contact.objects.values_list("email", "profession")) == {
        "karim@exemple.dz": "Architecte", "nadia@exemple.dz": "Médecin"}


def test_update_by_a_key_that_is_not_mapped_is_refused(admin):
    with pytest.raises(Exception) as error:
        engine.mapping_validate(engine.import_spec("contacts"), ["Nom"], ["last_name"], mode="update",
                                match_on="nin")

    assert error.value.message_dict == {"match_on": ["Pour mettre à jour par « NIN », associez une colonne à ce "
                                                     "champ."]}


# --- Duplicates ------------------------------------------------------------------------------------------

def test_duplicates_inside_the_file(admin):
    content = csv_bytes([["E-mail", "Nom", "Téléphone"], ["a@exemple.dz", "Benali", "0550123456"],
                         ["b@exemple.dz", "Haddad", "0550 12 34 56"], ["A@exemple.dz", "Benali", "0661234567"]])

    job = run(admin, content, write=False, mode="create", match_on="email")

    assert messages_of(job) == [(4, "E-mail", "Même E-mail que la ligne 2 : une seule ligne par enregistrement.")]
    assert [(w["line"], w["column"], w["message"]) for w in job.result["warnings"]] == [
        (3, "Téléphone", "Doublon probable de la ligne 2 (même téléphone).")]


def test_duplicates_against_the_database_are_flagged(admin, existing):
    content = csv_bytes([["Nom", "Prénom", "NIN", "Téléphone"], ["Benaly", "Karim", "109870123456789012", ""],
                         ["Haddad", "Nadia", "", "0550 12 34 56"]])

    job = run(admin, content, write=False, mode="create", match_on="code")

    assert job.result["invalid"] == 0
    assert [(w["line"], w["column"], w["message"]) for w in job.result["warnings"]] == [
        (2, "NIN", "Doublon probable de « Karim Benali » déjà enregistré (même NIN)."),
        (3, "Téléphone", "Doublon probable de « Karim Benali » déjà enregistré (même téléphone)."),
    ]


def test_a_client_code_already_taken_is_an_error(admin, existing):
    content = csv_bytes([["Code client", "Nom", "NIN"], ["C00000042", "Autre", "209870123456789012"]])

    job = run(admin, content, mode="create", match_on="nin")

    assert messages_of(job) == [(2, "Code client", "Cette valeur de « code client » est déjà attribuée à un autre "
                                                   "enregistrement.")]
    assert Contact.objects.count() == 1


def test_name_and_birth_date_duplicate_is_flagged(admin, org):
    ContactFactory(organization=org, last_name="Aïssani", first_name="Karim", birth_date=datetime.date(1980, 1, 2),
                   name_key="aisanikarim", code="C00000007")
    content = csv_bytes([["Nom", "Prénom", "Date de naissance"], ["AISSANI", "Karim", "02/01/1980"],
                         ["AISSANI", "Karim", "03/01/1980"]])

    job = run(admin, content, write=False)

    assert [(w["line"], w["message"]) for w in job.result["warnings"]] == [
        (2, "Doublon probable de « Karim Aïssani » déjà enregistré (même nom et date de naissance).")]


def test_other_company_records_are_not_duplicates(admin, other_org):
    ContactFactory(organization=other_org, code="C00000001", nin="109870123456789012")
    content = csv_bytes([["Code client", "Nom", "NIN"], ["C00000001", "Benali", "109870123456789012"]])

    job = run(admin, content, mode="create", match_on="code")

    assert (job.result["created"], job.result["warnings"]) == (1, [])


# --- Accounts and leads ------------------------------------------------------------------------------------

def test_accounts_import_with_account_build(admin):
    content = csv_bytes([["Raison sociale", "Forme juridique", "NIF", "Chiffre d'affaires", "Effectif", "Téléphone"],
                         ["SARL  Transports   Saïd", "SARL", "000016001234567", "1 234 567,50", "45", "021 23 45 67"],
                         ["", "SPA", "", "-3", "beaucoup", ""]])

    job = run(admin, content, kind="accounts", match_on="nif", valid_only=True)

    assert messages_of(job) == [
        (3, "Raison sociale", "Ce champ ne peut pas être vide."),
        (3, "Chiffre d'affaires", "Le chiffre d'affaires ne peut pas être négatif."),
        (3, "Effectif", "Nombre illisible : « beaucoup »."),
    ]
    account = Account.objects.get()
    assert (account.name, account.legal_form, account.nif, str(account.revenue), account.headcount, account.phone) == (
        "SARL Transports Saïd", "sarl", "000016001234567", "1234567.50", 45, "+21321234567")


def test_leads_import_follows_lead_create_rules(admin, agent, org):
    rule = AssignmentRule.objects.create(organization=org, mode="round_robin")
    rule.users.set([agent])
    content = csv_bytes([["Nom complet", "Source", "Téléphone", "Statut", "Raison de la perte"],
                         ["Karim Benali", "Salon", "0550123456", "", ""],
                         ["Nadia Haddad", "site web", "", "Perdu", ""],
                         ["Omar Saidi", "Inconnue", "", "converti", ""]])

    job = run(admin, content, kind="leads", valid_only=True)

    assert messages_of(job) == [
        (3, "Raison de la perte", "Indiquez la raison de la perte."),
        (4, "Source", "Valeur inconnue : « Inconnue ». Valeurs acceptées : Site web, Comparateur en ligne, Agence, "
                      "Salon, Parrainage, Réseaux sociaux, Centre d'appels, Campagne."),
        (4, "Statut", "Une piste ne devient « convertie » que par sa conversion."),
    ]
    lead = Lead.objects.get()
    assert (lead.full_name, lead.source, lead.status, lead.phone, lead.owner, lead.agency_id, lead.temperature) == (
        "Karim Benali", "salon", "nouveau", "+213550123456", agent, agent.agency_id, "froid")


# --- Pages: the whole flow, the mapping remembered, permissions ----------------------------------------

def upload(client, content, name, kind="contacts"):
    return client.post(reverse("data:import_list"), {"kind": kind, "file": ContentFile(content, name=name)})


def test_upload_mapping_check_confirm_import(client, admin, django_capture_on_commit_callbacks):
    client.force_login(admin)
    content = xlsx_bytes([HEADER, GOOD, GOOD_2])

    response = upload(client, content, "clients.xlsx")
    assert response.status_code == 302
    mapping_url = response["Location"]
    page = client.get(mapping_url)
    assert page.status_code == 200
    assert page.context["form"].initial["col_0"] == "last_name"

    form = {f"col_{i}": name for i, name in enumerate(
        ["last_name", "first_name", "phone", "email", "birth_date", "wilaya"])}
    form.update(upload=mapping_url.split("upload=")[1], mode="create", match_on="email")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("data:import_mapping"), form)
    check = Job.objects.get(kind=engine.CHECK_KIND)
    assert response["Location"] == reverse("data:import_detail", args=[check.pk])
    report = client.get(response["Location"])
    assert report.context["result"]["valid"] == 2
    assert Contact.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("data:import_confirm", args=[check.pk]))
    job = Job.objects.get(kind=engine.IMPORT_KIND)
    assert response["Location"] == reverse("data:import_detail", args=[job.pk])
    assert (job.status, job.result["created"]) == (JobStatus.SUCCEEDED, 2)
    assert Contact.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("data:import_confirm", args=[check.pk]))
    assert again["Location"] == reverse("data:import_detail", args=[job.pk])
    assert (Job.objects.filter(kind=engine.IMPORT_KIND).count(), Contact.objects.count()) == (1, 2)


def test_confirm_with_invalid_rows_needs_valid_only(client, admin, django_capture_on_commit_callbacks):
    client.force_login(admin)
    check = run(admin, csv_bytes([HEADER, GOOD, BAD]), write=False)

    response = client.post(reverse("data:import_confirm", args=[check.pk]), follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "1 ligne(s) sont en erreur : corrigez le fichier et déposez-le à nouveau, ou cochez « Importer uniquement les "
        "lignes valides »."]
    assert Job.objects.filter(kind=engine.IMPORT_KIND).count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("data:import_confirm", args=[check.pk]), {"valid_only": "on"})
    assert list(Contact.objects.values_list("last_name", flat=True)) == ["Benali"]


def test_the_mapping_is_remembered_per_company_and_headers(client, admin, other_admin):
    client.force_login(admin)
    headers = ["Col A", "Col B"]
    response = upload(client, csv_bytes([headers, ["Benali", "Karim"]]), "a.csv")
    token = response["Location"].split("upload=")[1]
    assert client.get(response["Location"]).context["remembered"] is False

    client.post(reverse("data:import_mapping"), {"upload": token, "col_0": "last_name", "col_1": "first_name",
                                                 "mode": "create", "match_on": "nin"})

    mapping = ImportMapping.objects.get()
    assert (mapping.organization, mapping.kind, mapping.headers, mapping.columns, mapping.options) == (
        admin.organization, "contacts", headers, ["last_name", "first_name"], {"mode": "create", "match_on": "nin"})
    again = client.get(upload(client, csv_bytes([headers, ["Haddad", "Nadia"]]), "b.csv")["Location"])
    assert again.context["remembered"] is True
    assert {k: again.context["form"].initial[k] for k in ("col_0", "col_1", "mode", "match_on")} == {
        "col_0": "last_name", "col_1": "first_name", "mode": "create", "match_on": "nin"}

    client.force_login(other_admin)
    other = client.get(upload(client, csv_bytes([headers, ["X", "Y"]]), "c.csv")["Location"])
    assert other.context["remembered"] is False


def test_mapping_errors_are_precise(client, admin):
    client.force_login(admin)
    response = upload(client, csv_bytes([["A", "B"], ["Benali", "Karim"]]), "a.csv")
    token = response["Location"].split("upload=")[1]

    page = client.post(reverse("data:import_mapping"), {"upload": token, "col_0": "first_name", "col_1": "first_name",
                                                        "mode": "create", "match_on": "code"})

    assert page.status_code == 400
    assert page.context["form"].non_field_errors() == [
        "Le champ « Prénom » est choisi pour plusieurs colonnes (« A », « B ») : gardez-en une.",
        "Associez une colonne au champ obligatoire « Nom ».",
    ]
    assert Job.objects.count() == 0


def test_an_upload_that_is_not_a_spreadsheet_gets_its_message_and_is_not_kept(client, admin):
    client.force_login(admin)

    response = upload(client, b"%PDF-1.4 ...", "releve.xlsx")

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "Ce fichier est un PDF, pas un tableur : importez un fichier Excel (.xlsx) ou CSV."]
    assert stored_files(admin) == []


def test_a_200_mb_upload_is_refused_from_its_header(client, admin):
    client.force_login(admin)

    response = client.post(reverse("data:import_list"), {"kind": "contacts"}, CONTENT_LENGTH=str(200 * 1024 * 1024))

    assert response.status_code == 400
    assert response.context["upload_error"] == ("Le fichier dépasse la limite de 20 Mo : découpez-le en plusieurs "
                                                "fichiers.")
    assert stored_files(admin) == []


def test_the_upload_still_checks_csrf(admin):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)

    response = upload(client, csv_bytes([HEADER, GOOD]), "a.csv")

    assert response.status_code == 403
    assert stored_files(admin) == []


def test_someone_elses_upload_token_is_a_404(client, admin):
    client.force_login(admin)
    location = upload(client, csv_bytes([HEADER, GOOD]), "a.csv")["Location"]
    colleague = f.UserFactory(organization=admin.organization, role="admin")
    client.force_login(colleague)

    assert client.get(location).status_code == 404
    assert client.get(reverse("data:import_mapping") + "?upload=forged").status_code == 404


@pytest.mark.parametrize("role", ["editor", "supervisor", "user"])
def test_only_administrators_import(client, users_by_role, admin, role, django_capture_on_commit_callbacks):
    check = run(admin, csv_bytes([HEADER, GOOD]), write=False)
    client.force_login(users_by_role[role])

    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            client.get(reverse("data:import_list")),
            upload(client, csv_bytes([HEADER, GOOD]), "a.csv"),
            client.get(reverse("data:import_detail", args=[check.pk])),
            client.post(reverse("data:import_confirm", args=[check.pk]), {"valid_only": "on"}),
        ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert (Contact.objects.count(), Job.objects.count()) == (0, 1)
    assert stored_files(admin) == [check.params["source"]]


def test_a_running_check_shows_a_polling_progress_bar(client, admin):
    job = f.JobFactory(organization=admin.organization, created_by=admin, kind=engine.CHECK_KIND,
                       status=JobStatus.RUNNING, total=4000, processed=1000, progress=25,
                       params={"kind": "contacts", "filename": "clients.xlsx"})
    client.force_login(admin)

    response = client.get(reverse("data:import_detail", args=[job.pk]), HTTP_HX_REQUEST="true")

    assert [t.name for t in response.templates][0] == "core/data/_import_report.html"
    html = response.content.decode()
    assert f'hx-get="/data/imports/{job.pk}/" hx-trigger="every 1s"' in html
    assert 'data-progress="25"' in html and "1000 lignes lues" in html


def test_a_job_of_another_kind_redirects_to_the_jobs_page(client, admin):
    job = f.JobFactory(organization=admin.organization, created_by=admin)
    client.force_login(admin)

    response = client.get(reverse("data:import_detail", args=[job.pk]))

    assert response["Location"] == job.get_absolute_url()


def test_the_import_page_of_another_company_is_a_404(client, admin, other_admin):
    check = run(other_admin, csv_bytes([HEADER, GOOD]), write=False)
    client.force_login(admin)

    assert client.get(reverse("data:import_detail", args=[check.pk])).status_code == 404
    assert client.post(reverse("data:import_confirm", args=[check.pk])).status_code == 404
    assert Job.objects.filter(kind=engine.IMPORT_KIND).count() == 0


# --- API -----------------------------------------------------------------------------------------------------

def api_upload(client, content, name, **data):
    return client.post("/api/v1/imports/", {"kind": "contacts", "file": ContentFile(content, name=name), **data},
                       format="multipart")


@pytest.fixture
def api(admin):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(admin)
    return client


def test_api_import_then_status_with_counts_and_errors(api, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_upload(api, csv_bytes([HEADER, GOOD, BAD]), "a.csv", valid_only="true")

    assert response.status_code == 202
    status = api.get(response["Location"]).json()
    assert {k: status[k] for k in ("kind", "status", "processed", "succeeded_count", "failed_count")} == {
        "kind": "data.import", "status": "succeeded", "processed": 2, "succeeded_count": 1, "failed_count": 1}
    assert {k: status["result"][k] for k in ("created", "invalid", "saved")} == {"created": 1, "invalid": 1,
                                                                               "saved": True}
    assert status["errors"][0] == {"line": 3, "column": "Téléphone", "value": "0123", "message": (
        "Numéro de téléphone invalide. Exemples acceptés : 0550 12 34 56 ou +213 550 12 34 56.")}
    error_file = api.get(status["file"])
    assert error_file.status_code == 200
    assert b"Saidi" in b"".join(error_file.streaming_content)
    assert api.get("/api/v1/imports/").json()["count"] == 1


def test_api_import_with_an_explicit_mapping_and_dry_run(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_upload(api, csv_bytes([["A", "B"], ["Benali", "Karim"]]), "a.csv", dry_run="true",
                              mapping='{"A": "last_name", "B": "first_name"}')

    assert response.status_code == 202
    job = Job.objects.get()
    assert (job.kind, job.params["columns"], job.result["valid"]) == (engine.CHECK_KIND, ["last_name", "first_name"],
                                                                      1)
    assert "source" not in api.get(response["Location"]).json()["params"]
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(("data", "content", "expected"), [
    ({"mapping": '{"Z": "last_name"}'}, csv_bytes([["A", "B"], ["x", "y"]]),
     {"mapping": ["Colonne(s) inconnue(s) : Z. Les colonnes du fichier sont : A, B."]}),
    ({"mapping": '["first_name", ""]'}, csv_bytes([["A", "B"], ["x", "y"]]),
     {"mapping": ["Associez une colonne au champ obligatoire « Nom »."]}),
    ({}, b"%PDF-1.4", {"file": ["Ce fichier est un PDF, pas un tableur : importez un fichier Excel (.xlsx) ou CSV."]}),
    ({"mode": "update", "match_on": "nin"}, csv_bytes([["Nom", "Prénom"], ["x", "y"]]),
     {"match_on": ["Pour mettre à jour par « NIN », associez une colonne à ce champ."]}),
])
def test_api_import_bad_input_is_a_400(api, data, content, expected):
    response = api_upload(api, content, "a.csv", **data)

    assert response.status_code == 400
    assert response.json() == expected
    assert Job.objects.count() == 0


def test_api_import_of_200_mb_is_refused_before_reading(api):
    response = api.post("/api/v1/imports/", {"kind": "contacts"}, format="multipart",
                        CONTENT_LENGTH=str(200 * 1024 * 1024))

    assert response.status_code == 400
    assert response.json() == {"file": ["Le fichier dépasse la limite de 20 Mo : découpez-le en plusieurs fichiers."]}


def test_api_import_is_for_administrators(agent):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(agent)

    response = api_upload(client, csv_bytes([HEADER, GOOD]), "a.csv")

    assert response.status_code == 403
    assert (Job.objects.count(), Contact.objects.count()) == (0, 0)


# --- Benchmark helper ---------------------------------------------------------------------------------------

def test_import_file_runs_synchronously(admin, tmp_path):
    path = tmp_path / "clients.xlsx"
    path.write_bytes(xlsx_bytes([HEADER, GOOD, GOOD_2]))

    job = engine.import_file(path=str(path), kind="contacts", user=admin)

    assert (job.status, job.result["created"]) == (JobStatus.SUCCEEDED, 2)
