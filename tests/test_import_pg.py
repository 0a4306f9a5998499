"""Import into PostgreSQL: the same all-or-nothing behaviour as on SQLite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from data_access.load import ExtractError, import_extract
from tests.test_import import exported, snapshot  # noqa: F401  (fixture and helper)

SCHEMA = "ilm_import_test"


@pytest.fixture
def pg_import_url(pg_small_url) -> str:
    """An empty schema of its own, so the import never touches the run's demo tables."""
    engine = create_engine(pg_small_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    yield f"{pg_small_url}?options=-csearch_path%3D{SCHEMA}"
    engine = create_engine(pg_small_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    engine.dispose()


def test_ip001_extract_imports_into_postgresql_once(exported, pg_import_url):  # noqa: F811
    assert import_extract(pg_import_url, exported) == (1, True)
    assert import_extract(pg_import_url, exported) == (1, False)
    counts = snapshot(pg_import_url)["counts"]
    lines = sum(1 for _ in (exported / "cases.csv").open()) - 1
    assert counts["cases"] == lines


def test_ip002_bad_extract_leaves_postgresql_unchanged(exported, pg_import_url, tmp_path):  # noqa: F811
    import_extract(pg_import_url, exported)
    before = snapshot(pg_import_url)
    broken = Path(shutil.copytree(exported, tmp_path / "broken"))
    rows = (broken / "case_issues.csv").read_text().splitlines()
    rows[1] = rows[1].rsplit(",", 1)[0] + ",not_an_issue"
    (broken / "case_issues.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(ExtractError, match="case_issues.csv:2, column issue"):
        import_extract(pg_import_url, broken)
    assert snapshot(pg_import_url) == before
