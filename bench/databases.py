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
        return True
    except NoData:
        return False
    except Exception:
        return False
