"""A generated corpus of malformed extracts, imported on SQLite and PostgreSQL.

Each kind copies a valid extract (a 1,000-case demo, exported), breaks one thing, brings
the manifest in line with the broken files (as an exporting system with a bug would)
unless the kind is about the manifest itself, and runs `python -m dashboard import` (its
`main`, in process) against a database already holding that extract as version 1. Every
kind must exit non-zero, name the problem where it is (file, line and column when the
problem has them), and leave every table and the data version history as they were.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from dashboard import cli
from data_access import contract, schema
from data_access.demo import DemoSpec
from data_access.extract import write_manifest
from data_access.load import build_demo, export_extract, import_extract, writer_lock
from tests.conftest import TEST_AS_OF, TEST_SECRET

SCHEMA = "ilm_corpus"
FILES = [spec.filename for spec in contract.TABLES.values()]


# -- editing files --------------------------------------------------------------------
def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def set_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(lines), encoding="utf-8", newline="")


def header(path: Path) -> list[str]:
    return lines_of(path)[0].rstrip("\r\n").split(",")


def set_field(directory: Path, table: str, column: str, value: str, where=None) -> int:
    """Set `column` of the first data row matching `where` (a dict test); returns its line."""
    path = directory / f"{table}.csv"
    lines = lines_of(path)
    names = header(path)
    index = names.index(column)
    for number, line in enumerate(lines[1:], start=2):
        fields = line.rstrip("\r\n").split(",")
        if where is None or where(dict(zip(names, fields))):
            fields[index] = value
            lines[number - 1] = ",".join(fields) + "\r\n"
            set_lines(path, lines)
            return number
    raise AssertionError(f"no row of {table} matches")


def reseal(directory: Path) -> None:
    """A manifest that agrees with the files as they now are (by bytes and rows)."""
    try:
        write_manifest(directory)
    except Exception:
        # A file that cannot be read as CSV: keep the counted rows, refresh the checksums.
        manifest = directory / "manifest.csv"
        out = []
        for i, line in enumerate(manifest.read_text(encoding="utf-8").splitlines()):
            if i:
                name, rows, _sha = line.split(",")
                path = directory / name
                data = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
                line = f"{name},{rows},{hashlib.sha256(data).hexdigest()}"
            out.append(line)
        manifest.write_text("\n".join(out) + "\n", encoding="utf-8")


# -- the kinds --------------------------------------------------------------------------
@dataclass(frozen=True)
class Kind:
    name: str
    # Breaks the extract in the directory; returns what the message must contain.
    mutate: Callable[[Path], str]
    reseal: bool = True
    args: tuple[str, ...] = ()
    status: int = 1
    extra: dict = field(default_factory=dict)


KINDS: list[Kind] = []


def kind(name: str, reseal: bool = True, args: tuple[str, ...] = (), status: int = 1):
    def register(mutate: Callable[[Path], str]) -> Callable[[Path], str]:
        KINDS.append(Kind(name, mutate, reseal, args, status))
        return mutate

    return register


def _per_file() -> None:
    """Problems of the file itself, for each of the six files."""
    for filename in FILES:
        stem = filename.removesuffix(".csv")

        @kind(f"{stem}-missing")
        def _(d: Path, f=filename) -> str:
            (d / f).unlink()
            return f"{f}: file is missing"

        @kind(f"{stem}-directory")
        def _(d: Path, f=filename) -> str:
            (d / f).unlink()
            (d / f).mkdir()
            return f"{f}: is a directory, not a file"

        @kind(f"{stem}-symlink")
        def _(d: Path, f=filename) -> str:
            outside = d.parent / f"outside-{f}"
            shutil.move(d / f, outside)
            os.symlink(outside, d / f)
            return f"{f}: is a symbolic link"

        @kind(f"{stem}-named-pipe")
        def _(d: Path, f=filename) -> str:
            (d / f).unlink()
            os.mkfifo(d / f)
            return f"{f}: is not a regular file"

        @kind(f"{stem}-empty")
        def _(d: Path, f=filename) -> str:
            (d / f).write_bytes(b"")
            return f"{f}:1: is empty: it needs at least the header line"

        @kind(f"{stem}-latin1")
        def _(d: Path, f=filename) -> str:
            path = d / f
            raw = path.read_bytes()
            at = raw.index(b"\n") + 1  # the start of line 2
            path.write_bytes(raw[:at] + b"\xe9" + raw[at + 1 :])
            return f"{f}:2: is not UTF-8 text (invalid continuation byte at byte {at})"

        @kind(f"{stem}-nul-byte")
        def _(d: Path, f=filename) -> str:
            path = d / f
            lines = lines_of(path)
            lines[1] = lines[1][:2] + "\0" + lines[1][2:]
            set_lines(path, lines)
            return f"{f}:2: holds a NUL byte"

        @kind(f"{stem}-duplicated-header")
        def _(d: Path, f=filename) -> str:
            path = d / f
            lines = lines_of(path)
            first = header(path)[0]
            lines[0] = lines[0].rstrip("\r\n") + f",{first}\r\n"
            lines[1:] = [line.rstrip("\r\n") + ",x\r\n" for line in lines[1:]]
            set_lines(path, lines)
            return f"{f}:1: column '{first}' is named 2 times"

        @kind(f"{stem}-missing-column")
        def _(d: Path, f=filename) -> str:
            path = d / f
            lines = [
                ",".join(line.rstrip("\r\n").split(",")[:-1]) + "\r\n" for line in lines_of(path)
            ]
            last = header(path)[-1]
            set_lines(path, lines)
            return f"{f}:1: missing columns: {last}"

        @kind(f"{stem}-unknown-column")
        def _(d: Path, f=filename) -> str:
            path = d / f
            lines = lines_of(path)
            lines[0] = lines[0].rstrip("\r\n") + ",worker_name\r\n"
            lines[1:] = [line.rstrip("\r\n") + ",x\r\n" for line in lines[1:]]
            set_lines(path, lines)
            return f"{f}:1: columns not in the contract: worker_name"

        @kind(f"{stem}-quote-left-open")
        def _(d: Path, f=filename) -> str:
            path = d / f
            lines = lines_of(path)
            lines[2] = '"' + lines[2]
            set_lines(path, lines)
            return f"{f}:3: a quote opened in this record is not closed"

        @kind(f"{stem}-text-after-closing-quote")
        def _(d: Path, f=filename) -> str:
            path = d / f
            lines = lines_of(path)
            fields = lines[1].rstrip("\r\n").split(",")
            fields[0] = f'"{fields[0]}"x'
            lines[1] = ",".join(fields) + "\r\n"
            set_lines(path, lines)
            return f"{f}:2: a closing quote is followed by more text"

        @kind(f"{stem}-overlong-line")
        def _(d: Path, f=filename) -> str:
            path = d / f
            lines = lines_of(path)
            lines[3] = "x" * 5_000 + lines[3]
            set_lines(path, lines)
            return f"{f}:4: line is longer than 4,096 characters"

        @kind(f"{stem}-more-fields-than-columns")
        def _(d: Path, f=filename) -> str:
            path = d / f
            lines = lines_of(path)
            lines[1] = lines[1].rstrip("\r\n") + ",extra\r\n"
            set_lines(path, lines)
            return f"{f}:2: more fields than columns"

        @kind(f"{stem}-quoted-line-break")
        def _(d: Path, f=filename) -> str:
            path = d / f
            lines = lines_of(path)
            fields = lines[1].rstrip("\r\n").split(",")
            fields[0] = f'"{fields[0]}\r\n{fields[0]}"'
            lines[1] = ",".join(fields) + "\r\n"
            set_lines(path, lines)
            return f"{f}:2: a quoted field runs over lines 2 to 3"

        @kind(f"{stem}-changed-after-the-manifest", reseal=False)
        def _(d: Path, f=filename) -> str:
            path = d / f
            lines = lines_of(path)
            lines[1], lines[2] = lines[2], lines[1]
            set_lines(path, lines)
            line = FILES.index(f) + 2
            return f"manifest.csv:{line}, column sha256: does not match {f}"

        @kind(f"{stem}-cut-short", reseal=False)
        def _(d: Path, f=filename) -> str:
            path = d / f
            lines = lines_of(path)
            kept = 1 + (len(lines) - 1) * 6 // 10
            set_lines(path, lines[:kept])
            line = FILES.index(f) + 2
            return (
                f"manifest.csv:{line}, column rows: says {len(lines) - 1:,} rows, "
                f"{f} has {kept - 1:,} (is the file cut short?)"
            )


_per_file()


def _shrunk(table: str, kept: float) -> None:
    """Fewer rows than the version loaded, in a table no other table refers to."""

    @kind(f"{table}-{round(100 * (1 - kept))}-percent-fewer-rows")
    def _(d: Path) -> str:
        path = d / f"{table}.csv"
        lines = lines_of(path)
        before = len(lines) - 1
        after = int(before * kept)
        set_lines(path, lines[: 1 + after])
        share = round(100 * (before - after) / before)
        return f"{table}.csv: {after:,} rows, {share}% fewer than the {before:,} of data version 1"


for _table in ("contacts", "audit_findings"):
    _shrunk(_table, 0.0)
    _shrunk(_table, 0.6)


# -- values -----------------------------------------------------------------------------
def _value(
    table: str, column: str, value: str, message: str, where=None, name: str | None = None
) -> None:
    label = name or f"{table}-{column}-{value or 'empty'}"

    @kind(label)
    def _(d: Path) -> str:
        line = set_field(d, table, column, value, where)
        return f"{table}.csv:{line}, column {column}: {message}"


def remediated(row: dict) -> bool:
    return row["status"] == "remediated"


def employment(row: dict) -> bool:
    return row["stage"] == "employment"


ID_MESSAGE = "must be an opaque id of letters, digits, '-' or '_' (at most 40)"
for _table, _column in (
    ("worksites", "worksite_id"),
    ("audits", "audit_id"),
    ("cases", "case_id"),
):
    _value(_table, _column, "bad id!", ID_MESSAGE, name=f"{_table}-{_column}-not-opaque")
    _value(_table, _column, "A" * 41, ID_MESSAGE, name=f"{_table}-{_column}-41-characters")
for _table in contract.TABLES.values():
    for _column in _table.columns:
        if _column.required:
            _value(_table.name, _column.name, "", "is required")
        if _column.codes:
            _value(
                _table.name,
                _column.name,
                "NOPE",
                f"'NOPE' is not an allowed {_column.codes} code",
                where=(lambda row, c=_column.name: row[c] != "") if not _column.required else None,
            )
_MONTHS = [
    ("audits", "month", None),
    ("cases", "month_received", None),
    ("cases", "month_resolved", remediated),
    ("contacts", "month", None),
]
for _table, _column, _where in _MONTHS:
    for _bad, _message in (
        ("2024-13", "must be a month as YYYY-MM, got '2024-13'"),
        ("2024-6", "must be a month as YYYY-MM, got '2024-6'"),
        ("06/2024", "must be a month as YYYY-MM, got '06/2024'"),
        (
            "\u0662\u0660\u0662\u0664-06",
            "must be a month as YYYY-MM in ASCII digits 0-9, got '\\u0662\\u0660\\u0662\\u0664-06'",
        ),
        ("2099-01", "2099-01 is in the future"),
        ("2014-12", "is before 2015-01"),
    ):
        _value(_table, _column, _bad, _message, where=_where)
_INTS = [
    ("cases", "workers_affected", lambda row: row["status"] == "open"),
    ("contacts", "count", None),
]
for _table, _column, _where in _INTS:
    for _bad, _message in (
        ("1.5", "must be a whole number, got '1.5'"),
        ("1_000", "must be a whole number, got '1_000'"),
        ("1e3", "must be a whole number, got '1e3'"),
        ("\u0661\u0662", "must be a whole number in ASCII digits 0-9, got '\\u0661\\u0662'"),
        ("\uff11\uff12", "must be a whole number in ASCII digits 0-9, got '\\uff11\\uff12'"),
        ("-1", "must be at least"),
        ("99999999999", "must be at most"),
    ):
        _value(_table, _column, _bad, _message, where=_where)

# -- rules of a row, keys and references -----------------------------------------------------
_value(
    "cases",
    "worksite_id",
    "",
    "employment-stage cases need a worksite_id",
    where=employment,
    name="cases-employment-without-worksite",
)
_value(
    "cases",
    "route",
    "",
    "a remediated case needs a remediation route",
    where=remediated,
    name="cases-remediated-without-route",
)
_value(
    "cases",
    "workers_remediated",
    "0",
    "a remediated case has at least 1 worker remediated",
    where=remediated,
    name="cases-remediated-with-0-workers",
)
_value(
    "cases",
    "month_resolved",
    "",
    "a case with status 'remediated' needs a month_resolved",
    where=remediated,
    name="cases-remediated-without-month",
)
_value(
    "cases",
    "validated",
    "yes",
    "only remediated cases can be validated by workers",
    where=lambda row: row["status"] == "open",
    name="cases-open-validated",
)
_value(
    "cases",
    "industry",
    "domestic_work",
    "differs from the industry of the case's worksite",
    where=lambda row: employment(row) and row["industry"] != "domestic_work",
    name="cases-industry-differs-from-worksite",
)
_value(
    "cases",
    "destination",
    "GB",
    "differs from the country of the case's worksite",
    where=employment,
    name="cases-destination-differs-from-worksite",
)
_value(
    "cases",
    "worksite_id",
    "W999999",
    "'W999999' is not in worksites",
    where=employment,
    name="cases-unknown-worksite",
)
_value("audits", "worksite_id", "W999999", "is not in worksites", name="audits-unknown-worksite")


@kind("audit_findings-unknown-audit")
def _(d: Path) -> str:
    path = d / "audit_findings.csv"
    lines = lines_of(path) + ["A999999,unsafe_work\r\n"]
    set_lines(path, lines)
    return f"audit_findings.csv:{len(lines)}, column audit_id: is not in audits"


@kind("case_issues-unknown-case")
def _(d: Path) -> str:
    path = d / "case_issues.csv"
    lines = lines_of(path) + ["C99999999,wages_unpaid\r\n"]
    set_lines(path, lines)
    return f"case_issues.csv:{len(lines)}, column case_id: is not in cases"


@kind("cases-without-issues")
def _(d: Path) -> str:
    path = d / "case_issues.csv"
    lines = lines_of(path)
    case_id = lines_of(d / "cases.csv")[1].split(",")[0]
    set_lines(path, [line for line in lines if not line.startswith(case_id + ",")])
    return "cases.csv:2, column case_id: has no row in case_issues"


def _duplicate(table: str) -> None:
    @kind(f"{table}-duplicate-key")
    def _(d: Path) -> str:
        path = d / f"{table}.csv"
        lines = lines_of(path)
        lines.append(lines[1])
        set_lines(path, lines)
        key = ",".join(contract.TABLES[table].unique)
        return f"{table}.csv:{len(lines)}, column {key}: duplicates line 2"


for _table in contract.TABLES:
    _duplicate(_table)


# -- the manifest and the directory -----------------------------------------------------------
@kind("manifest-missing", reseal=False)
def _(d: Path) -> str:
    (d / "manifest.csv").unlink()
    return "manifest.csv: file is missing"


@kind("manifest-symlink", reseal=False)
def _(d: Path) -> str:
    shutil.move(d / "manifest.csv", d.parent / "outside-manifest.csv")
    os.symlink(d.parent / "outside-manifest.csv", d / "manifest.csv")
    return "manifest.csv: is a symbolic link"


@kind("manifest-bad-header", reseal=False)
def _(d: Path) -> str:
    path = d / "manifest.csv"
    lines = lines_of(path)
    lines[0] = "name,count,checksum\n"
    set_lines(path, lines)
    return "manifest.csv:1: the header must be file,rows,sha256"


@kind("manifest-without-a-file", reseal=False)
def _(d: Path) -> str:
    path = d / "manifest.csv"
    set_lines(path, [line for line in lines_of(path) if not line.startswith("contacts.csv")])
    return "manifest.csv, column file: has no row for contacts.csv"


@kind("manifest-unknown-file", reseal=False)
def _(d: Path) -> str:
    path = d / "manifest.csv"
    lines = lines_of(path) + ["notes.csv,1," + "0" * 64 + "\n"]
    set_lines(path, lines)
    return f"manifest.csv:{len(lines)}, column file: 'notes.csv' is not a file of the contract"


@kind("manifest-file-listed-twice", reseal=False)
def _(d: Path) -> str:
    path = d / "manifest.csv"
    lines = lines_of(path)
    lines.append(lines[1])
    set_lines(path, lines)
    return (
        f"manifest.csv:{len(lines)}, column file: worksites.csv is listed again (first at line 2)"
    )


@kind("manifest-rows-not-a-number", reseal=False)
def _(d: Path) -> str:
    path = d / "manifest.csv"
    lines = lines_of(path)
    name, _rows, sha = lines[1].rstrip("\n").split(",")
    lines[1] = f"{name},many,{sha}\n"
    set_lines(path, lines)
    return "manifest.csv:2, column rows: must be a whole number of rows, got 'many'"


@kind("manifest-checksum-malformed", reseal=False)
def _(d: Path) -> str:
    path = d / "manifest.csv"
    lines = lines_of(path)
    name, rows, _sha = lines[1].rstrip("\n").split(",")
    lines[1] = f"{name},{rows},abc\n"
    set_lines(path, lines)
    return "manifest.csv:2, column sha256: must be 64 lowercase hexadecimal digits"


@kind("extract-with-a-misnamed-file")
def _(d: Path) -> str:
    (d / "Cases (1).csv").write_text("x\n", encoding="utf-8")
    return "Cases (1).csv: is not a file of the contract"


@kind("as-of-in-the-future", args=("--as-of", "2099-01"))
def _(d: Path) -> str:
    return "--as-of: 2099-01 is in the future"


@kind("as-of-not-a-month", args=("--as-of", "June 2026"))
def _(d: Path) -> str:
    return "--as-of: must be a month as YYYY-MM, got 'June 2026'"


@kind("data-after-an-explicit-as-of", args=("--as-of", "2020-01"))
def _(d: Path) -> str:
    return "is after the extract's as-of month 2020-01"


@kind("extract-directory-missing")
def _(d: Path) -> str:
    shutil.rmtree(d)
    return f"{d}: is not a directory"


@kind("another-import-is-running", status=cli.EXIT_BUSY)
def _(d: Path) -> str:
    return "another import is running"


# -- running them ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus_base(tmp_path_factory) -> Path:
    """A valid 1,000-case extract with its manifest."""
    root = tmp_path_factory.mktemp("corpus")
    url = f"sqlite:///{root}/source.sqlite3"
    build_demo(url, DemoSpec(cases=1_000, seed=11, last_month=TEST_AS_OF), secret=TEST_SECRET)
    export_extract(url, root / "base")
    return root / "base"


@pytest.fixture(scope="module")
def corpus_sqlite(corpus_base, tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('corpus-db')}/target.sqlite3"
    import_extract(url, corpus_base, secret=TEST_SECRET)
    return url


@pytest.fixture(scope="module")
def corpus_postgresql(corpus_base, pg_small_url) -> str:
    engine = create_engine(pg_small_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    url = f"{pg_small_url}?options=-csearch_path%3D{SCHEMA}"
    import_extract(url, corpus_base, secret=TEST_SECRET)
    yield url
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    engine.dispose()


def fingerprint(url: str) -> dict:
    """Every table's row count, the extract tables' rows and the version history."""
    engine = create_engine(url)
    with engine.connect() as conn:
        names = sorted(set(inspect(conn).get_table_names()) & set(schema.metadata.tables))
        counts = {
            name: conn.execute(
                select(text("count(*)")).select_from(schema.metadata.tables[name])
            ).scalar_one()
            for name in names
        }
        contents = {}
        for name, table in {**schema.EXTRACT_TABLES, "data_versions": schema.data_versions}.items():
            digest = hashlib.sha256()
            order = list(table.primary_key.columns)
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
            contents[name] = digest.hexdigest()
    engine.dispose()
    return {"counts": counts, "contents": contents}


@pytest.fixture(scope="module")
def fingerprints() -> dict:
    return {}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("case", KINDS, ids=[k.name for k in KINDS])
def test_mc001_malformed_extract_is_refused_precisely_and_changes_nothing(
    request, case, backend, corpus_base, tmp_path, capsys, fingerprints
):
    url = request.getfixturevalue(f"corpus_{backend}")
    if url not in fingerprints:
        fingerprints[url] = fingerprint(url)
    directory = Path(shutil.copytree(corpus_base, tmp_path / "extract"))
    expected = case.mutate(directory)
    if case.reseal and directory.is_dir():
        reseal(directory)
    argv = ["import", str(directory), "--database-url", url, *case.args]
    capsys.readouterr()
    if case.status == cli.EXIT_BUSY:
        with writer_lock(url):
            status = cli.main(argv)
    else:
        status = cli.main(argv)
    err = capsys.readouterr().err
    assert status == case.status, err
    assert expected in err, err
    assert "Nothing in the database was changed." in err
    assert fingerprint(url) == fingerprints[url]


def test_mc002_the_corpus_has_at_least_100_kinds():
    assert len(KINDS) >= 100
    assert len({k.name for k in KINDS}) == len(KINDS)


def test_mc003_the_base_extract_imports(corpus_base, tmp_path):
    """The corpus breaks a valid extract: without a break, the same run succeeds."""
    url = f"sqlite:///{tmp_path}/ok.sqlite3"
    directory = Path(shutil.copytree(corpus_base, tmp_path / "extract"))
    reseal(directory)
    assert cli.main(["import", str(directory), "--database-url", url]) == 0
