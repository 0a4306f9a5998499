"""Importing an update (`import --update`): new and changed rows only, with the result of a
full import of the combined rows, all or nothing.

The small demo's extract is split at its as-of month: the base holds every earlier month,
with the cases resolved in the as-of month still raised; the update holds the as-of
month's cases, contacts and audits, the worksites only they name, and the resolved cases
in their final state (status changes of earlier months). The base imported, then the
update, must equal the whole extract imported at once, cell for cell.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from data_access import audit_arrays, contract, schema
from data_access.extract import ExtractError, write_manifest
from data_access.load import import_extract, update_extract
from data_access.query import DataAccess
from tests.conftest import TEST_AS_OF, TEST_SECRET
from tests.test_import import exported, snapshot  # noqa: F401  (fixture and helper)
from tests.test_import_readers import Readers, Writer, empty_url  # noqa: F401  (and a fixture)

MONTH = TEST_AS_OF
ROOT = Path(__file__).resolve().parent.parent


# -- splitting an extract -----------------------------------------------------------------
def _read(directory: Path, name: str) -> list[dict]:
    with (directory / contract.TABLES[name].filename).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write(directory: Path, tables: dict[str, list[dict]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, spec in contract.TABLES.items():
        with (directory / spec.filename).open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=spec.column_names)
            writer.writeheader()
            writer.writerows(tables[name])
    write_manifest(directory)
    return directory


def raised(case: dict) -> dict:
    """The case as it stood before it was resolved."""
    return case | {
        "status": "raised",
        "month_resolved": "",
        "workers_remediated": "0",
        "validated": "unknown",
        "route": "",
    }


def split(whole: Path, base: Path, update: Path, month: str = MONTH) -> tuple[Path, Path]:
    """(base, update) of `whole`, split at `month` as the module's docstring says."""
    t = {name: _read(whole, name) for name in contract.TABLES}
    new = {r["case_id"] for r in t["cases"] if r["month_received"] == month}
    resolved = {
        r["case_id"] for r in t["cases"] if r["month_resolved"] == month and r["case_id"] not in new
    }
    new_audits = {r["audit_id"] for r in t["audits"] if r["month"] == month}
    old_sites = {r["worksite_id"] for r in t["cases"] if r["case_id"] not in new}
    old_sites |= {r["worksite_id"] for r in t["audits"] if r["audit_id"] not in new_audits}
    new_sites = [r for r in t["worksites"] if r["worksite_id"] not in old_sites]
    # One worksite loaded before is listed again, as it is: an update may repeat one.
    again = [next(r for r in t["worksites"] if r["worksite_id"] in old_sites)]
    base_tables = {
        "worksites": [r for r in t["worksites"] if r["worksite_id"] in old_sites],
        "audits": [r for r in t["audits"] if r["audit_id"] not in new_audits],
        "audit_findings": [r for r in t["audit_findings"] if r["audit_id"] not in new_audits],
        "cases": [
            raised(r) if r["case_id"] in resolved else r
            for r in t["cases"]
            if r["case_id"] not in new
        ],
        "case_issues": [r for r in t["case_issues"] if r["case_id"] not in new],
        "contacts": [r for r in t["contacts"] if r["month"] != month],
    }
    changed = new | resolved
    update_tables = {
        "worksites": new_sites + again,
        "audits": [r for r in t["audits"] if r["audit_id"] in new_audits],
        "audit_findings": [r for r in t["audit_findings"] if r["audit_id"] in new_audits],
        "cases": [r for r in t["cases"] if r["case_id"] in changed],
        "case_issues": [r for r in t["case_issues"] if r["case_id"] in changed],
        "contacts": [r for r in t["contacts"] if r["month"] == month],
    }
    assert new and resolved and update_tables["contacts"], "the split must exercise an update"
    return _write(base, base_tables), _write(update, update_tables)


@pytest.fixture(scope="module")
def parts(exported, tmp_path_factory) -> tuple[Path, Path]:  # noqa: F811
    folder = tmp_path_factory.mktemp("parts")
    return split(exported, folder / "base", folder / "update")


# -- what a load leaves -------------------------------------------------------------------
def contents(url: str) -> dict:
    """Every table an import writes, as sorted rows (audit slices decoded, their build
    token left out: it is drawn anew by every build)."""
    engine = create_engine(url)
    out = {}
    with engine.connect() as conn:
        for name, table in schema.metadata.tables.items():
            if name in ("data_versions", "audit_arrays"):
                continue
            out[name] = sorted(tuple(row) for row in conn.execute(select(table)))
        slices = {}
        for window, period, dim, value, data in conn.execute(select(schema.audit_arrays)):
            arrays = audit_arrays._unpack(data)
            arrays.pop("build")
            slices[(window, period, dim, value)] = {k: v.tolist() for k, v in arrays.items()}
        out["audit_arrays"] = slices
    engine.dispose()
    return out


def published(url: str) -> dict:
    """A spread of published numbers: every measure by month, issue and corridor."""
    data = DataAccess(url)
    try:
        answers = {}
        for measure in ("cases", "workers_affected", "cases_remediated", "workers_remediated"):
            for by in ((), ("month",), ("issue",), ("origin", "destination"), ("status",)):
                try:
                    answers[(measure, by)] = repr(data.aggregate(measure, by).as_dict())
                except Exception as exc:  # a breakdown a measure does not allow
                    answers[(measure, by)] = type(exc).__name__
        answers["contacts"] = repr(data.aggregate("contacts", ("month",)).as_dict())
        return answers
    finally:
        data.close()


def updated(base: Path, update: Path, url: str) -> str:
    assert import_extract(url, base, secret=TEST_SECRET) == (1, True)
    assert update_extract(url, update, secret=TEST_SECRET) == (2, True)
    return url


@pytest.fixture(scope="module")
def whole_url(exported, tmp_path_factory) -> str:  # noqa: F811
    url = f"sqlite:///{tmp_path_factory.mktemp('whole') / 'x.sqlite3'}"
    import_extract(url, exported, secret=TEST_SECRET)
    return url


@pytest.fixture(scope="module")
def updated_url(parts, tmp_path_factory) -> str:
    return updated(*parts, f"sqlite:///{tmp_path_factory.mktemp('upd') / 'x.sqlite3'}")


# -- the same result as a full import ---------------------------------------------------------
def test_iu001_an_update_leaves_every_table_as_a_full_import_of_the_combined_rows(
    whole_url, updated_url
):
    assert contents(updated_url) == contents(whole_url)


def test_iu002_an_update_publishes_the_numbers_of_a_full_import(whole_url, updated_url):
    assert published(updated_url) == published(whole_url)


def test_iu003_an_update_is_a_new_version_as_of_its_month(updated_url):
    latest = DataAccess(updated_url).versions()[0]
    assert (latest.version, latest.as_of) == (2, MONTH)
    assert latest.source == "import update (update)"


def test_iu005_an_update_of_a_cases_issue_categories_equals_a_full_import(
    exported,  # noqa: F811
    whole_url,
    tmp_path,
):
    """A case of the silent-audit factory reports one category more: its audit's pairs
    change, the audited worksites and code lists stay (the slices keep their numbers)."""
    t = {name: _read(exported, name) for name in contract.TABLES}
    case = next(r for r in t["cases"] if r["case_id"] == "F00000001")
    issues = [r for r in t["case_issues"] if r["case_id"] == "F00000001"]
    added = next(
        code for code in ("unsafe_work", "poor_living") if code not in {r["issue"] for r in issues}
    )
    issues.append({"case_id": "F00000001", "issue": added})
    changed = {name: [] for name in contract.TABLES} | {"cases": [case], "case_issues": issues}
    update = _write(tmp_path / "update", changed)
    whole = _write(tmp_path / "whole", t | {"case_issues": [*t["case_issues"], issues[-1]]})
    url = f"sqlite:///{tmp_path / 'u.sqlite3'}"
    import_extract(url, exported, secret=TEST_SECRET)
    assert update_extract(url, update, secret=TEST_SECRET) == (2, True)
    full = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    import_extract(full, whole, secret=TEST_SECRET)
    assert contents(url) == contents(full)


def test_iu006_an_update_of_an_audits_findings_equals_a_full_import(
    exported,  # noqa: F811
    tmp_path,
):
    """The silent audit, listed again, now finds a category its workers reported."""
    t = {name: _read(exported, name) for name in contract.TABLES}
    audit = next(r for r in t["audits"] if r["audit_id"] == "A000016")
    reported = next(
        r["issue"]
        for r in t["case_issues"]
        if r["case_id"].startswith("F") and r["issue"] != "unsafe_work"
    )
    finding = {"audit_id": "A000016", "issue": reported}
    changed = {name: [] for name in contract.TABLES} | {
        "audits": [audit],
        "audit_findings": [finding],
    }
    update = _write(tmp_path / "update", changed)
    whole = _write(tmp_path / "whole", t | {"audit_findings": [*t["audit_findings"], finding]})
    url = f"sqlite:///{tmp_path / 'u.sqlite3'}"
    import_extract(url, exported, secret=TEST_SECRET)
    assert update_extract(url, update, secret=TEST_SECRET) == (2, True)
    full = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    import_extract(full, whole, secret=TEST_SECRET)
    assert contents(url) == contents(full)


def test_iu004_an_update_into_postgresql_equals_a_full_import(parts, exported, pg_small_url):  # noqa: F811
    whole, incremental = (_pg_schema(pg_small_url, f"ilm_update_{n}") for n in ("whole", "incr"))
    try:
        import_extract(whole, exported, secret=TEST_SECRET)
        updated(*parts, incremental)
        assert contents(incremental) == contents(whole)
        assert published(incremental) == published(whole)
    finally:
        for name in ("whole", "incr"):
            _drop_schema(pg_small_url, f"ilm_update_{name}")


def _pg_schema(base: str, name: str) -> str:
    _drop_schema(base, name)
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    engine.dispose()
    return f"{base}?options=-csearch_path%3D{name}"


def _drop_schema(base: str, name: str) -> None:
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
    engine.dispose()


# -- all or nothing, once ---------------------------------------------------------------
@pytest.fixture
def base_url(parts, tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    import_extract(url, parts[0], secret=TEST_SECRET)
    return url


def test_iu010_the_same_update_again_changes_nothing(parts, base_url):
    assert update_extract(base_url, parts[1], secret=TEST_SECRET) == (2, True)
    before = snapshot(base_url)
    assert update_extract(base_url, parts[1], secret=TEST_SECRET) == (2, False)
    assert snapshot(base_url) == before


def test_iu011_an_update_that_fails_while_writing_leaves_the_version_served(
    parts, base_url, monkeypatch
):
    from data_access import load

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    before = snapshot(base_url)
    monkeypatch.setattr(load, "_fill_cubes", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        update_extract(base_url, parts[1], secret=TEST_SECRET)
    assert snapshot(base_url) == before


def test_iu012_readers_move_to_the_update_within_seconds(parts, base_url):
    data = DataAccess(base_url)
    try:
        data.version_ttl = 0.2
        assert data.version().version == 1
        update_extract(base_url, parts[1], secret=TEST_SECRET)
        time.sleep(0.3)
        assert data.version().version == 2
    finally:
        data.close()


# -- what an update may not do ----------------------------------------------------------------
def _copy(update: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(update, tmp_path / "changed"))


def _refused(url: str, update: Path, **kwargs) -> ExtractError:
    before = snapshot(url)
    with pytest.raises(ExtractError) as caught:
        update_extract(url, update, secret=TEST_SECRET, **kwargs)
    assert snapshot(url) == before
    return caught.value


def test_iu020_an_update_cannot_change_a_loaded_worksite(parts, base_url, tmp_path):
    update = _copy(parts[1], tmp_path)
    sites = _read(update, "worksites")
    sites[-1]["tier"] = "3" if sites[-1]["tier"] != "3" else "2"
    tables = {name: _read(update, name) for name in contract.TABLES} | {"worksites": sites}
    _write(update, tables)
    error = _refused(base_url, update)
    assert f"worksites.csv:{len(sites) + 1}, column tier" in str(error)
    assert "cannot change a worksite" in str(error)


def test_iu021_an_issue_category_needs_its_case_in_the_update(parts, base_url, tmp_path):
    update = _copy(parts[1], tmp_path)
    tables = {name: _read(update, name) for name in contract.TABLES}
    loaded_case = _read(parts[0], "cases")[0]["case_id"]
    tables["case_issues"].append({"case_id": loaded_case, "issue": "wages_unpaid"})
    _write(update, tables)
    assert "column case_id: is not in cases" in str(_refused(base_url, update))


def test_iu022_an_as_of_before_the_loaded_one_is_refused(parts, base_url):
    earlier = contract.month_from_index(contract.month_index(MONTH) - 2)
    error = _refused(base_url, parts[1], as_of=earlier)
    assert "the as-of month of the data loaded" in str(error)


def test_iu023_an_update_needs_data_loaded(parts, tmp_path):
    with pytest.raises(ExtractError, match="import a full extract first"):
        update_extract(f"sqlite:///{tmp_path / 'empty.sqlite3'}", parts[1], secret=TEST_SECRET)


def test_iu030_the_command_line_imports_an_update(parts, base_url):
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "import", "--update", str(parts[1])]
        + ["--database-url", base_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"RECORD_KEY_SECRET": TEST_SECRET.hex(), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert "as data version 2" in done.stdout


# -- readers, on both backends ----------------------------------------------------------------
@pytest.fixture
def base_on_each(empty_url, parts) -> str:  # noqa: F811
    assert import_extract(empty_url, parts[0], secret=TEST_SECRET) == (1, True)
    return empty_url


def test_iu040_readers_see_no_error_and_then_the_update(base_on_each, parts):
    with Readers(base_on_each) as readers:
        time.sleep(0.5)
        writer = Writer(("import", "--update", str(parts[1]), "--database-url", base_on_each))
        status = writer.finish()
        done = time.monotonic()
        time.sleep(0.5)
    assert status == 0, "".join(writer.err)
    assert readers.errors() == []
    seen = readers.versions()
    assert seen == sorted(seen) and seen[0] == 1 and seen[-1] == 2
    assert 2 in readers.versions(done)


def test_iu041_a_killed_update_leaves_the_previous_version_readable(base_on_each, parts):
    args = ("import", "--update", str(parts[1]), "--database-url", base_on_each)
    writer = Writer(args)
    writer.wait_for("cells")  # the rows written, the transaction still open
    writer.kill()
    with Readers(base_on_each) as readers:
        time.sleep(1)
    assert readers.errors() == [] and set(readers.versions()) == {1}
    again = Writer(args)
    assert again.finish() == 0, "".join(again.err)


def test_iu024_an_update_adds_the_indexes_a_database_built_before_them_lacks(parts, tmp_path):
    """A database loaded before a cube's narrowing index or an update's case index
    existed is updated (not refused), and has them afterwards."""
    url = f"sqlite:///{tmp_path / 'older.sqlite3'}"
    assert import_extract(url, parts[0], secret=TEST_SECRET) == (1, True)
    twin = "cube_received_issue_3_yearly"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP INDEX ix_{twin}_channel")
        conn.exec_driver_sql("DROP INDEX ix_cases_month_received")
    engine.dispose()
    assert update_extract(url, parts[1], secret=TEST_SECRET) == (2, True)
    engine = create_engine(url)
    with engine.connect() as conn:
        names = {
            row[0]
            for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='index'")
        }
    engine.dispose()
    assert {f"ix_{twin}_channel", "ix_cases_month_received"} <= names
