"""The import engine: modules declare what they import, core does the rest.

A module declares an `ImportSpec` in `assura/<app>/imports.py` (fields with their French and
English header synonyms, match keys, duplicate checks, and the *build* function its own
forms use) and registers it with `register_import`. Core imports no domain app: the specs
are discovered by importing `assura.<app>.imports` for every installed app.

The flow (pages in views_data.py, API in api_data.py):

    upload → column mapping (auto-matched, remembered per company + header row; the mode
    and match key are chosen here, so that the preview tells exactly what will happen)
    → check job "data.import_check" (a dry run: every bad row listed with line, column,
    value and reason; duplicates in the file and in the database flagged)
    → the user confirms, optionally "import the valid rows only"
    → import job "data.import": the same validation again (the database may have changed),
    then every write in ONE transaction (bulk_create / bulk_update in chunks): if a row is
    invalid and the user did not choose "valid rows only", nothing is saved.

Modes: "create" (a row whose match key is already in the database is skipped), "update"
(rows whose key is found are updated, the others skipped), "upsert" (create or update).
On update, empty cells leave the field as it is. Rows are cleaned by the module's build
function (`contact_build`, `account_build`, `lead_build`), so a typed and an imported
record obey the same rules. Foreign keys (owner, agency, wilaya) are resolved from
in-memory maps of the company, so Django's per-row existence queries are skipped (see
`_relations_checked`): that is what makes thousands of rows per second possible.

Progress: validation reports through the JobReporter (the bar moves); the write phase runs
inside the transaction, so on PostgreSQL its progress shows at the end. Validated records
are kept in memory up to `SPOOL_MEMORY_ROWS`, then pickled to a temporary file, so a
1,000,000-row file does not need gigabytes of RAM.

Benchmark helper: `import_file(path=..., kind="contacts", user=admin)` runs an import
synchronously (no Celery) and returns the finished Job; `job.result` has the counts.
"""

from __future__ import annotations

import copy
import csv
import datetime
import hashlib
import io
import os
import pickle
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import import_module
from importlib.util import find_spec
from itertools import islice
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assura.core.audit import audit_record
from assura.core.bulkwrite import BulkWriter
from assura.core.jobs import job_handler
from assura.core.models import AuditAction, FieldChange, ImportMapping, Job, JobStatus, Wilaya
from assura.core.permissions import user_can
from assura.core.records import snapshot
from assura.core.search import normalize
from assura.core.spreadsheets import BadCell, Sheet, SpreadsheetError, open_spreadsheet

CHECK_KIND = "data.import_check"
IMPORT_KIND = "data.import"
CHUNK = 1000
SPOOL_MEMORY_ROWS = 20_000
ERRORS_KEPT = 1000  # error entries kept on the job (the error file has them all)
WARNINGS_KEPT = 500
SOURCE_DIR = "imports"


class Mode:
    CREATE = "create"
    UPDATE = "update"
    UPSERT = "upsert"
    CHOICES = (
        (CREATE, gettext_lazy("Créer uniquement (les lignes déjà connues sont ignorées)")),
        (UPDATE, gettext_lazy("Mettre à jour uniquement (les lignes inconnues sont ignorées)")),
        (UPSERT, gettext_lazy("Créer ou mettre à jour")),
    )


class ImportFailed(Exception):
    """The import cannot run at all (file unreadable, mapping stale): `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Declarations ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportField:
    """One field a column can be mapped to."""

    name: str  # the key given to the module's build function
    label: Any
    type: str = "text"  # text, code, digits, date, choice, phone, email, decimal, integer, wilaya, agency, user,
    #                     phones, emails
    synonyms: tuple[str, ...] = ()  # header spellings, French and English (compared normalised)
    required: bool = False
    choices: Any = None  # a TextChoices class for type "choice"
    aliases: dict[str, str] = field(default_factory=dict)  # other spellings of the choices
    multiple: bool = False  # several columns may feed it (other phones, other e-mails)


@dataclass(frozen=True)
class DuplicateCheck:
    """A field whose equal values mean a likely duplicate (flagged, not refused)."""

    field: str
    label: Any
    also: tuple[str, ...] = ()  # fields that must be equal too (name key + birth date)


class ImportSpec:
    """What a module imports. Subclass, fill the attributes, implement `build`."""

    kind: str
    label: Any
    model: type
    fields: list[ImportField] = []
    match_keys: dict[str, Any] = {}  # field → label: how an existing record is recognised
    unique_fields: tuple[str, ...] = ()  # unique within the company (the database refuses a second one)
    duplicate_checks: tuple[DuplicateCheck, ...] = ()
    describe_fields: tuple[str, ...] = ()  # loaded to name an existing record in a message
    tracked: tuple[str, ...] = ()  # fields whose changes are recorded in the field history
    relations: tuple[str, ...] = ("owner", "agency", "wilaya")  # foreign keys resolved by the engine
    derived_fields: tuple[str, ...] = ()  # fields the build function computes (search column…)
    list_url_name: str | None = None  # the list page shown after an import

    def new_instance(self, ctx: ImportContext):
        raise NotImplementedError

    def build(self, instance, data: dict, ctx: ImportContext) -> None:
        """Apply `data` with the module's rules; raise ValidationError with field keys."""
        raise NotImplementedError

    def key_value(self, key: str, data: dict) -> str:
        """The normalised value of match key `key` in a row's converted data ("" when absent)."""
        value = data.get(key)
        return str(value).strip().lower() if value else ""

    def instance_key(self, key: str, instance) -> str:
        value = getattr(instance, key, "")
        return str(value).strip().lower() if value else ""

    def key_lookup(self, key: str, values: list[str]) -> dict:
        """{"field__in": values}: the indexed query finding existing records by key."""
        return {f"{key}__in": values}

    def prepare_new(self, rows: list[dict], ctx: ImportContext, run: ImportRun) -> None:
        """Import job only, before the rows to create are built: give them what the database
        hands out (client codes), so that the build computes everything once."""

    def prepare_creates(self, instances: list, ctx: ImportContext, run: ImportRun) -> None:
        """Last touches before the first save (codes, assignment), inside the transaction."""

    def update_fields(self, mapped: set[str]) -> list[str]:
        names = {f.name for f in self.model._meta.concrete_fields}
        chosen = {n for n in mapped if n in names} | set(self.derived_fields)
        for name in mapped:
            if name == "phones":
                chosen |= {"phone", "phones"}
            elif name == "emails":
                chosen |= {"email", "emails"}
            elif name == "phone":
                chosen.add("phones")
            elif name == "email":
                chosen.add("emails")
        if "updated_at" in names:
            chosen.add("updated_at")
        return sorted(chosen & names)

    def field(self, name: str) -> ImportField:
        return next(f for f in self.fields if f.name == name)


IMPORTS: dict[str, ImportSpec] = {}
_discovered = False


def register_import(spec: ImportSpec) -> ImportSpec:
    IMPORTS[spec.kind] = spec
    return spec


def discover() -> None:
    """Import `assura.<app>.imports` of every installed app (core names no domain app)."""
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        if config.name.startswith("assura.") and config.name != "assura.core":
            module = f"{config.name}.imports"
            if find_spec(module) is not None:
                import_module(module)
    _discovered = True


def import_specs() -> dict[str, ImportSpec]:
    discover()
    return IMPORTS


def import_spec(kind: str) -> ImportSpec:
    specs = import_specs()
    if kind not in specs:
        raise ImportFailed(_("Type d'import inconnu : %(kind)s.") % {"kind": kind})
    return specs[kind]


# --- Column mapping ----------------------------------------------------------------------------------------

def header_signature(headers: list[str]) -> str:
    return hashlib.sha256("\x1f".join(normalize(h) for h in headers).encode()).hexdigest()


def auto_mapping(spec: ImportSpec, headers: list[str]) -> list[str]:
    """A field per column by normalised header name (label, field name or synonym), "" otherwise."""
    names: dict[str, str] = {}
    for f in spec.fields:
        for spelling in (f.name, str(f.label), *f.synonyms):
            key = normalize(spelling).replace(" ", "")
            names.setdefault(key, f.name)
    taken: set[str] = set()
    columns = []
    for header in headers:
        name = names.get(normalize(header).replace(" ", ""), "")
        if name and name in taken and not spec.field(name).multiple:
            name = ""
        taken.add(name)
        columns.append(name)
    return columns


def remembered_mapping(spec: ImportSpec, *, organization_id, headers: list[str]) -> ImportMapping | None:
    return ImportMapping.objects.filter(
        organization_id=organization_id, kind=spec.kind, signature=header_signature(headers)
    ).first()


def mapping_remember(*, actor, spec: ImportSpec, headers: list[str], columns: list[str], options: dict) -> None:
    ImportMapping.objects.update_or_create(
        organization_id=actor.organization_id, kind=spec.kind, signature=header_signature(headers),
        defaults={"headers": headers, "columns": columns, "options": options, "updated_by": actor},
    )


def mapping_validate(spec: ImportSpec, headers: list[str], columns: list[str], *, mode: str, match_on: str) -> None:
    """Raise ValidationError (keys "columns", "mode", "match_on") when the mapping cannot run."""
    errors: dict[str, list[str]] = {}
    known = {f.name for f in spec.fields}
    if len(columns) != len(headers):
        errors.setdefault("columns", []).append(_("Une correspondance est attendue pour chaque colonne du fichier."))
        raise ValidationError(errors)
    used: dict[str, list[str]] = {}
    for header, name in zip(headers, columns, strict=True):
        if not name:
            continue
        if name not in known:
            errors.setdefault("columns", []).append(_("Champ inconnu : %(name)s.") % {"name": name})
            continue
        used.setdefault(name, []).append(header)
    for name, where in used.items():
        f = spec.field(name)
        if len(where) > 1 and not f.multiple:
            errors.setdefault("columns", []).append(
                _("Le champ « %(field)s » est choisi pour plusieurs colonnes (%(columns)s) : gardez-en une.")
                % {"field": f.label, "columns": ", ".join(f"« {h} »" for h in where)}
            )
    for f in spec.fields:
        # Updating only needs the match key: the records already have their required fields.
        if f.required and f.name not in used and mode != Mode.UPDATE:
            errors.setdefault("columns", []).append(
                _("Associez une colonne au champ obligatoire « %(field)s ».") % {"field": f.label}
            )
    if mode not in dict(Mode.CHOICES):
        errors.setdefault("mode", []).append(_("Choisissez un mode d'import."))
    if match_on not in spec.match_keys:
        errors.setdefault("match_on", []).append(_("Choisissez comment reconnaître un enregistrement existant."))
    elif mode in (Mode.UPDATE, Mode.UPSERT) and match_on not in used:
        errors.setdefault("match_on", []).append(
            _("Pour mettre à jour par « %(key)s », associez une colonne à ce champ.")
            % {"key": spec.match_keys[match_on]}
        )
    if errors:
        raise ValidationError(errors)


# --- Cell conversion ---------------------------------------------------------------------------------------

class CellError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
DATE_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
SPLIT_LIST = re.compile(r"\s*[;,/|]\s*")
WILAYA_CODE = re.compile(r"^0*(\d{1,2})(?:\s*[-–—.:]\s*.*|\s+\D.*)?$")


def display_value(value) -> str:
    """A cell as the user typed it, for messages and the error file."""
    if value is None or isinstance(value, BadCell):
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y") if value.time() == datetime.time() else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def as_text(value) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    return display_value(value).strip()


def as_date(value, ctx) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = as_text(value)
    if isinstance(value, str):
        match = DATE_DMY.match(text)
        try:
            if match:
                day, month, year = (int(g) for g in match.groups())
                return datetime.date(year, month, day)
            match = DATE_ISO.match(text)
            if match:
                year, month, day = (int(g) for g in match.groups())
                return datetime.date(year, month, day)
        except ValueError:
            raise CellError(_("Date inexistante : « %(value)s ».") % {"value": text}) from None
    raise CellError(_("Date illisible : « %(value)s ». Formats acceptés : jj/mm/aaaa, aaaa-mm-jj ou une cellule "
                      "date d'Excel.") % {"value": text})


def as_digits(value, ctx) -> str:
    # Excel keeps 15 significant digits: an 18-digit NIN typed as a number has lost its last digits.
    if isinstance(value, float):
        if abs(value) >= 1e15:
            raise CellError(_("Excel a enregistré cette valeur comme un nombre (%(value)s) et ses derniers chiffres "
                              "sont perdus : formatez la colonne en « Texte » et ressaisissez-la.")
                            % {"value": f"{value:.0f}"})
        if not value.is_integer():
            raise CellError(_("Nombre décimal inattendu : « %(value)s ».") % {"value": value})
        return str(int(value))
    return as_text(value)


def as_decimal(value, ctx) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("Nombre attendu."))
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = re.sub(r"[\s\u00a0\u202f]|DZD|DA$", "", as_text(value), flags=re.IGNORECASE)
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
    else:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CellError(_("Nombre illisible : « %(value)s ».") % {"value": as_text(value)}) from None


def as_integer(value, ctx) -> int:
    number = as_decimal(value, ctx)
    if number != number.to_integral_value():
        raise CellError(_("Nombre entier attendu : « %(value)s ».") % {"value": as_text(value)})
    return int(number)


def as_code(value, ctx) -> str:
    return as_digits(value, ctx).upper()


def as_phone(value, ctx) -> str:
    return as_digits(value, ctx)


def as_email(value, ctx) -> str:
    return as_text(value).lower()


def as_phones(value, ctx) -> list[dict]:
    return [{"type": "mobile", "number": n} for n in SPLIT_LIST.split(as_digits(value, ctx)) if n]


def as_emails(value, ctx) -> list[str]:
    return [e.lower() for e in re.split(r"[\s;,]+", as_text(value)) if e]


def as_wilaya(value, ctx):
    text = as_digits(value, ctx) if isinstance(value, int | float) else as_text(value)
    wilayas = ctx.wilayas()
    match = WILAYA_CODE.match(text)
    found = wilayas.get(f"{int(match.group(1)):02d}") if match else None
    found = found or wilayas.get(normalize(text))
    if found is None:
        raise CellError(_("Wilaya inconnue : « %(value)s ». Indiquez son code (16) ou son nom (Alger).")
                        % {"value": text})
    return found


def as_agency(value, ctx):
    text = as_text(value)
    found = ctx.agencies().get(normalize(text))
    if found is None:
        raise CellError(_("Agence inconnue : « %(value)s ». Indiquez son numéro (016-001) ou son nom exact.")
                        % {"value": text})
    return found


def as_user(value, ctx):
    text = as_text(value).lower()
    found = ctx.users().get(text)
    if found is None:
        raise CellError(_("Utilisateur inconnu : « %(value)s ». Indiquez l'adresse e-mail d'un membre actif de "
                          "l'entreprise.") % {"value": text})
    return found


CONVERTERS: dict[str, Callable] = {
    "text": lambda value, ctx: as_text(value), "code": as_code, "digits": as_digits, "date": as_date,
    "phone": as_phone, "email": as_email, "decimal": as_decimal, "integer": as_integer, "wilaya": as_wilaya,
    "agency": as_agency, "user": as_user, "phones": as_phones, "emails": as_emails,
}


def choice_converter(f: ImportField) -> Callable:
    """Values accepted for a choice: its code, its label in every language, and the aliases."""
    accepted: dict[str, str] = {}
    for value, label in f.choices.choices:
        accepted[normalize(value)] = value
        for language in ("fr", "en", "ar"):
            with translation.override(language):
                accepted.setdefault(normalize(str(label)), value)
    for alias, value in f.aliases.items():
        accepted[normalize(alias)] = value
    shown = ", ".join(str(label) for _value, label in f.choices.choices)

    def convert(value, ctx):
        text = as_text(value)
        found = accepted.get(normalize(text))
        if found is None:
            raise CellError(_("Valeur inconnue : « %(value)s ». Valeurs acceptées : %(choices)s.")
                            % {"value": text, "choices": shown})
        return found

    return convert


# --- The run ----------------------------------------------------------------------------------------------

class ImportContext:
    """What a run needs to know once: the actor, the company, and its lookup tables (built lazily)."""

    def __init__(self, *, actor, spec: ImportSpec, mode: str, match_on: str):
        self.actor = actor
        self.organization_id = actor.organization_id
        self.spec = spec
        self.mode = mode
        self.match_on = match_on
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.actor_agency = actor.agency if actor.agency_id else None
        self._wilayas = self._agencies = self._users = None

    def wilayas(self) -> dict:
        if self._wilayas is None:
            self._wilayas = {}
            for wilaya in Wilaya.objects.filter(is_active=True):
                self._wilayas[wilaya.code] = wilaya
                for name in (wilaya.name, wilaya.name_ar, f"{wilaya.code} {wilaya.name}"):
                    if name:
                        self._wilayas.setdefault(normalize(name), wilaya)
        return self._wilayas

    def agencies(self) -> dict:
        if self._agencies is None:
            from assura.identity.models import Agency  # identity is the platform, not a domain app

            self._agencies = {}
            for agency in Agency.objects.filter(organization_id=self.organization_id):
                self._agencies[normalize(agency.number)] = agency
                self._agencies.setdefault(normalize(agency.name), agency)
                self._agencies.setdefault(normalize(str(agency)), agency)
        return self._agencies

    def users(self) -> dict:
        if self._users is None:
            members = get_user_model().objects.filter(organization_id=self.organization_id, is_active=True)
            self._users = {user.email.lower(): user for user in members}
        return self._users


@contextmanager
def _relations_checked(instance, fields: Iterable[str]):
    """Django's full_clean checks each foreign key with one query per row. The engine resolved
    them from the company's own rows (and the organization is the actor's), so the build
    function's full_clean skips them for this instance only."""
    full_clean = instance.full_clean
    skipped = ["organization", *fields]

    def clean(exclude=None, **kwargs):
        return full_clean(exclude=[*(exclude or ()), *skipped], **kwargs)

    instance.full_clean = clean
    try:
        yield instance
    finally:
        del instance.full_clean


class _Spool:
    """Validated writes, kept in memory up to SPOOL_MEMORY_ROWS then pickled to a temporary file."""

    def __init__(self):
        self.memory: list = []
        self.count = 0
        self.file = None

    def add(self, items: list) -> None:
        if not items:
            return
        self.count += len(items)
        if self.file is None and self.count <= SPOOL_MEMORY_ROWS:
            self.memory.append(items)
            return
        if self.file is None:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
            for chunk in self.memory:
                pickle.dump(chunk, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.memory = []
        pickle.dump(items, self.file, protocol=pickle.HIGHEST_PROTOCOL)

    def chunks(self) -> Iterator[list]:
        yield from self.memory
        if self.file is not None:
            self.file.seek(0)
            while True:
                try:
                    yield pickle.load(self.file)  # noqa: S301 (our own temporary file, written above)
                except EOFError:
                    break

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def csv_safe(text: str) -> str:
    """A cell that Excel would run as a formula (=, +, -, @) is written as text."""
    if text and text[0] in "=+-@\t\r" and not re.fullmatch(r"[+-]?\d[\d\s.,]*", text):
        return "'" + text
    return text


class ImportRun:
    """One pass over the file: convert, build, check duplicates; then (import job) write."""

    def __init__(self, *, job: Job, spec: ImportSpec, ctx: ImportContext, sheet: Sheet, columns: list[str],
                 write: bool, valid_only: bool = False):
        self.job, self.spec, self.ctx, self.sheet = job, spec, ctx, sheet
        self.write, self.valid_only = write, valid_only
        self.headers = sheet.headers
        self.width = len(self.headers)
        self.columns = [
            (index, spec.field(name), self._converter(spec.field(name)))
            for index, name in enumerate(columns) if name
        ]
        self.mapped = {f.name for _i, f, _c in self.columns}
        self.field_columns: dict[str, str] = {}
        for index, f, _c in self.columns:
            self.field_columns.setdefault(f.name, self.headers[index])
        self.counts = {"rows": 0, "valid": 0, "invalid": 0, "create": 0, "update": 0, "skip": 0, "warnings": 0}
        self.warnings: list[dict] = []
        self.seen: dict[str, dict] = {}
        self.file_codes: set[str] = set()
        self.spool = _Spool()
        self.error_file = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="")  # noqa: SIM115
        self.error_writer = csv.writer(self.error_file, delimiter=";")
        self.error_writer.writerow([_("Ligne"), *self.headers, _("Erreurs")])
        self.content_type = ContentType.objects.get_for_model(spec.model)
        self.prototype = None
        self.untouched: list[str] = []
        self.update_fields = spec.update_fields(self.mapped)

    def _new_instance(self):
        """A copy of the spec's new instance: cheaper than running Model.__init__ for every row."""
        if self.prototype is None:
            self.prototype = self.spec.new_instance(self.ctx)
            self.untouched = self._untouched_fields(self.prototype)
        return _copy(self.prototype)

    def _untouched_fields(self, prototype) -> list[str]:
        """Fields no column writes and whose value (the prototype's default) is valid: checked
        once here rather than by full_clean on every row."""
        written = set(self.update_fields) | set(self.spec.relations) | {"organization"}
        untouched = []
        for f in self.spec.model._meta.concrete_fields:
            if f.primary_key or f.name in written:
                continue
            try:
                f.clean(getattr(prototype, f.attname), prototype)
            except ValidationError:
                continue
            untouched.append(f.name)
        return untouched

    def _converter(self, f: ImportField) -> Callable:
        return choice_converter(f) if f.type == "choice" else CONVERTERS[f.type]

    # -- per chunk ------------------------------------------------------------------------------

    def process(self, rows: list[tuple[int, list]]) -> list[bool]:
        spec, ctx = self.spec, self.ctx
        prepared = [self._convert(line, values) for line, values in rows]
        existing = self._existing([row for row in prepared if row.key])
        for row in prepared:
            self._classify(row, existing)
        if self.write:
            spec.prepare_new([row.data for row in prepared if row.action == "create" and not row.errors], ctx, self)
        valid_rows = []
        for row in prepared:
            if row.action != "skip":
                self._build(row)
            if not row.errors and row.action != "skip":
                valid_rows.append(row)
        self._unique_checks(valid_rows)
        self._duplicate_checks([r for r in valid_rows if not r.errors])
        writes = []
        outcomes = []
        for row in prepared:
            self.counts["rows"] += 1
            if row.errors:
                self.counts["invalid"] += 1
                self._report(row)
                outcomes.append(False)
                continue
            self.counts["valid"] += 1
            self.counts[row.action] += 1
            if row.action == "skip":
                self._warn(row.line, spec.match_keys.get(ctx.match_on, ""), row.key, row.skip_reason)
            elif self.write:
                writes.append((row.action, row.instance, row.changes))
            outcomes.append(True)
        if self.write:
            self.spool.add(writes)
        return outcomes

    def _convert(self, line: int, values: list) -> _Row:
        row = _Row(line, values)
        data = row.data
        for index, f, convert in self.columns:
            value = values[index]
            if value is None:
                continue
            if isinstance(value, BadCell):
                row.error(self.headers[index], "", value.message)
                continue
            if value.__class__ is str and not value.strip():
                continue
            try:
                converted = convert(value, self.ctx)
            except CellError as exc:
                row.error(self.headers[index], display_value(value), exc.message)
                continue
            if f.multiple:
                data.setdefault(f.name, []).extend(converted if isinstance(converted, list) else [converted])
            elif converted not in ("", None, []):
                data[f.name] = converted
        if len(values) > self.width and isinstance(values[self.width], BadCell):
            row.error("", "", values[self.width].message)
        row.key = self.spec.key_value(self.ctx.match_on, data) if self.ctx.match_on else ""
        return row

    def _existing(self, rows: list[_Row]) -> dict[str, Any]:
        if not rows:
            return {}
        spec, key = self.spec, self.ctx.match_on
        qs = spec.model._default_manager.filter(organization_id=self.ctx.organization_id,
                                                **spec.key_lookup(key, sorted({r.key for r in rows})))
        related = [name for name in spec.relations if name in {f.name for f in spec.model._meta.fields}]
        found: dict[str, Any] = {}
        for obj in qs.select_related(*related):
            found.setdefault(spec.instance_key(key, obj), obj)
        return found

    def _classify(self, row: _Row, existing: dict) -> None:
        spec, ctx = self.spec, self.ctx
        if row.key:
            first = self.seen.setdefault(f"key:{ctx.match_on}", {}).setdefault(row.key, row.line)
            if first != row.line:
                row.error(self.field_columns.get(ctx.match_on, ""), row.key,
                          _("Même %(key)s que la ligne %(line)s : une seule ligne par enregistrement.")
                          % {"key": spec.match_keys[ctx.match_on], "line": first})
        match = existing.get(row.key) if row.key else None
        if ctx.mode == Mode.CREATE:
            if match is not None:
                row.action, row.skip_reason = "skip", _("Déjà présent (%(record)s) : ligne ignorée.") % {
                    "record": match}
            else:
                row.action = "create"
        elif ctx.mode == Mode.UPDATE:
            if match is None:
                row.action = "skip"
                row.skip_reason = (_("Aucun enregistrement existant avec cette valeur : ligne ignorée.") if row.key
                                   else _("Valeur de reconnaissance absente : ligne ignorée."))
            else:
                row.action, row.instance = "update", match
        else:
            row.action, row.instance = ("update", match) if match is not None else ("create", None)
        if row.action == "skip" and row.errors:
            row.action = "create"  # an invalid row is reported as invalid, not as skipped

    def _build(self, row: _Row) -> None:
        spec, ctx = self.spec, self.ctx
        skipped = spec.relations
        if row.action == "create":
            instance = self._new_instance()
            skipped = [*spec.relations, *self.untouched]
            before = None
        else:
            # A copy: two rows naming the same record (one refused as a duplicate) never share an object.
            instance = _copy(row.instance)
            before = snapshot(instance, spec.tracked)
        try:
            with _relations_checked(instance, skipped):
                spec.build(instance, row.data, ctx)
        except ValidationError as exc:
            for name, messages in _error_dict(exc).items():
                column = self._column_of(name)
                if column and column in row.failed_columns:
                    continue  # its cell was already refused, with a more precise message
                value = display_value(row.values[self.headers.index(column)]) if column in self.headers else ""
                for message in messages:
                    row.error(column or self._label_of(name), value, message)
            return
        row.instance = instance
        if before is not None:
            after = snapshot(instance, before.keys())
            row.changes = [
                FieldChange(organization_id=ctx.organization_id, content_type=self.content_type, object_id=instance.pk,
                            field=name, field_label=str(spec.model._meta.get_field(name).verbose_name)[:120],
                            old_value=before[name], new_value=after[name], actor=ctx.actor)
                for name in before if before[name] != after[name]
            ]

    def _column_of(self, name: str) -> str:
        if name in self.field_columns:
            return self.field_columns[name]
        alias = {"phones": "phone", "phone": "phones", "emails": "email", "email": "emails"}.get(name)
        return self.field_columns.get(alias, "") if alias else ""

    def _label_of(self, name: str) -> str:
        if name == NON_FIELD_ERRORS:
            return ""
        try:
            return str(self.spec.model._meta.get_field(name).verbose_name)
        except Exception:  # noqa: BLE001 (a build may name a field the model does not have)
            return name

    def _unique_checks(self, rows: list[_Row]) -> None:
        spec, ctx = self.spec, self.ctx
        for name in spec.unique_fields:
            values: dict[str, list[_Row]] = {}
            for row in rows:
                value = getattr(row.instance, name, "")
                if not value:
                    continue
                first = self.seen.setdefault(f"unique:{name}", {}).setdefault(value.upper(), row.line)
                if first != row.line:
                    row.error(self._column_of(name), value,
                              _("Même %(field)s que la ligne %(line)s.") % {"field": self._label_of(name),
                                                                           "line": first})
                    continue
                values.setdefault(value, []).append(row)
                if name == "code":
                    self.file_codes.add(value.upper())
            if not values:
                continue
            taken = dict(spec.model._default_manager.filter(
                organization_id=ctx.organization_id, **{f"{name}__in": list(values)}).values_list(name, "pk"))
            for value, pk in taken.items():
                for row in values.get(value, []):
                    if row.instance.pk != pk:
                        row.error(self._column_of(name), value,
                                  _("Cette valeur de « %(field)s » est déjà attribuée à un autre enregistrement.")
                                  % {"field": self._label_of(name)})

    def _duplicate_checks(self, rows: list[_Row]) -> None:
        spec, ctx = self.spec, self.ctx
        for check in spec.duplicate_checks:
            values: dict[Any, list[_Row]] = {}
            seen = self.seen.setdefault(f"dup:{check.field}", {})
            for row in rows:
                value = getattr(row.instance, check.field, None)
                also = tuple(getattr(row.instance, name, None) for name in check.also)
                if not value or not all(also):
                    continue
                first = seen.setdefault((value, also), row.line)
                if first != row.line:
                    self._warn(row.line, self._column_of(check.field) or str(check.label), display_value(value),
                               _("Doublon probable de la ligne %(line)s (même %(what)s).")
                               % {"line": first, "what": check.label})
                values.setdefault(value, []).append(row)
            if not values:
                continue
            lookup = {f"{check.field}__in": list(values)}
            for name in check.also:
                lookup[f"{name}__in"] = list({getattr(r.instance, name) for group in values.values() for r in group})
            existing = spec.model._default_manager.filter(organization_id=ctx.organization_id, **lookup).only(
                "pk", check.field, *check.also, *spec.describe_fields
            )
            for obj in existing:
                for row in values.get(getattr(obj, check.field), []):
                    if obj.pk == row.instance.pk:
                        continue
                    if any(getattr(obj, name) != getattr(row.instance, name) for name in check.also):
                        continue
                    self._warn(row.line, self._column_of(check.field) or str(check.label),
                               display_value(getattr(row.instance, check.field)),
                               _("Doublon probable de « %(record)s » déjà enregistré (même %(what)s).")
                               % {"record": obj, "what": check.label})

    def _warn(self, line: int, column, value: str, message: str) -> None:
        self.counts["warnings"] += 1
        if len(self.warnings) < WARNINGS_KEPT:
            self.warnings.append({"line": line, "column": str(column), "value": str(value), "message": str(message)})

    def _report(self, row: _Row) -> None:
        job = self.job
        order = {header: index for index, header in reversed(list(enumerate(self.headers)))}
        row.errors.sort(key=lambda error: order.get(error[0], len(order)))  # in the file's column order
        for column, value, message in row.errors:
            if len(job.errors) < ERRORS_KEPT:
                job.errors.append({"line": row.line, "column": column, "value": value, "message": message})
        reasons = "; ".join(f"{c} : {m}" if c else m for c, _v, m in row.errors)
        cells = [csv_safe(display_value(v)) for v in row.values[: self.width]]
        self.error_writer.writerow([row.line, *cells, csv_safe(reasons)])

    # -- the end ---------------------------------------------------------------------------------

    @property
    def saves(self) -> bool:
        """Whether the import job writes: always with "valid rows only", else only without errors."""
        return self.write and (self.valid_only or not self.counts["invalid"])

    def commit(self) -> dict:
        """Every validated write, in one transaction. Returns the created/updated counts."""
        spec, ctx = self.spec, self.ctx
        created = updated = 0
        with transaction.atomic():
            # Validated rows go in with COPY (PostgreSQL) or one executemany (SQLite): the ORM's
            # bulk_create spends more time building its SQL than the database spends writing.
            writer = BulkWriter()
            for chunk in self.spool.chunks():
                news = [obj for action, obj, _c in chunk if action == "create"]
                olds = [(obj, changes) for action, obj, changes in chunk if action == "update"]
                if news:
                    spec.prepare_creates(news, ctx, self)
                    for obj, pk in zip(news, writer.reserve_ids(spec.model, len(news)), strict=True):
                        obj.pk = pk
                    writer.insert(spec.model, news)
                    created += len(news)
                if olds:
                    for obj, _changes in olds:
                        if hasattr(obj, "updated_at"):
                            obj.updated_at = ctx.now
                    spec.model._default_manager.bulk_update([o for o, _c in olds], self.update_fields,
                                                            batch_size=500)
                    FieldChange.objects.bulk_create([c for _o, changes in olds for c in changes], batch_size=1000)
                    updated += len(olds)
        return {"created": created, "updated": updated}

    def error_report(self) -> File | None:
        if not self.counts["invalid"]:
            return None
        self.error_file.flush()
        self.error_file.seek(0)
        return File(io.BytesIO(self.error_file.read().encode("utf-8-sig")))

    def close(self) -> None:
        self.spool.close()
        self.error_file.close()


def _copy(instance):
    copied = copy.copy(instance)
    for name, value in copied.__dict__.items():
        if isinstance(value, list | dict) and name != "_state":
            copied.__dict__[name] = copy.copy(value)  # a JSON list is not shared between rows
    return copied


class _Row:
    __slots__ = ("line", "values", "data", "errors", "failed_columns", "key", "action", "instance", "changes",
                 "skip_reason")

    def __init__(self, line: int, values: list):
        self.line, self.values = line, values
        self.data: dict = {}
        self.errors: list[tuple[str, str, str]] = []
        self.failed_columns: set[str] = set()
        self.key = ""
        self.action = "create"
        self.instance = None
        self.changes: list = []
        self.skip_reason = ""

    def error(self, column: str, value: str, message: str) -> None:
        self.errors.append((column, value, str(message)))
        self.failed_columns.add(column)


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: [str(m) for e in errors for m in e.messages] for name, errors in exc.error_dict.items()}
    return {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}


# --- Jobs -------------------------------------------------------------------------------------------------

def source_save(*, organization_id, upload) -> str:
    """Store an uploaded file privately (per company, unguessable path); returns its storage path."""
    name = get_valid_filename(os.path.basename(getattr(upload, "name", "") or "import"))[-100:] or "import"
    return default_storage.save(f"{SOURCE_DIR}/{organization_id}/{uuid.uuid4().hex}/{name}", upload)


def sources_cleanup(*, hours: int = 24) -> int:
    """Delete uploaded files older than `hours` that no waiting or running job still needs: a
    file checked and never imported (or abandoned after its report) does not stay forever.
    Returns the number of files deleted."""
    from datetime import timedelta

    from django.utils import timezone

    limit = timezone.now() - timedelta(hours=hours)
    needed = set(Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
                 .values_list("params__source", flat=True))
    deleted = 0
    try:
        companies, _files = default_storage.listdir(SOURCE_DIR)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    for company in companies:
        uploads, _files = default_storage.listdir(f"{SOURCE_DIR}/{company}")
        for upload in uploads:
            for name in default_storage.listdir(f"{SOURCE_DIR}/{company}/{upload}")[1]:
                path = f"{SOURCE_DIR}/{company}/{upload}/{name}"
                if path not in needed and default_storage.get_modified_time(path) < limit:
                    default_storage.delete(path)
                    deleted += 1
    return deleted


@contextmanager
def source_open(path: str) -> Iterator[Sheet]:
    if not path.startswith(f"{SOURCE_DIR}/") or ".." in path:
        raise ImportFailed(_("Fichier d'import introuvable."))
    try:
        handle = default_storage.open(path, "rb")
    except (FileNotFoundError, OSError):
        raise ImportFailed(_("Le fichier importé n'est plus disponible : déposez-le à nouveau.")) from None
    sheet = None
    try:
        sheet = open_spreadsheet(handle, name=path.rsplit("/", 1)[-1], size=default_storage.size(path))
        yield sheet
    except SpreadsheetError as exc:
        raise ImportFailed(exc.message) from None
    finally:
        if sheet is not None:
            sheet.close()
        handle.close()


def _actor(job: Job):
    actor = job.created_by
    if (actor is None or not actor.is_active or actor.organization_id != job.organization_id
            or not user_can(actor, "data.import")):
        job.result = {"fatal": _("Le lanceur de l'import n'a plus le droit d'importer des données.")}
        raise ImportFailed(job.result["fatal"])
    return actor


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def run_import(job: Job, reporter, *, write: bool) -> None:
    """The check job (write=False) and the import job (write=True)."""
    params = job.params
    spec = import_spec(params.get("kind", ""))
    actor = _actor(job)
    ctx = ImportContext(actor=actor, spec=spec, mode=params.get("mode", Mode.CREATE),
                        match_on=params.get("match_on", ""))
    try:
        with source_open(params.get("source", "")) as sheet:
            columns = list(params.get("columns") or [])
            if len(columns) != len(sheet.headers):
                raise ImportFailed(_("Les colonnes du fichier ne correspondent plus à la correspondance choisie."))
            mapping_validate(spec, sheet.headers, columns, mode=ctx.mode, match_on=ctx.match_on)
            run = ImportRun(job=job, spec=spec, ctx=ctx, sheet=sheet, columns=columns, write=write,
                            valid_only=bool(params.get("valid_only")))
            try:
                reporter.set_total(sheet.total_hint)
                reporter.every = max(CHUNK, sheet.total_hint // 100)
                for chunk in _chunks(sheet.rows(), CHUNK):
                    for ok in run.process(chunk):
                        reporter.step(ok=ok)
                result = _result(run, sheet)
                if run.saves and run.counts["create"] + run.counts["update"]:
                    try:
                        result.update(run.commit())
                    except IntegrityError:
                        raise ImportFailed(_("Un autre enregistrement a été créé ou modifié pendant l'import et "
                                             "entre en conflit : rien n'a été enregistré. Relancez l'import."))
                result["saved"] = run.saves
                report = run.error_report()
                if report is not None:
                    stem = os.path.splitext(params.get("filename") or "import")[0][:60]
                    job.result_file.save(get_valid_filename(f"erreurs-{stem}.csv"), report, save=False)
            finally:
                run.close()
    except ImportFailed as exc:
        job.result = {"fatal": exc.message}
        raise
    except ValidationError as exc:
        message = " ".join(m for messages in _error_dict(exc).values() for m in messages)
        job.result = {"fatal": message}
        raise ImportFailed(message) from None
    job.total = job.processed
    job.result = result
    if write:
        audit_record(action=AuditAction.IMPORT, actor=actor, organization=job.organization, target=job, data={
            "kind": spec.kind, "file": params.get("filename", ""), "created": result["created"],
            "updated": result["updated"], "skipped": result["skipped"], "invalid": result["invalid"],
        })
        if result["saved"]:
            default_storage.delete(params["source"])


def _result(run: ImportRun, sheet: Sheet) -> dict:
    counts = run.counts
    return {
        "rows": counts["rows"], "valid": counts["valid"], "invalid": counts["invalid"],
        "to_create": counts["create"], "to_update": counts["update"], "skipped": counts["skip"],
        "created": 0, "updated": 0, "warnings_count": counts["warnings"], "warnings": run.warnings,
        "notices": sheet.notices, "saved": False,
    }


@job_handler(CHECK_KIND)
def import_check_job(job, reporter) -> None:
    run_import(job, reporter, write=False)


@job_handler(IMPORT_KIND)
def import_job(job, reporter) -> None:
    run_import(job, reporter, write=True)


def import_params(*, kind: str, source: str, filename: str, columns: list[str], mode: str, match_on: str,
                  valid_only: bool = False) -> dict:
    return {"kind": kind, "source": source, "filename": filename, "columns": columns, "mode": mode,
            "match_on": match_on, "valid_only": valid_only}


def import_check_enqueue(*, user, params: dict) -> Job:
    """Start the dry run of a mapped upload (administrators: "data.import")."""
    from assura.core.jobs import job_enqueue

    if not user_can(user, "data.import"):
        raise PermissionDenied
    return job_enqueue(kind=CHECK_KIND, user=user, params=params)


def import_confirm(*, actor, check: Job, valid_only: bool) -> Job:
    """Start the import of a finished check job, once (a second confirmation returns the same job)."""
    from assura.core.jobs import job_enqueue

    if not user_can(actor, "data.import"):
        raise PermissionDenied
    with transaction.atomic():
        check = Job.objects.select_for_update().get(pk=check.pk, organization_id=actor.organization_id)
        if check.kind != CHECK_KIND or check.status != JobStatus.SUCCEEDED:
            raise ValidationError(_("La vérification du fichier n'est pas terminée."))
        started = check.result.get("import_job")
        if started:
            return Job.objects.get(pk=started, organization_id=actor.organization_id)
        if not check.result.get("to_create") and not check.result.get("to_update"):
            raise ValidationError(_("Rien à importer : aucune ligne à créer ni à mettre à jour."))
        if check.result.get("invalid") and not valid_only:
            raise ValidationError(
                _("%(n)s ligne(s) sont en erreur : corrigez le fichier et déposez-le à nouveau, ou cochez « Importer "
                  "uniquement les lignes valides ».") % {"n": check.result["invalid"]}
            )
        job = job_enqueue(kind=IMPORT_KIND, user=actor, params={**check.params, "valid_only": valid_only,
                                                                   "check_job": check.pk})
        check.result = {**check.result, "import_job": job.pk}
        check.save(update_fields=["result"])
    return job


def import_file(*, path: str, kind: str, user, mode: str = Mode.CREATE, match_on: str | None = None,
                columns: list[str] | None = None, valid_only: bool = False) -> Job:
    """Import a file synchronously (benchmarks, scripts): store it, map it automatically (or
    with `columns`), run the import job in this process and return it, finished.

        job = import_file(path="bench/contacts-100k.xlsx", kind="contacts", user=admin)
        job.result  # {"rows": 100000, "created": 100000, "invalid": 0, ...}
    """
    from assura.core.jobs import job_run

    spec = import_spec(kind)
    with open(path, "rb") as handle:
        source = source_save(organization_id=user.organization_id, upload=File(handle, name=os.path.basename(path)))
    with source_open(source) as sheet:
        headers = sheet.headers
    columns = columns or auto_mapping(spec, headers)
    job = Job.objects.create(
        organization_id=user.organization_id, kind=IMPORT_KIND, created_by=user,
        params=import_params(kind=kind, source=source, filename=os.path.basename(path), columns=columns, mode=mode,
                             match_on=match_on or next(iter(spec.match_keys)), valid_only=valid_only),
    )
    return job_run(job.pk) or job
