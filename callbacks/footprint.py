"""A supply-chain footprint: where a brand sources, as rows the exposure view can read.

A row names a worksite country and an industry, optionally a weight (supplier sites,
migrant workers or spend: the reader says which) and the worker nationalities (or
origin countries) employed there. This module reads footprints from what readers give
(a CSV or XLSX file, a URL parameter, the browser's store) and checks every value
against the taxonomies. It holds nothing: a footprint lives in the reader's browser.

Bad input never half-loads. `parse_file` either returns a whole, valid footprint or
raises FootprintError with one message per problem, each naming the row (numbered as
a spreadsheet numbers it: the header is row 1) and what is wrong.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from data_access import taxonomy
from data_access.exposure import MAX_BYTES, MAX_ROWS, MAX_SEGMENTS, MAX_URL_ROWS
from layouts import csvfile
from layouts.i18n import _, ngettext

MAX_MESSAGES = 12
# An XLSX file is a zip: 2 MB of it may unpack to gigabytes, which openpyxl would read
# (its shared strings whole) before a row is counted. A 20-row footprint is kilobytes.
MAX_UNPACKED = 16 * 1024 * 1024
# Names longer than this are not looked for among the close spellings: difflib's work
# grows with the length of what it compares.
MAX_NAME = 80
WEIGHT_KINDS = ("sites", "workers", "spend")
COLUMNS = ("country", "industry", "weight", "nationalities")
REQUIRED = ("country", "industry")

# Header spellings readers use -> our column.
_COLUMN_ALIASES = {
    "country": ("country", "worksite country", "country of work", "sourcing country"),
    "industry": ("industry", "sector"),
    "weight": ("weight",),
    "nationalities": (
        "nationalities",
        "nationality",
        "worker nationalities",
        "origins",
        "origin",
        "origin countries",
        "countries of origin",
    ),
}

# Common spellings beyond the code lists' own names and ISO codes.
_COUNTRY_ALIASES = {
    "burma": "MM",
    "vietnam": "VN",
    "lao pdr": "LA",
    "lao": "LA",
    "uae": "AE",
    "emirates": "AE",
    "ksa": "SA",
    "kingdom of saudi arabia": "SA",
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "kampuchea": "KH",
}
_NATIONALITY_ALIASES = {
    "myanmar": "MM",
    "burma": "MM",
    "myanma": "MM",
    "nepalese": "NP",
    "laotian": "LA",
    "lao pdr": "LA",
    "vietnam": "VN",
    "khmer": "KH",
}
_INDUSTRY_ALIASES = {
    "apparel": "apparel_footwear",
    "garment": "apparel_footwear",
    "garments": "apparel_footwear",
    "footwear": "apparel_footwear",
    "textiles": "apparel_footwear",
    "apparel and footwear": "apparel_footwear",
    "electronic": "electronics",
    "food": "food_beverage",
    "food and beverage": "food_beverage",
    "food processing": "food_beverage",
    "fishing": "seafood",
    "fisheries": "seafood",
    "seafood processing": "seafood",
    "farming": "agriculture",
    "domestic workers": "domestic_work",
    "other": "other",
}
_NATIONALITY_SPLIT = re.compile(r"[;,|/]")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


class FootprintError(ValueError):
    """A footprint that cannot be read; `messages` says what is wrong, one per problem."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = tuple(messages)
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class Row:
    country: str  # ISO alpha-2, a key of taxonomy.COUNTRIES
    industry: str  # a key of taxonomy.INDUSTRIES
    weight: float | None = None
    nationalities: tuple[str, ...] = ()  # keys of taxonomy.NATIONALITIES, sorted

    @property
    def segment(self) -> tuple[str, str]:
        return (self.country, self.industry)


@dataclass(frozen=True)
class Footprint:
    rows: tuple[Row, ...] = ()

    @property
    def weighted(self) -> bool:
        return any(r.weight is not None for r in self.rows)

    def shares(self) -> tuple[float, ...]:
        """Each row's share of the footprint: its weight over all weights, or equal shares."""
        if not self.rows:
            return ()
        if not self.weighted:
            return tuple(1 / len(self.rows) for _r in self.rows)
        total = sum(r.weight or 0.0 for r in self.rows)
        return tuple((r.weight or 0.0) / total for r in self.rows)

    def add(self, row: Row) -> Footprint:
        """This footprint with `row` added, or FootprintError naming the clash."""
        return validate([*self.rows, row])

    def without(self, index: int) -> Footprint:
        return Footprint(tuple(r for i, r in enumerate(self.rows) if i != index))


# -- names ------------------------------------------------------------------------
def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).casefold().strip()
    text = text.replace("&", " and ").replace(".", "").replace("’", "'")
    return " ".join(text.replace("_", " ").replace("-", " ").split())


def _lookup(names: dict[str, str], aliases: dict[str, str], extra: dict[str, str]) -> dict:
    table = {_norm(code): code for code in names}
    table.update({_norm(name): code for code, name in names.items()})
    table.update({_norm(k): v for k, v in extra.items()})
    table.update({_norm(k): v for k, v in aliases.items()})
    return table


_COUNTRIES = _lookup(
    taxonomy.COUNTRIES, _COUNTRY_ALIASES, {iso3: c for c, iso3 in taxonomy.ISO3.items()}
)
_NATIONALITIES = _lookup(
    taxonomy.NATIONALITIES,
    _NATIONALITY_ALIASES,
    {
        **{taxonomy.ISO3[c]: c for c in taxonomy.NATIONALITIES},
        # A nationality may be given as the country of origin's name.
        **{taxonomy.COUNTRIES[c]: c for c in taxonomy.NATIONALITIES},
    },
)
_INDUSTRIES = _lookup(taxonomy.INDUSTRIES, _INDUSTRY_ALIASES, {})


def _suggest(value: str, table: dict[str, str], names: dict[str, str]) -> str:
    if len(value) > MAX_NAME:
        return ""
    close = difflib.get_close_matches(_norm(value), list(table), n=1, cutoff=0.6)
    if not close:
        return ""
    return " " + _("Did you mean “{name}”?").format(name=_(names[table[close[0]]]))


def _resolve(kind: str, value: str, suggest: bool = True) -> tuple[str | None, str]:
    """(code, "") for a known name or code, else (None, the problem in words), with a
    close spelling when `suggest`."""
    tables = {
        "country": (_COUNTRIES, taxonomy.COUNTRIES, _("country")),
        "industry": (_INDUSTRIES, taxonomy.INDUSTRIES, _("industry")),
        "nationality": (_NATIONALITIES, taxonomy.NATIONALITIES, _("nationality")),
    }
    table, names, word = tables[kind]
    code = table.get(_norm(value))
    if code is not None:
        return code, ""
    why = _("{what} “{value}” is not one the network covers.").format(
        what=word, value=value[:MAX_NAME]
    )
    return None, why + (_suggest(value, table, names) if suggest else "")


def country_name(code: str) -> str:
    return _(taxonomy.COUNTRIES[code])


def industry_name(code: str) -> str:
    return _(taxonomy.INDUSTRIES[code])


def row_label(row: Row) -> str:
    """A row in words: "Thailand · Seafood"."""
    return f"{country_name(row.country)} · {industry_name(row.industry)}"


# -- weights ----------------------------------------------------------------------
def _weight(raw: object) -> tuple[float | None, str]:
    if isinstance(raw, bool):
        return None, _("weight “{value}” is not a number").format(value=raw)
    if isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:  # an integer too large for a float (JSON allows any)
            return None, _("weight “{value}” is not a number").format(value=str(raw)[:20])
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            value = float(text)
        except ValueError:
            return None, _("weight “{value}” is not a number").format(value=raw)
    if not math.isfinite(value):
        return None, _("weight “{value}” is not a number").format(value=raw)
    if value < 0:
        return None, _("weight “{value}” is negative; weights must be 0 or more").format(value=raw)
    return value, ""


def menu_row(country, industry, nationalities, weight) -> Row:
    """A row from the view's menus, or FootprintError (forged values are refused too)."""
    if not country or not industry:
        raise FootprintError([_("Choose a worksite country and an industry first.")])
    nationalities = tuple(sorted(set(nationalities or ())))
    known = country in taxonomy.COUNTRIES and industry in taxonomy.INDUSTRIES
    if not known or any(n not in taxonomy.NATIONALITIES for n in nationalities):
        raise FootprintError([_("Choose the country, industry and nationalities from the menus.")])
    value = None
    if weight not in (None, ""):
        value, why = _weight(weight)
        if why:
            raise FootprintError([why[:1].upper() + why[1:] + "."])
    return Row(country, industry, value, nationalities)


# -- validation of whole footprints -------------------------------------------------
def validate(rows: list[Row], numbers: list[int] | None = None) -> Footprint:
    """A footprint of checked rows: no repeated segment, weights given for all or none.

    `numbers` are the rows' numbers in the reader's file (1, 2, ... when not given).
    """
    if len(rows) > MAX_SEGMENTS:
        raise FootprintError([too_many_rows()])
    numbers = numbers or list(range(1, len(rows) + 1))
    problems = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in zip(numbers, rows):
        if row.segment in seen:
            problems.append(
                _(
                    "Row {row} repeats {segment} from row {first}: give each country and "
                    "industry one row (list all its nationalities there and add up the "
                    "weights)."
                ).format(row=number, segment=row_label(row), first=seen[row.segment])
            )
        else:
            seen[row.segment] = number
    weighted = [r.weight is not None for r in rows]
    if any(weighted) and not all(weighted):
        missing = [n for n, w in zip(numbers, weighted) if not w]
        problems.append(
            ngettext(
                "Row {rows} has no weight: give every row a weight, or none.",
                "Rows {rows} have no weight: give every row a weight, or none.",
                len(missing),
            ).format(rows=", ".join(str(n) for n in missing[:10]))
        )
    elif all(weighted) and rows and sum(r.weight or 0.0 for r in rows) <= 0:
        problems.append(_("The weights add up to 0: give at least one row a weight above 0."))
    if problems:
        raise FootprintError(_capped(problems))
    return Footprint(tuple(rows))


def too_many_rows() -> str:
    return _(
        "A footprint has at most {max} rows: give each worksite country and industry one "
        "row, and keep the {max} that matter most."
    ).format(max=MAX_SEGMENTS)


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_MESSAGES:
        return problems
    rest = len(problems) - MAX_MESSAGES
    return [*problems[:MAX_MESSAGES], _("… and {n} more problems.").format(n=rest)]


def _header_map(header: list[object]) -> tuple[dict[str, int], list[str]]:
    lookup = {_norm(alias): col for col, aliases in _COLUMN_ALIASES.items() for alias in aliases}
    found: dict[str, int] = {}
    problems = []
    expected = _("The columns are: country, industry, weight (optional), nationalities (optional).")
    for index, cell in enumerate(header):
        name = "" if cell is None else str(cell).strip()
        if not name:
            continue
        column = lookup.get(_norm(name))
        if column is None:
            problems.append(
                _("Column {letter} “{name}” is not one the dashboard reads.").format(
                    letter=_column_letter(index), name=name
                )
                + " "
                + expected
            )
        elif column in found:
            problems.append(
                _("Column {letter} “{name}” repeats the {column} column.").format(
                    letter=_column_letter(index), name=name, column=column
                )
            )
        else:
            found[column] = index
    for column in REQUIRED:
        if column not in found:
            problems.append(
                _("The file has no “{column}” column.").format(column=column) + " " + expected
            )
    return found, problems


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _is_formula(cell: object) -> bool:
    return isinstance(cell, str) and cell.strip().startswith("=")


def rows_from_table(table: list[list[object]]) -> Footprint:
    """A footprint from a header row and data rows (cells as read), or FootprintError."""
    if not table:
        raise FootprintError([_("The file is empty.")])
    columns, problems = _header_map(table[0])
    if problems:
        raise FootprintError(_capped(problems))
    body = [(n, cells) for n, cells in enumerate(table[1:], start=2) if _has_values(cells)]
    if not body:
        raise FootprintError([_("The file has a header but no rows.")])
    if len(body) > MAX_ROWS:
        # Refused before any name is looked up: a file of thousands of misspelt names
        # cost seconds of close-spelling searches.
        message = _("The file has more than {max} rows.").format(max=MAX_ROWS)
        raise FootprintError([message + " " + too_many_rows()])
    rows, numbers, problems = [], [], []
    for number, cells in body:
        # Close spellings only while they can still be among the messages shown.
        row, row_problems = _row(number, cells, columns, suggest=len(problems) < MAX_MESSAGES)
        problems += row_problems
        if row is not None:
            rows.append(row)
            numbers.append(number)
    if problems:
        raise FootprintError(_capped(problems))
    return validate(rows, numbers)


def _has_values(cells: list[object]) -> bool:
    return any(c is not None and str(c).strip() != "" for c in cells)


def _cell(cells: list[object], columns: dict[str, int], name: str) -> object:
    index = columns.get(name)
    if index is None or index >= len(cells):
        return None
    value = cells[index]
    return None if value is None or str(value).strip() == "" else value


def _row(
    number: int, cells: list[object], columns: dict[str, int], suggest: bool = True
) -> tuple[Row | None, list]:
    problems = []
    for name, index in columns.items():
        if index < len(cells) and _is_formula(cells[index]):
            problems.append(
                _(
                    "Row {row}, column {column}: the cell holds a formula ({formula}). "
                    "Replace formulas by their values."
                ).format(row=number, column=name, formula=str(cells[index]).strip()[:40])
            )
    if problems:
        return None, problems
    codes: dict[str, str | None] = {}
    for name in REQUIRED:
        value = _cell(cells, columns, name)
        if value is None:
            problems.append(_("Row {row}: {column} is missing.").format(row=number, column=name))
            continue
        code, why = _resolve(name, str(value), suggest)
        if code is None:
            problems.append(_("Row {row}: {why}").format(row=number, why=why))
        codes[name] = code
    weight = None
    if "weight" in columns:
        raw = _cell(cells, columns, "weight")
        if raw is None:
            problems.append(
                _(
                    "Row {row}: weight is missing; give every row a weight, or remove the "
                    "weight column."
                ).format(row=number)
            )
        else:
            weight, why = _weight(raw)
            if why:
                problems.append(_("Row {row}: {why}.").format(row=number, why=why))
    nationalities, why = parse_nationalities(_cell(cells, columns, "nationalities"), suggest)
    if why:
        problems.append(_("Row {row}: {why}").format(row=number, why=why))
    if problems or not codes.get("country") or not codes.get("industry"):
        return None, problems
    return Row(codes["country"], codes["industry"], weight, nationalities), []


def parse_nationalities(raw: object, suggest: bool = True) -> tuple[tuple[str, ...], str]:
    """Sorted nationality codes from a cell such as "Myanmar; KH", and the problem if any."""
    if raw is None:
        return (), ""
    codes = set()
    for part in _NATIONALITY_SPLIT.split(str(raw)):
        if not part.strip():
            continue
        code, why = _resolve("nationality", part.strip(), suggest)
        if code is None:
            return (), why
        codes.add(code)
    return tuple(sorted(codes)), ""


# -- files ------------------------------------------------------------------------
def parse_file(filename: str | None, content: bytes) -> Footprint:
    """A whole footprint from an uploaded CSV or XLSX file, or FootprintError."""
    name = (filename or "").strip()
    extension = name.rsplit(".", 1)[-1].casefold() if "." in name else ""
    if len(content) > MAX_BYTES:
        raise FootprintError(
            [
                _("The file is {size} MB; the limit is {limit} MB.").format(
                    size=f"{len(content) / 1024 / 1024:.1f}", limit=MAX_BYTES // 1024 // 1024
                )
            ]
        )
    if not content:
        raise FootprintError([_("The file is empty.")])
    if extension == "xls" or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FootprintError(
            [_("“{name}” is an old Excel (.xls) file: save it as .xlsx or CSV.").format(name=name)]
        )
    if extension == "xlsx":
        return rows_from_table(_xlsx_table(name, content))
    if extension in ("csv", "txt"):
        return rows_from_table(_csv_table(name, content))
    raise FootprintError(
        [_("“{name}” is not a CSV or XLSX file: download the template.").format(name=name)]
    )


def _csv_table(name: str, content: bytes) -> list[list[object]]:
    if content.startswith(b"PK\x03\x04") or b"\x00" in content[:4096] and not _utf16(content):
        raise FootprintError(
            [_("“{name}” is not a CSV text file: download the template.").format(name=name)]
        )
    text = _decode(content)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    if first.count("\t") > max(first.count(";"), first.count(",")):
        delimiter = "\t"
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as error:
        raise FootprintError(
            [_("The file is not valid CSV: {error}.").format(error=str(error))]
        ) from None


def _utf16(content: bytes) -> bool:
    return content.startswith((b"\xff\xfe", b"\xfe\xff"))


def _decode(content: bytes) -> str:
    if _utf16(content):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = content[: error.start].count(b"\n") + 1
        raise FootprintError(
            [
                _(
                    "Row {row} has characters that are not UTF-8 text. Save the file as "
                    "“CSV UTF-8” and upload it again."
                ).format(row=row)
            ]
        ) from None


def _unpacked_size(content: bytes) -> int:
    """What an XLSX file's parts declare they unpack to (Python's zipfile reads no more
    of a part than it declares), or 0 when it is no zip file (openpyxl says so)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0


def _xlsx_table(name: str, content: bytes) -> list[list[object]]:
    from openpyxl import load_workbook  # only readers who upload XLSX need it

    if not content.startswith(b"PK\x03\x04"):
        raise FootprintError(
            [_("“{name}” is not a readable XLSX file: download the template.").format(name=name)]
        )
    if _unpacked_size(content) > MAX_UNPACKED:
        raise FootprintError(
            [
                _("“{name}” unpacks to more than {mb} MB: save it again, or as CSV.").format(
                    name=name, mb=MAX_UNPACKED // 1024 // 1024
                )
            ]
        )
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise FootprintError(
            [_("“{name}” is not a readable XLSX file: download the template.").format(name=name)]
        ) from None
    try:
        sheet = book["Footprint"] if "Footprint" in book.sheetnames else book.worksheets[0]
        table: list[list[object]] = []
        for cells in sheet.iter_rows():
            values = []
            for cell in cells:
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" and not _is_formula(value):
                    value = f"={value}"
                values.append(value)
            table.append(values)
            if len(table) > MAX_ROWS + 1 and _has_values(values):
                break  # enough to say the file is too long, without reading it all
        return table
    finally:
        book.close()


# -- URL and browser store ----------------------------------------------------------
def _weight_text(weight: float) -> str:
    return str(int(weight)) if float(weight).is_integer() else repr(float(weight))


def encode(footprint: Footprint) -> str:
    """The footprint as a URL parameter value: "TH:seafood:12:KH,MM~MY:electronics:3:"."""
    return "~".join(
        ":".join(
            (
                row.country,
                row.industry,
                "" if row.weight is None else _weight_text(row.weight),
                ",".join(row.nationalities),
            )
        )
        for row in footprint.rows
    )


def decode(code: str) -> Footprint:
    """The footprint a URL parameter value names, or FootprintError."""
    rows = []
    parts = [p for p in (code or "").split("~") if p]
    if len(parts) > MAX_URL_ROWS:
        raise FootprintError([_("A link holds at most {n} rows.").format(n=MAX_URL_ROWS)])
    for number, part in enumerate(parts, start=1):
        fields = part.split(":")
        if len(fields) != 4:
            raise FootprintError([_("Row {row} of the link is malformed.").format(row=number)])
        country, industry, weight, nationalities = fields
        if country not in taxonomy.COUNTRIES or industry not in taxonomy.INDUSTRIES:
            raise FootprintError([_("Row {row} of the link is malformed.").format(row=number)])
        value = None
        if weight:
            value, why = _weight(weight)
            if why:
                raise FootprintError(
                    [_("Row {row} of the link: {why}.").format(row=number, why=why)]
                )
        nats = tuple(n for n in nationalities.split(",") if n)
        if any(n not in taxonomy.NATIONALITIES for n in nats) or list(nats) != sorted(set(nats)):
            raise FootprintError([_("Row {row} of the link is malformed.").format(row=number)])
        rows.append(Row(country, industry, value, nats))
    return validate(rows)


def is_code(value: str) -> bool:
    try:
        decode(value)
    except FootprintError:
        return False
    return True


def to_store(footprint: Footprint, source: str) -> dict:
    """The footprint as the browser keeps it (this tab only); `source` is ui or upload."""
    return {
        "source": source,
        "rows": [[r.country, r.industry, r.weight, list(r.nationalities)] for r in footprint.rows],
    }


def from_store(stored: dict | None) -> tuple[Footprint, str]:
    """The footprint and its source from the browser's store; forged content is refused."""
    if not isinstance(stored, dict) or not isinstance(stored.get("rows"), list):
        return Footprint(), ""
    if len(stored["rows"]) > MAX_ROWS:
        # The upload's own limit, checked again here: a forged store is refused whole.
        return Footprint(), ""
    rows = []
    try:
        for country, industry, weight, nationalities in stored["rows"]:
            if country not in taxonomy.COUNTRIES or industry not in taxonomy.INDUSTRIES:
                raise FootprintError([_("The footprint in this tab is not valid.")])
            if weight is not None:
                weight, why = _weight(weight)
                if why:
                    raise FootprintError([why])
            nats = tuple(sorted({str(n) for n in nationalities or ()}))
            if any(n not in taxonomy.NATIONALITIES for n in nats):
                raise FootprintError([_("The footprint in this tab is not valid.")])
            rows.append(Row(country, industry, weight, nats))
        footprint = validate(rows)
    except (FootprintError, TypeError, ValueError):
        return Footprint(), ""
    source = stored.get("source")
    return footprint, source if source in ("ui", "upload") else "ui"


# -- the template -------------------------------------------------------------------
TEMPLATE_ROWS = (
    ("Thailand", "Seafood", 12, "Myanmar; Cambodia"),
    ("Malaysia", "Electronics", 30, "Nepal; Bangladesh"),
    ("Thailand", "Apparel & footwear", 8, "Myanmar"),
)


def template_csv() -> str:
    return csvfile.text([COLUMNS, *TEMPLATE_ROWS])


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Footprint"
    sheet.append(list(COLUMNS))
    for row in TEMPLATE_ROWS:
        sheet.append(list(row))
    for column, width in zip("ABCD", (18, 22, 10, 28)):
        sheet.column_dimensions[column].width = width
    codes = book.create_sheet("Names")
    codes.append(["column", "code", "name"])
    for code, name in taxonomy.COUNTRIES.items():
        codes.append(["country", code, name])
    for code, name in taxonomy.INDUSTRIES.items():
        codes.append(["industry", code, name])
    for code, name in taxonomy.NATIONALITIES.items():
        codes.append(["nationalities", code, f"{name} ({taxonomy.COUNTRIES[code]})"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
