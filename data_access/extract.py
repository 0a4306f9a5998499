"""Reading an extract directory: every file checked, every problem named precisely.

Nothing here writes to a database: `validate_extract` returns the typed rows of the six
contract files (data_access.contract) or raises `ExtractError` with every problem found,
each as `file:line, column name: what is wrong`. The loader (data_access.load) calls it
before it opens a write transaction, so a refused extract never touches the database.

What an operator can get wrong, and what is said about it:

- a file that is missing, a directory, a pipe, a device or a symbolic link: only regular
  files are read (a pipe would hang the import, a link would read a file from elsewhere);
- a file that is not UTF-8, holds a NUL byte, has a line longer than any row of the
  contract, or a quote left open: the first real problem, at the line where the record
  starts, and the rest of that file unread, rather than hundreds of knock-on errors;
- a header with a column missing, unknown or given twice;
- a value that breaks its column's rule (ASCII digits only; months from 2015-01 to the
  as-of month, which is not in the future), a row that breaks a rule of the contract, a
  duplicated key, a reference to a row that is not there;
- the manifest (`manifest.csv`: each file's row count and SHA-256, written by the
  exporting system) missing, malformed, or not matching the files: a file cut short or
  changed after the export is refused before anything else is looked at.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from data_access import contract
from data_access.contract import shown

MAX_ERRORS = 50
# The longest row the contract allows is about 700 characters (17 columns of at most 40);
# a longer line is not a row of an extract, and reading it whole could exhaust memory.
MAX_LINE = 4_096
# No value of the contract holds a line break, so a record running over more lines than
# this has a quote left open; stop before the rest of the file becomes one field.
MAX_RECORD_LINES = 20
MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ("file", "rows", "sha256")
SHA256_RE = re.compile(r"[0-9a-f]{64}")
HASH_CHUNK = 1 << 20


class ExtractError(Exception):
    """An extract broke the contract; `errors` lists where and how (capped)."""

    def __init__(self, errors: list[str], total: int) -> None:
        self.errors = errors
        self.total = total
        more = f"\n... and {total - len(errors)} more" if total > len(errors) else ""
        super().__init__(
            f"the extract was not imported ({total} problem{'s' * (total != 1)}):\n"
            + "\n".join(errors)
            + more
        )


class Problems:
    """Every problem found, in the order found; the first MAX_ERRORS are kept in full."""

    def __init__(self) -> None:
        self.shown: list[str] = []
        self.total = 0

    def add(self, where: str, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.shown) < MAX_ERRORS:
            col = f", column {column}" if column else ""
            self.shown.append(f"{where}{col}: {message}")

    def raise_if_any(self) -> None:
        if self.total:
            raise ExtractError(self.shown, self.total)


# -- opening a file -----------------------------------------------------------------
class _Unreadable(Exception):
    """The path is not something an extract may hold; the message says what it is."""


def open_regular(path: Path) -> int:
    """A descriptor of `path`, which must be a regular file (no link, pipe or directory).

    O_NOFOLLOW closes the window between the check and the open; O_NONBLOCK lets a named
    pipe be opened (and refused) instead of waiting forever for a writer.
    """
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise _Unreadable("file is missing") from None
    except OSError as exc:
        raise _Unreadable(f"cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise _Unreadable("is a symbolic link; put the file itself in the extract")
    if stat.S_ISDIR(info.st_mode):
        raise _Unreadable("is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise _Unreadable("is not a regular file (a named pipe, socket or device)")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _Unreadable("is a symbolic link; put the file itself in the extract") from None
        raise _Unreadable(f"cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _Unreadable("is not a regular file (it was replaced while being read)")
    return fd


def _sha256(fd: int, name: str, checksum) -> str:
    digest = hashlib.sha256()
    checksum.update(name.encode())
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, HASH_CHUNK):
        digest.update(chunk)
        checksum.update(chunk)
    os.lseek(fd, 0, os.SEEK_SET)
    return digest.hexdigest()


def _first_bad_byte(fd: int) -> tuple[int, int, str]:
    """(line, byte offset, reason) of the first byte that is not UTF-8, read afresh.

    The decoder's own offset is within its read buffer, not the file.
    """
    os.lseek(fd, 0, os.SEEK_SET)
    data = b"".join(iter(lambda: os.read(fd, HASH_CHUNK), b""))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return data.count(b"\n", 0, exc.start) + 1, exc.start, exc.reason
    return 1, 0, "undecodable"


# -- reading CSV records --------------------------------------------------------------
class _Structure(Exception):
    """The file cannot be read further as CSV; `line` is where the record started."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message


class _Lines:
    """The file's lines for the csv module, bounded in length, counted from 1."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.count = 0  # lines handed out so far
        self.record_start = 1

    def __iter__(self) -> Iterator[str]:
        while True:
            line = self.handle.readline(MAX_LINE + 1)
            if not line:
                return
            self.count += 1
            if len(line) > MAX_LINE and not line.endswith(("\n", "\r")):
                raise _Structure(
                    self.count,
                    f"line is longer than {MAX_LINE:,} characters; no row of the contract is",
                )
            if "\0" in line:
                raise _Structure(self.count, "holds a NUL byte: is this a text file?")
            if self.count - self.record_start >= MAX_RECORD_LINES:
                raise _Structure(
                    self.record_start,
                    "a quote opened in this record is not closed: its field runs on for more "
                    f"than {MAX_RECORD_LINES} lines",
                )
            yield line


def records(handle) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, fields) of each CSV record; raises _Structure when broken."""
    lines = _Lines(handle)
    reader = csv.reader(lines, strict=True)
    while True:
        lines.record_start = lines.count + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _Structure(lines.record_start, _csv_problem(str(exc), lines)) from None
        yield lines.record_start, lines.count, fields


def _csv_problem(reason: str, lines: _Lines) -> str:
    start, now = lines.record_start, lines.count
    if "end of data" in reason:
        return "a quote opened in this record is not closed before the end of the file"
    if now > start:
        # The record swallowed the lines after an opening quote: that quote is the error,
        # not the text after the quote that happened to close it.
        return (
            "a quote opened in this record is not closed where its field ends "
            f"(the record runs on to line {now})"
        )
    if "expected after" in reason:
        return (
            "a closing quote is followed by more text in the same field "
            '(inside a quoted field, write a quote as "")'
        )
    return f"cannot be read as CSV ({reason})"


# -- one table ------------------------------------------------------------------------
@dataclass
class TableRead:
    """What was read of one file: typed rows that passed their column rules, and more."""

    rows: list[tuple[int, dict]] = field(default_factory=list)
    records: int = 0  # data records (not blank lines) read
    complete: bool = False  # read to its end, header and all
    sha256: str | None = None
    # Key column values of every record, valid or not: a reference to a row set aside
    # for a bad value is not reported again as "not in" its table.
    seen: dict[str, set[str]] = field(default_factory=dict)


def read_table(directory: Path, spec: contract.Table, problems: Problems, checksum) -> TableRead:
    name = spec.filename
    out = TableRead(seen={c: set() for c in _REFERENCED.get(spec.name, ())})
    try:
        fd = open_regular(directory / name)
    except _Unreadable as exc:
        problems.add(name, None, str(exc))
        return out
    with os.fdopen(fd, "rb") as raw:
        out.sha256 = _sha256(fd, name, checksum)
        handle = _text(raw)
        try:
            _read_records(handle, spec, problems, out)
        except UnicodeDecodeError:
            line, at, reason = _first_bad_byte(fd)
            problems.add(f"{name}:{line}", None, f"is not UTF-8 text ({reason} at byte {at})")
            out.complete = False
        except _Structure as exc:
            problems.add(f"{name}:{exc.line}", None, exc.message)
            out.complete = False
    return out


def _text(raw) -> io.TextIOWrapper:
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _read_records(handle, spec: contract.Table, problems: Problems, out: TableRead) -> None:
    name = spec.filename
    reading = records(handle)
    header_record = next(reading, None)
    if header_record is None:
        problems.add(f"{name}:1", None, "is empty: it needs at least the header line")
        return
    _first, _last, header = header_record
    if not _header_ok(name, header, spec, problems):
        return
    columns = spec.columns
    position = {c: header.index(c) for c in spec.column_names}
    width = len(header)
    for first, last, fields in reading:
        if not fields:
            continue  # a blank line
        out.records += 1
        where = f"{name}:{first}"
        for column in out.seen:
            index = position[column]
            if index < len(fields):
                out.seen[column].add(fields[index].strip())
        if last > first:
            problems.add(
                where,
                None,
                f"a quoted field runs over lines {first} to {last}; "
                "no value of the contract holds a line break",
            )
            continue
        if len(fields) > width:
            problems.add(where, None, "more fields than columns")
            continue
        typed, ok = {}, True
        for column in columns:
            index = position[column.name]
            text = fields[index] if index < len(fields) else ""
            value, problem = contract.parse_value(column, text)
            if problem:
                problems.add(where, column.name, problem)
                ok = False
            typed[column.name] = value
        if ok:
            out.rows.append((first, typed))
    out.complete = True


def _header_ok(name: str, header: list[str], spec: contract.Table, problems: Problems) -> bool:
    where = f"{name}:1"
    ok = True
    counts: dict[str, int] = {}
    for column in header:
        counts[column] = counts.get(column, 0) + 1
    for column, n in counts.items():
        if n > 1:
            problems.add(where, None, f"column {shown(column)} is named {n} times")
            ok = False
    missing = [c for c in spec.column_names if c not in counts]
    unknown = [c for c in counts if c not in spec.column_names]
    if missing:
        problems.add(where, None, f"missing columns: {', '.join(missing)}")
    if unknown:
        problems.add(
            where,
            None,
            f"columns not in the contract: {', '.join(shown(c)[1:-1] for c in unknown)}",
        )
    return ok and not missing and not unknown


# Which key columns other tables refer to (see `_references`).
_REFERENCED = {
    "worksites": ("worksite_id",),
    "audits": ("audit_id",),
    "cases": ("case_id",),
    "case_issues": ("case_id",),
}


# -- the manifest ----------------------------------------------------------------------
@dataclass(frozen=True)
class ManifestEntry:
    line: int
    rows: int
    sha256: str


def read_manifest(directory: Path, problems: Problems) -> dict[str, ManifestEntry] | None:
    """The manifest's entry per contract file, or None when it cannot be used at all."""
    try:
        fd = open_regular(directory / MANIFEST)
    except _Unreadable as exc:
        hint = (
            " (the exporting system writes it beside the six files; see docs/data-contract.md)"
            if "missing" in str(exc)
            else ""
        )
        problems.add(MANIFEST, None, f"{exc}{hint}")
        return None
    entries: dict[str, ManifestEntry] = {}
    before = problems.total
    with os.fdopen(fd, "rb") as raw:
        try:
            reading = records(_text(raw))
            head = next(reading, None)
            if head is None or tuple(c.strip() for c in head[2]) != MANIFEST_COLUMNS:
                got = ",".join(head[2]) if head else "nothing"
                problems.add(
                    f"{MANIFEST}:1",
                    None,
                    f"the header must be {','.join(MANIFEST_COLUMNS)}, got {shown(got)}",
                )
                return None
            for first, _last, fields in reading:
                if fields:
                    _manifest_row(first, fields, entries, problems)
        except UnicodeDecodeError:
            problems.add(MANIFEST, None, "is not UTF-8 text")
            return None
        except _Structure as exc:
            problems.add(f"{MANIFEST}:{exc.line}", None, exc.message)
            return None
    for spec in contract.TABLES.values():
        if spec.filename not in entries:
            problems.add(MANIFEST, "file", f"has no row for {spec.filename}")
    return entries if problems.total == before else None


def _manifest_row(line: int, fields: list[str], entries: dict, problems: Problems) -> None:
    where = f"{MANIFEST}:{line}"
    if len(fields) != len(MANIFEST_COLUMNS):
        problems.add(where, None, f"has {len(fields)} fields, not {len(MANIFEST_COLUMNS)}")
        return
    filename, rows, sha = (f.strip() for f in fields)
    known = {spec.filename for spec in contract.TABLES.values()}
    ok = True
    if filename not in known:
        problems.add(where, "file", f"{shown(filename)} is not a file of the contract")
        ok = False
    elif filename in entries:
        problems.add(
            where, "file", f"{filename} is listed again (first at line {entries[filename].line})"
        )
        ok = False
    if not re.fullmatch(r"[0-9]{1,12}", rows):
        problems.add(where, "rows", f"must be a whole number of rows, got {shown(rows)}")
        ok = False
    if not SHA256_RE.fullmatch(sha):
        problems.add(where, "sha256", "must be 64 lowercase hexadecimal digits")
        ok = False
    if ok:
        entries[filename] = ManifestEntry(line, int(rows), sha)


def check_manifest(
    manifest: dict[str, ManifestEntry], tables: dict[str, TableRead], problems: Problems
) -> None:
    for name, read in tables.items():
        filename = contract.TABLES[name].filename
        entry = manifest.get(filename)
        if entry is None or read.sha256 is None:
            continue
        where = f"{MANIFEST}:{entry.line}"
        if read.sha256 != entry.sha256:
            problems.add(
                where,
                "sha256",
                f"does not match {filename}: the file changed after the manifest was written",
            )
        if read.complete and read.records != entry.rows:
            cut = " (is the file cut short?)" if read.records < entry.rows else ""
            problems.add(
                where,
                "rows",
                f"says {entry.rows:,} rows, {filename} has {read.records:,}{cut}",
            )


def summarize(path: Path) -> tuple[int, str]:
    """(data rows, SHA-256) of one CSV file, as its manifest row states them.

    Rows are CSV records after the header, blank lines not counted; the values are not
    checked (that is the import's job), only that the file can be read as CSV.
    """
    name = path.name
    try:
        fd = open_regular(path)
    except _Unreadable as exc:
        raise ExtractError([f"{name}: {exc}"], 1) from None
    with os.fdopen(fd, "rb") as raw:
        sha = _sha256(fd, name, hashlib.sha256())
        try:
            count = sum(1 for _first, _last, fields in records(_text(raw)) if fields)
        except UnicodeDecodeError:
            line, at, reason = _first_bad_byte(fd)
            raise ExtractError(
                [f"{name}:{line}: is not UTF-8 text ({reason} at byte {at})"], 1
            ) from None
        except _Structure as exc:
            raise ExtractError([f"{name}:{exc.line}: {exc.message}"], 1) from None
    return max(count - 1, 0), sha


def write_manifest(directory: Path) -> None:
    """Write `manifest.csv` for the six contract files of `directory` (after them)."""
    lines = [",".join(MANIFEST_COLUMNS)]
    for spec in contract.TABLES.values():
        rows, sha = summarize(directory / spec.filename)
        lines.append(f"{spec.filename},{rows},{sha}")
    (directory / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- the whole extract -------------------------------------------------------------------
@dataclass
class Extract:
    tables: dict[str, list[dict]]
    as_of: str
    checksum: str  # SHA-256 of the six files' names and bytes, and the as-of month


@dataclass(frozen=True)
class Loaded:
    """What an update (an extract of new and changed rows only) is checked against: the
    data version loaded, its as-of month and its worksites."""

    as_of: str
    worksites: dict[str, dict]  # worksite_id -> {"country", "industry", "tier"}


def validate_extract(
    directory: str | Path,
    as_of: str | None = None,
    today: dt.date | None = None,
    loaded: Loaded | None = None,
) -> Extract:
    """Read and check every file of the extract; raises ExtractError listing problems.

    With `loaded`, the extract is an update: its rows may refer to worksites loaded
    before, must not change them, and its as-of month is not before the one loaded.
    """
    directory = Path(directory)
    problems = Problems()
    if not directory.is_dir():
        raise ExtractError([f"{directory}: is not a directory"], 1)
    latest = contract.current_month(today)
    manifest = read_manifest(directory, problems)
    checksum = hashlib.sha256()
    reads = {
        name: read_table(directory, spec, problems, checksum)
        for name, spec in contract.TABLES.items()
    }
    if manifest is not None:
        check_manifest(manifest, reads, problems)
    _unexpected_files(directory, problems)
    as_of = _as_of(reads, as_of, latest, problems, loaded.as_of if loaded else None)
    tables = {name: read.rows for name, read in reads.items()}
    _check_rows(tables, as_of, latest, problems)
    _references(tables, reads, problems, loaded)
    problems.raise_if_any()
    digest = hashlib.sha256(f"{checksum.hexdigest()}|{as_of}".encode()).hexdigest()
    return Extract({n: [r for _, r in rows] for n, rows in tables.items()}, as_of, digest)


def _unexpected_files(directory: Path, problems: Problems) -> None:
    expected = {spec.filename for spec in contract.TABLES.values()} | {MANIFEST}
    for entry in sorted(os.listdir(directory)):
        # Hidden files (.DS_Store and the like) are the file manager's, not the extract's.
        if entry not in expected and not entry.startswith("."):
            problems.add(
                shown(entry)[1:-1],
                None,
                "is not a file of the contract (a misnamed file? the extract holds exactly "
                f"{', '.join(sorted(expected))})",
            )


def _as_of(
    reads: dict[str, TableRead], as_of: str | None, latest: str, problems, floor: str | None
) -> str | None:
    if as_of is not None:
        if floor is not None and contract.MONTH_RE.fullmatch(as_of) and as_of < floor:
            # The rows loaded before stay: none of them may be after the as-of month.
            problems.add(
                "--as-of", None, f"{as_of} is before {floor}, the as-of month of the data loaded"
            )
            return None
        if not contract.MONTH_RE.fullmatch(as_of):
            problems.add("--as-of", None, f"must be a month as YYYY-MM, got {shown(as_of)}")
            return None
        if as_of > latest:
            problems.add("--as-of", None, f"{as_of} is in the future (it is {latest} now)")
            return None
        if as_of < contract.FIRST_MONTH:
            problems.add("--as-of", None, f"is before {contract.FIRST_MONTH}")
            return None
        return as_of
    # Only well-formed months that are not in the future may set the as-of; the others are
    # reported where they are.
    months = [r.get("month_received") for _, r in reads["cases"].rows]
    months += [r.get("month") for _, r in reads["contacts"].rows]
    months = [
        m for m in months if isinstance(m, str) and contract.MONTH_RE.fullmatch(m) and m <= latest
    ]
    if floor is not None:
        months.append(floor)
    return max(months, default=None)


def _check_rows(tables: dict, as_of: str | None, latest: str, problems: Problems) -> None:
    for name, rows in tables.items():
        spec = contract.TABLES[name]
        seen: dict[tuple, int] = {}
        for line, row in rows:
            where = f"{spec.filename}:{line}"
            for column, message in contract.check_row(spec, row, as_of, latest):
                problems.add(where, column, message)
            key = tuple(row[k] for k in spec.unique)
            if key in seen:
                problems.add(where, ",".join(spec.unique), f"duplicates line {seen[key]}")
            else:
                seen[key] = line


def _references(
    tables: dict, reads: dict[str, TableRead], problems: Problems, loaded: Loaded | None
) -> None:
    """References between tables, checked only against files read to their end.

    A file that could not be read whole (a quote left open, bytes that are not UTF-8)
    has already been reported; every row referring to its unread part would only repeat
    that one problem. An update's rows may also refer to the worksites loaded; its issue
    categories and findings must come with their case or audit, which they replace whole.
    """
    worksites = {r["worksite_id"]: r for _, r in tables["worksites"]}
    complete = {name: read.complete for name, read in reads.items()}
    ws_seen = reads["worksites"].seen["worksite_id"]
    if loaded is not None:
        _unchanged_worksites(tables["worksites"], loaded, problems)
        worksites = loaded.worksites | worksites
        ws_seen = ws_seen | set(loaded.worksites)
    audits_seen = reads["audits"].seen["audit_id"]
    cases_seen = reads["cases"].seen["case_id"]
    if complete["worksites"]:
        for line, row in tables["audits"]:
            if row["worksite_id"] not in ws_seen:
                problems.add(f"audits.csv:{line}", "worksite_id", "is not in worksites")
    if complete["audits"]:
        for line, row in tables["audit_findings"]:
            if row["audit_id"] not in audits_seen:
                problems.add(f"audit_findings.csv:{line}", "audit_id", "is not in audits")
    with_issue = reads["case_issues"].seen["case_id"]
    for line, row in tables["case_issues"]:
        if complete["cases"] and row["case_id"] not in cases_seen:
            problems.add(f"case_issues.csv:{line}", "case_id", "is not in cases")
    for line, row in tables["cases"]:
        worksite_id = row["worksite_id"]
        if worksite_id and worksite_id not in worksites:
            if complete["worksites"] and worksite_id not in ws_seen:
                problems.add(
                    f"cases.csv:{line}", "worksite_id", f"{shown(worksite_id)} is not in worksites"
                )
        else:
            for column, message in contract.check_case_against_worksite(
                row, worksites.get(worksite_id)
            ):
                problems.add(f"cases.csv:{line}", column, message)
        if complete["case_issues"] and row["case_id"] not in with_issue:
            problems.add(f"cases.csv:{line}", "case_id", "has no row in case_issues")


def _unchanged_worksites(rows: list, loaded: Loaded, problems: Problems) -> None:
    """An update may add worksites, not change one: the cases loaded at a worksite are
    checked against it and counted by its attributes, and they are not in the update."""
    for line, row in rows:
        before = loaded.worksites.get(row["worksite_id"])
        if before is None:
            continue
        for column in ("country", "industry", "tier"):
            if row[column] != before[column]:
                problems.add(
                    f"worksites.csv:{line}",
                    column,
                    f"{shown(row[column])} changes worksite {row['worksite_id']} (loaded as "
                    f"{shown(before[column])}); an update cannot change a worksite: import "
                    "a full extract",
                )
