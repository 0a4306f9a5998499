"""Time the demo build and an import, stage by stage, on SQLite (and PostgreSQL).

    python bench/build.py [--sizes 60000 1000000] [--postgresql URL]

Builds each size into a fresh database under bench/data/build/ (SQLite) or a schema of
its own (PostgreSQL), prints the seconds spent measuring and fitting the cases, writing
the rows and building the cells, the total and the database size; then exports the
default size and times its import into a fresh database. Figures to read, not thresholds:
README.md ("Command line") quotes a run on two cores.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from data_access.demo import DemoSpec  # noqa: E402
from data_access.load import build_demo, export_extract, import_extract  # noqa: E402

AS_OF = "2026-06"
SECRET = secrets.token_bytes(32)  # a bench database is thrown away: any secret will do


class Stages:
    """A progress callback that notes when each stage starts."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.first: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        self.first.setdefault(stage, time.monotonic() - self.started)

    def split(self, end: float) -> str:
        marks = sorted(self.first.items(), key=lambda item: item[1])
        parts = []
        for (stage, start), nxt in zip(marks, [*(m[1] for m in marks[1:]), end]):
            parts.append(f"{stage} {nxt - start:.1f} s")
        return ", ".join(parts)


def _size(url: str) -> str:
    if url.startswith("sqlite:///"):
        return f"{Path(url.removeprefix('sqlite:///')).stat().st_size / 1e9:.2f} GB"
    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(
            text(
                "select sum(pg_total_relation_size(c.oid)) from pg_class c join pg_namespace n"
                " on n.oid = c.relnamespace where n.nspname = current_schema()"
            )
        ).scalar_one()
    engine.dispose()
    return f"{int(size or 0) / 1e9:.2f} GB"


def _pg_schema(base: str, name: str) -> str:
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    engine.dispose()
    return f"{base}?options=-csearch_path%3D{name}"


def time_build(url: str, cases: int) -> None:
    stages = Stages()
    build_demo(url, DemoSpec(cases=cases, last_month=AS_OF), stages, secret=SECRET)
    total = time.monotonic() - stages.started
    print(f"demo {cases:>9,} cases: {total:6.1f} s ({stages.split(total)}); {_size(url)}")


def time_import(source: str, url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        export_extract(source, tmp)
        stages = Stages()
        import_extract(url, tmp, progress=stages, secret=SECRET)
        total = time.monotonic() - stages.started
    print(f"import of that extract: {total:6.1f} s ({stages.split(total)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[60_000, 1_000_000])
    parser.add_argument("--postgresql", help="also on this PostgreSQL URL (schemas bench_*)")
    args = parser.parse_args()
    folder = ROOT / "bench" / "data" / "build"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for cases in args.sizes:
        url = f"sqlite:///{folder}/demo-{cases}.sqlite3"
        print("SQLite:", end=" ")
        time_build(url, cases)
        if cases == args.sizes[0]:
            print("SQLite:", end=" ")
            time_import(url, f"sqlite:///{folder}/import-{cases}.sqlite3")
        if args.postgresql:
            pg = _pg_schema(args.postgresql, f"bench_build_{cases}")
            print("PostgreSQL:", end=" ")
            time_build(pg, cases)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
