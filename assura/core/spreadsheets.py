"""Reading spreadsheets for imports (CSV and XLSX), streamed, with a precise message for
every file we cannot read — never a stack trace.

The decisions, in one place:

* Size: a file above `IMPORT_MAX_BYTES` (20 MB by default) is refused from its size alone,
  before a byte is read. The web views also refuse a request whose Content-Length is too
  large before Django parses the upload.
* What the file is comes from its content, not its name: XLSX (a ZIP holding
  xl/workbook.xml); legacy .xls, OpenDocument, Word, PDF, images and other binaries get a
  message naming what they are and what to do. Anything else is read as CSV text.
* CSV: UTF-16 when it starts with a BOM (Excel's "Texte Unicode"), else UTF-8 (with or
  without BOM), else Arabic Windows (cp1256) when the bytes hold Arabic words, else
  Windows-1252. The delimiter is sniffed among comma, semicolon and tab
  on the first lines; a header that stays one column is refused, naming the separator it
  seems to use (a CSV with the wrong delimiter is a message, not one column of garbage).
  A row with more values than the header has is a row error.
* XLSX: the first sheet, streamed with ElementTree.iterparse. openpyxl's read-only reader
  was measured 4 times slower (100,000 rows × 12 columns: 25 s against 6 s of CPU) and
  hides formulas and merged cells; openpyxl still provides the date formats and the
  serial-number conversion.
  - Formulas: the cached value (what Excel displays) is imported. A formula with no
    cached value (a file written by a program and never opened in Excel) is an error of
    that cell: its value is unknown, so it is never imported as empty.
  - Merged cells are refused, naming the first range: a merged range keeps its value in
    its first cell only, the others would be silently empty.
  - Cells in error (#N/A, #REF!…) are errors of their row.
  - A decompressed sheet above `IMPORT_MAX_SHEET_BYTES` is refused (a ZIP bomb is small).
* Rows: the header is the first non-empty row; empty rows are skipped; reading stops
  after `EMPTY_ROWS_LIMIT` consecutive empty rows (rows present but empty, or a gap in the
  row numbers) with a notice, so 1,000,000 formatted empty rows or a stray cell in row
  1,048,576 cost nothing. More than `IMPORT_MAX_ROWS` data rows is refused.
* Line numbers are the spreadsheet's row numbers (the header of a CSV is line 1).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from posixpath import dirname, join, normpath
from xml.etree.ElementTree import ParseError
from xml.etree.ElementTree import iterparse as _iterparse

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAX_BYTES = getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024)
MAX_ROWS = getattr(settings, "IMPORT_MAX_ROWS", 1_000_000)
MAX_SHEET_BYTES = getattr(settings, "IMPORT_MAX_SHEET_BYTES", 1024 * 1024 * 1024)
EMPTY_ROWS_LIMIT = 1_000
MAX_COLUMNS = 200

MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
ROW, CELL, VALUE, FORMULA = MAIN_NS + "row", MAIN_NS + "c", MAIN_NS + "v", MAIN_NS + "f"
TEXT, PHONETIC = MAIN_NS + "t", MAIN_NS + "rPh"
INLINE = MAIN_NS + "is"
MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)\"")
DELIMITERS = (",", ";", "\t")
OTHER_SEPARATORS = "|:^~#"


def iterparse(source, events=("end",)):
    """ElementTree never resolves external entities, and the expat it runs on (≥ 2.4) limits
    entity expansion ("billion laughs"): safe for untrusted workbooks without defusedxml."""
    return _iterparse(source, events=events)  # noqa: S314


class SpreadsheetError(Exception):
    """The file cannot be read as a spreadsheet; `message` says why, in French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BadCell:
    """A cell whose value cannot be used (formula without value, Excel error): an error of its row."""

    message: str

    def __str__(self):
        return ""


@dataclass
class Sheet:
    """A readable spreadsheet: its header, then its data rows, read once, lazily."""

    format: str  # "csv" or "xlsx"
    headers: list[str]
    total_hint: int  # an estimate of the data rows, for the progress bar
    notices: list[str] = field(default_factory=list)
    _rows: Iterator | None = None

    def rows(self) -> Iterator[tuple[int, list]]:
        """(line number, values) of each non-empty data row, `len(values) == len(headers)`."""
        rows, self._rows = self._rows, None
        if rows is None:
            raise RuntimeError("The rows of a sheet are read once.")
        for count, (line, values) in enumerate(rows, start=1):
            if count > MAX_ROWS:
                raise SpreadsheetError(
                    _("Le fichier compte plus de %(max)s lignes de données : découpez-le en plusieurs fichiers.")
                    % {"max": f"{MAX_ROWS:,}".replace(",", " ")}
                )
            yield line, values

    def close(self) -> None:
        if self._rows is not None:
            self._rows.close()
            self._rows = None


def column_letter(index: int) -> str:
    """0 → 'A', 27 → 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def open_spreadsheet(file, *, name: str = "", size: int | None = None) -> Sheet:
    """Recognise and open `file` (a binary, seekable file object). Raises SpreadsheetError."""
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    if size > MAX_BYTES:
        raise SpreadsheetError(
            _("Le fichier pèse %(size)s Mo : la limite est de %(max)s Mo. Découpez-le en plusieurs fichiers.")
            % {"size": f"{size / 1024 / 1024:.0f}", "max": MAX_BYTES // (1024 * 1024)}
        )
    if size == 0:
        raise SpreadsheetError(_("Le fichier est vide."))
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _open_zip(file)
    refused = _refused_binary(head)
    if refused:
        raise SpreadsheetError(refused)
    return _open_csv(file.read())


def _refused_binary(head: bytes) -> str | None:
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _("Ce fichier est au format Excel 97-2003 (.xls), qui n'est pas pris en charge : ouvrez-le dans "
                 "Excel et enregistrez-le au format .xlsx ou CSV.")
    if head.startswith(b"%PDF"):
        return _("Ce fichier est un PDF, pas un tableur : importez un fichier Excel (.xlsx) ou CSV.")
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")):
        return _("Ce fichier est une image, pas un tableur : importez un fichier Excel (.xlsx) ou CSV.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text: its NUL bytes are characters
    if b"\x00" in head:
        return _("Ce fichier n'est pas un tableur (contenu binaire) : importez un fichier Excel (.xlsx) ou CSV.")
    return None


# --- CSV -------------------------------------------------------------------------------------------------

def decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SpreadsheetError(_("Le fichier texte UTF-16 est illisible (encodage endommagé).")) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if _looks_arabic_windows(data):
        return data.decode("cp1256", errors="replace")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# Arabic Windows (cp1256) writes every Arabic letter as a byte from 0xC1 to 0xFE, so Arabic words
# are runs of such bytes; French in Windows-1252 puts an accented letter between plain ones
# ("Béjaïa"), almost never three in a row. Bytes of the letters both code pages share (é, è, à…)
# are left out of the runs.
_ARABIC_RUN = re.compile(rb"[\xc1-\xdf\xe1\xe3-\xe6\xec\xed\xf0-\xf3\xf5-\xf8\xfa\xfd\xfe]{3,}")


def _looks_arabic_windows(data: bytes) -> bool:
    sample = data[:200_000]
    return len(_ARABIC_RUN.findall(sample)) >= 2


def _sniff_delimiter(text: str) -> tuple[str, str | None]:
    """The delimiter, and a notice when the file reads as one column (a wrong delimiter, mostly)."""
    lines = [line for line in text[:65536].splitlines() if line.strip()][:20]
    if not lines:
        raise SpreadsheetError(_("Le fichier ne contient aucune donnée."))
    best, best_score = None, (0, 0)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if counts[0] < 2:
            continue
        score = (sum(1 for c in counts if c == counts[0]), counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    if best is None:
        header = lines[0].strip()
        seen = sorted({c for c in header if c in OTHER_SEPARATORS}, key=header.count, reverse=True)
        shown = header if len(header) <= 80 else header[:77] + "…"
        if seen:
            raise SpreadsheetError(
                _("Le fichier semble utiliser « %(sep)s » comme séparateur (en-tête lu : « %(header)s »). "
                  "Les séparateurs acceptés sont la virgule, le point-virgule et la tabulation : enregistrez le "
                  "fichier en « CSV (séparateur : point-virgule) » depuis Excel.") % {"sep": seen[0], "header": shown}
            )
        return ",", _("Une seule colonne a été trouvée (en-tête lu : « %(header)s ») : si le fichier en compte "
                      "plusieurs, séparez-les par une virgule, un point-virgule ou une tabulation, ou importez le "
                      "fichier Excel (.xlsx).") % {"header": shown}
    return best, None


def _open_csv(data: bytes) -> Sheet:
    text = decode_text(data)
    delimiter, notice = _sniff_delimiter(text)
    notices: list[str] = [notice] if notice else []
    rows = _csv_rows(text, delimiter, notices)
    try:
        _line, header = next(rows)
    except StopIteration:
        raise SpreadsheetError(_("Le fichier ne contient aucune donnée.")) from None
    headers = _headers(header)
    sheet = Sheet("csv", headers, total_hint=max(0, text.count("\n") - 1), notices=notices)
    sheet._rows = _fit(rows, len(headers), strict=True)
    return sheet


def _csv_rows(text: str, delimiter: str, notices: list[str]) -> Iterator[tuple[int, list]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = last_data = 0
    try:
        for values in reader:
            line += 1
            if not values or all(is_empty(v) for v in values):
                if line - last_data > EMPTY_ROWS_LIMIT:
                    _stop_notice(notices, last_data)
                    return
                continue
            last_data = line
            yield line, values
    except csv.Error as exc:
        raise SpreadsheetError(
            _("Ligne %(line)s illisible (%(error)s) : vérifiez les guillemets et le séparateur.")
            % {"line": line + 1, "error": exc}
        ) from None


def _stop_notice(notices: list[str], last_data: int) -> None:
    if last_data:
        notices.append(
            _("Plus de %(limit)s lignes vides après la ligne %(line)s : la suite de la feuille a été ignorée.")
            % {"limit": f"{EMPTY_ROWS_LIMIT:,}".replace(",", " "), "line": last_data}
        )


def _headers(values: list) -> list[str]:
    """The header row: trailing empty cells dropped, empty ones named after their column."""
    cells = ["" if v is None else str(v).strip() for v in values]
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise SpreadsheetError(
            _("L'en-tête compte %(n)s colonnes : la limite est de %(max)s.") % {"n": len(cells), "max": MAX_COLUMNS}
        )
    return [c or _("Colonne %(letter)s") % {"letter": column_letter(i)} for i, c in enumerate(cells)]


def _fit(rows, width: int, *, strict: bool) -> Iterator[tuple[int, list]]:
    """Rows padded to the header's width; extra non-empty values are a row error (CSV) or ignored
    (XLSX, where a cell beyond the header has no column to go to)."""
    for line, values in rows:
        if len(values) > width:
            extra = values[width:]
            values = values[:width]
            if strict and any(not is_empty(v) for v in extra):
                values = [*values]
                values.append(BadCell(
                    _("La ligne compte %(n)s valeurs pour %(width)s colonnes : vérifiez le séparateur et les "
                      "guillemets.") % {"n": width + len(extra), "width": width}
                ))
                yield line, values
                continue
        elif len(values) < width:
            values = [*values, *([None] * (width - len(values)))]
        yield line, values


# --- XLSX -----------------------------------------------------------------------------------------------

def _open_zip(file) -> Sheet:
    try:
        archive = zipfile.ZipFile(file)
        names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SpreadsheetError(_("Le fichier est une archive ZIP endommagée, pas un classeur Excel lisible.")) from None
    if "xl/workbook.xml" not in names and not _office_document(archive, names):
        if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype"):
            raise SpreadsheetError(_("Les classeurs OpenDocument (.ods) ne sont pas pris en charge : enregistrez le "
                                     "fichier au format Excel (.xlsx) ou CSV."))
        if "word/document.xml" in names:
            raise SpreadsheetError(_("Ce fichier est un document Word, pas un tableur : importez un fichier Excel "
                                     "(.xlsx) ou CSV."))
        raise SpreadsheetError(_("Ce fichier est une archive ZIP, pas un classeur Excel : importez un fichier Excel "
                                 "(.xlsx) ou CSV."))
    try:
        return XlsxReader(archive, names).sheet()
    except SpreadsheetError:
        raise
    except (KeyError, ParseError, zipfile.BadZipFile, ValueError, IndexError, OSError, EOFError):
        raise SpreadsheetError(_("Le classeur Excel est endommagé ou d'un format inattendu : ouvrez-le dans Excel, "
                                 "enregistrez-le au format .xlsx et réessayez.")) from None


def _office_document(archive, names) -> str | None:
    if "_rels/.rels" not in names:
        return None
    for _event, element in iterparse(archive.open("_rels/.rels")):
        if element.tag == PKG_REL_NS + "Relationship" and element.get("Type") == OFFICE_DOCUMENT:
            target = element.get("Target", "").lstrip("/")
            return target if target in names and target.endswith(".xml") and "xl" in target else None
    return None


def _damaged_as_error(rows):
    """A workbook that breaks half-way is a message, not a stack trace."""
    try:
        yield from rows
    except (KeyError, ParseError, zipfile.BadZipFile, ValueError, IndexError, OSError, EOFError):
        raise SpreadsheetError(_("Le classeur Excel est endommagé ou d'un format inattendu : ouvrez-le dans Excel, "
                                 "enregistrez-le au format .xlsx et réessayez.")) from None


def _cell_column(ref: str) -> int:
    index = 0
    for char in ref:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            index = index * 26 + ord(char) - 96
        else:
            break
    return index - 1


class XlsxReader:
    """The first sheet of a workbook, row by row (see the module docstring for the rules)."""

    def __init__(self, archive: zipfile.ZipFile, names: set[str]):
        self.archive = archive
        self.names = names
        self.workbook_path = _office_document(archive, names) or "xl/workbook.xml"
        self.sheet_path, self.epoch = self._first_sheet()
        self.shared = self._shared_strings()
        self.date_styles = self._date_styles()

    def _rels(self, path: str) -> dict[str, str]:
        rels_path = join(dirname(path), "_rels", path.rsplit("/", 1)[-1] + ".rels")
        targets = {}
        if rels_path in self.names:
            for _event, element in iterparse(self.archive.open(rels_path)):
                if element.tag == PKG_REL_NS + "Relationship":
                    target = element.get("Target", "")
                    target = target.lstrip("/") if target.startswith("/") else normpath(join(dirname(path), target))
                    targets[element.get("Id")] = target
        return targets

    def _first_sheet(self) -> tuple[str, datetime.datetime]:
        rels = self._rels(self.workbook_path)
        epoch = CALENDAR_WINDOWS_1900
        first = None
        for _event, element in iterparse(self.archive.open(self.workbook_path)):
            if element.tag == MAIN_NS + "workbookPr" and element.get("date1904") in ("1", "true"):
                epoch = CALENDAR_MAC_1904
            elif element.tag == MAIN_NS + "sheet" and first is None:
                first = rels.get(element.get(REL_NS + "id"))
        if not first or first not in self.names:
            raise SpreadsheetError(_("Le classeur ne contient aucune feuille de calcul."))
        return first, epoch

    def _shared_strings(self) -> list[str]:
        path = next((p for p in ("xl/sharedStrings.xml", "xl/SharedStrings.xml") if p in self.names), None)
        strings: list[str] = []
        if path is None:
            return strings
        for _event, element in iterparse(self.archive.open(path)):
            if element.tag == MAIN_NS + "si":
                # Rich text runs are concatenated; phonetic guides (rPh) are not part of the text.
                for phonetic in element.findall(PHONETIC):
                    element.remove(phonetic)
                strings.append("".join(t.text or "" for t in element.iter(TEXT)))
                element.clear()
        return strings

    def _date_styles(self) -> frozenset[int]:
        path = "xl/styles.xml"
        if path not in self.names:
            return frozenset()
        custom: dict[int, str] = {}
        styles: list[int] = []
        in_cell_xfs = False
        for event, element in iterparse(self.archive.open(path), events=("start", "end")):
            if element.tag == MAIN_NS + "cellXfs":
                in_cell_xfs = event == "start"
            elif event == "end" and element.tag == MAIN_NS + "numFmt":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif event == "end" and element.tag == MAIN_NS + "xf" and in_cell_xfs:
                styles.append(int(element.get("numFmtId", "0")))
        dates = set()
        for index, fmt_id in enumerate(styles):
            code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
            if code and is_date_format(code):
                dates.add(index)
        return frozenset(dates)

    def _check_structure(self) -> None:
        info = self.archive.getinfo(self.sheet_path)
        if info.file_size > MAX_SHEET_BYTES:
            raise SpreadsheetError(_("La feuille décompressée dépasse %(max)s Mo : découpez le fichier.")
                                   % {"max": MAX_SHEET_BYTES // (1024 * 1024)})
        # Merged ranges are listed after the rows: a raw scan finds them without parsing the XML.
        tail = b""
        with self.archive.open(self.sheet_path) as stream:
            while chunk := stream.read(1 << 20):
                match = MERGE_RE.search(tail + chunk)
                if match:
                    raise SpreadsheetError(
                        _("Le classeur contient des cellules fusionnées (%(range)s) : une cellule fusionnée ne garde "
                          "sa valeur que dans sa première case. Défusionnez-les (Accueil › Fusionner et centrer) "
                          "et répétez la valeur dans chaque ligne.") % {"range": match.group(1).decode().upper()}
                    )
                tail = chunk[-200:]

    def _dimension_rows(self) -> int:
        with self.archive.open(self.sheet_path) as stream:
            head = stream.read(4096)
        match = re.search(rb"<(?:\w+:)?dimension\s+ref=\"[A-Za-z]+(\d+)(?::[A-Za-z]+(\d+))?\"", head)
        if not match:
            return 0
        return max(0, int(match.group(2) or match.group(1)) - 1)

    def sheet(self) -> Sheet:
        self._check_structure()
        notices: list[str] = []
        rows = self._rows(notices)
        try:
            _line, header = next(rows)
        except StopIteration:
            raise SpreadsheetError(_("La première feuille du classeur ne contient aucune donnée.")) from None
        headers = _headers(header)
        sheet = Sheet("xlsx", headers, total_hint=min(self._dimension_rows(), MAX_ROWS), notices=notices)
        sheet._rows = _fit(_damaged_as_error(rows), len(headers), strict=False)
        return sheet

    def _rows(self, notices: list[str]) -> Iterator[tuple[int, list]]:
        shared, date_styles, epoch = self.shared, self.date_styles, self.epoch
        columns: dict[str, int] = {}  # "AB" → 27, computed once per column
        number = last_data = 0
        with self.archive.open(self.sheet_path) as stream:
            # End events only: asking for start events too doubles the parsing time. Rows are
            # cleared once read, so what stays in memory is an empty shell per row (bounded by MAX_ROWS).
            for _event, element in iterparse(stream):
                if element.tag != ROW:
                    continue
                number = int(element.get("r") or number + 1)
                values: list = []
                position = -1
                filled = False
                for cell in element:
                    ref = cell.get("r")
                    if ref:
                        letters = ref.rstrip("0123456789")
                        position = columns.get(letters)
                        if position is None:
                            position = columns[letters] = _cell_column(letters)
                    else:
                        position += 1
                    if position >= MAX_COLUMNS or cell.tag != CELL:
                        continue
                    kind = cell.get("t")
                    if kind == "s":
                        value = shared[int(cell.findtext(VALUE))]
                    elif kind is None or kind == "n":
                        raw = cell.findtext(VALUE)
                        value = self._number(raw, cell, ref, epoch, date_styles) if raw else None
                    elif kind == "inlineStr":
                        # Simple tag names only: a path ("is/t") goes through the slow pure-Python ElementPath.
                        inline = cell.find(INLINE)
                        value = None if inline is None else inline.findtext(TEXT)
                        if value is None:  # rich text: runs to join
                            value = "".join(t.text or "" for t in cell.iter(TEXT))
                    else:
                        value = self._value(cell, kind, ref or f"{column_letter(position)}{number}")
                    if value is None:
                        if cell.find(FORMULA) is None:
                            continue
                        value = BadCell(
                            _("la cellule %(cell)s contient une formule sans valeur calculée : ouvrez le fichier "
                              "dans Excel et enregistrez-le, ou remplacez la formule par sa valeur.")
                            % {"cell": ref or f"{column_letter(position)}{number}"}
                        )
                    size = len(values)
                    if position == size:
                        values.append(value)
                    elif position > size:
                        values.extend([None] * (position - size))
                        values.append(value)
                    else:
                        values[position] = value
                    if not filled and (value.__class__ is not str or value.strip()):
                        filled = True
                element.clear()
                if number - last_data > EMPTY_ROWS_LIMIT:
                    _stop_notice(notices, last_data)
                    return
                if not filled:
                    continue
                last_data = number
                yield number, values

    @staticmethod
    def _number(raw: str, cell, ref, epoch, date_styles):
        number = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
        style = cell.get("s")
        if style and int(style) in date_styles:
            try:
                return from_excel(number, epoch)
            except (OverflowError, ValueError):
                return BadCell(_("la cellule %(cell)s est une date hors limites.") % {"cell": ref})
        return number

    @staticmethod
    def _value(cell, kind: str, ref: str):
        raw = cell.findtext(VALUE)
        if not raw:
            return None
        if kind == "str":
            return raw
        if kind == "b":
            return raw in ("1", "true")
        if kind == "e":
            return BadCell(_("la cellule %(cell)s est en erreur dans Excel (%(error)s).") % {"cell": ref, "error": raw})
        if kind == "d":
            try:
                return datetime.datetime.fromisoformat(raw.rstrip("Z"))
            except ValueError:
                return raw
        return raw
