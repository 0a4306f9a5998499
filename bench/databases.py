"""Build data: the demo databases the benchmark reads (SQLite files under bench/data/,
one PostgreSQL schema per size), built once and reused.
"""

from __future__ import annotations

import subprocess
import sys

from bench.common import AS_OF, DATA, ROOT

# -- databases -------------------------------------------------------------------------


def database_url(backend: str, cases: int, pg_url: str) -> str:
    """Where the demo of `cases` cases lives: a file per size, or a schema per size."""
    if backend == "sqlite":
        return f"sqlite:///{DATA / f'ilm-{cases}.sqlite3'}"
    separator = "&" if "?" in pg_url else "?"
    return f"{pg_url}{separator}options=-csearch_path%3Dbench_{cases}"


def ensure_database(backend: str, cases: int, pg_url: str, log=sys.stderr) -> str:
    """The demo database of that size, built (in bounded-memory batches) when missing."""
    url = database_url(backend, cases, pg_url)
    if _has_data(url):
        return url
    if backend == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
    else:
        from sqlalchemy import create_engine, text

        engine = create_engine(pg_url)
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS bench_{int(cases)}"))
        engine.dispose()
    print(f"building the {cases:,}-case demo on {backend} ...", file=log)
    subprocess.run(
        [sys.executable, "-m", "dashboard", "demo", "--cases", str(cases), "--as-of", AS_OF]
        + ["--database-url", url],
        cwd=ROOT,
        check=True,
    )
    return url


def _has_data(url: str) -> bool:
    from data_access.query import DataAccess, NoData

    try:
        DataAccess(url).version()
    except NoData:
        return False
    except Exception:
        return False
    return _has_indexes(url)


def _has_indexes(url: str) -> bool:
    """Whether the database has every cube index a load writes now.

    One built before an index was added answers the same, only slower: it is rebuilt,
    so the benchmark times what a load writes today.
    """
    from sqlalchemy import create_engine, inspect

    from data_access import schema

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            for name, table in schema.cube_tables.items():
                found = {index["name"] for index in inspector.get_indexes(name)}
                if any(index.name not in found for index in table.indexes):
                    return False
    finally:
        engine.dispose()
    return True
