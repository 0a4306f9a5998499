"""Time an update (`import --update`: a month's new and changed cases) into a 1M-case
database beside a full rebuild of the same data, on SQLite and PostgreSQL.

    python bench/update.py [--sqlite FILE] [--postgresql URL] [--cases 15000] [--no-full]

SQLite: FILE (a 1M demo, default bench/data/ilm-1000000.sqlite3) is copied first and the
copy written to; the file itself is never changed. PostgreSQL: a database of its own
(ilm_bench_update_1m on the server of URL) is built once with the 1M demo and reused.

The update is the month after the database's as-of month: `--cases` new cases (the as-of
month's cases, given new ids and opened in the new month, with their issue categories),
a tenth as many raised cases of the last 12 months (of every month with --spread)
resolved in the new month (status changes), the new month's contacts and a few audits.
Before it, the database is exported and the export imported whole (the full rebuild),
which also gives every case its record key under this bench's fixed secret.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.build import Stages  # noqa: E402
from data_access import contract, schema  # noqa: E402
from data_access.extract import write_manifest  # noqa: E402
from data_access.load import export_extract, import_extract, update_extract  # noqa: E402

PG_DATABASE = "ilm_bench_update_1m"
# A fixed secret, so the record keys of the cases an update changes are the keys loaded
# (a bench database is thrown away: any fixed secret will do).
SECRET = hashlib.sha256(b"ilm bench update").digest()
# Status changes come from raised cases received in this many months before the new one.
RECENT_MONTHS = 12
DEMO_CASES = 1_000_000
DEMO_AS_OF = "2026-06"


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _months_before(month: str, n: int) -> str:
    return contract.month_from_index(contract.month_index(month) - n)


def next_month(month: str) -> str:
    return contract.month_from_index(contract.month_index(month) + 1)


def make_update(url: str, directory: Path, cases: int, spread: bool) -> dict[str, int]:
    """Write the month after the database's as-of month as an update extract."""
    engine = create_engine(url)
    c, ci = schema.cases.c, schema.case_issues.c
    with engine.connect() as conn:
        as_of = conn.execute(select(func.max(schema.data_versions.c.as_of))).scalar_one()
        month = next_month(as_of)
        new = [
            dict(r)
            for r in conn.execute(
                select(schema.cases).where(c.month_received == as_of).order_by(c.case_id)
            ).mappings()
        ]
        new = (new * (cases // max(len(new), 1) + 1))[:cases]
        resolved = [
            dict(r)
            for r in conn.execute(
                select(schema.cases)
                .where(
                    c.status == "raised",
                    c.month_received < as_of,  # the as-of month's cases are the new ones
                    c.month_received
                    >= (contract.FIRST_MONTH if spread else _months_before(month, RECENT_MONTHS)),
                )
                .order_by(c.record_key)
                .limit(cases // 10)
            ).mappings()
        ]
        issues: dict[str, list[str]] = {}
        for chunk in range(0, len(new) + len(resolved), 5_000):
            ids = [r["case_id"] for r in (new + resolved)[chunk : chunk + 5_000]]
            for case_id, issue in conn.execute(
                select(ci.case_id, ci.issue).where(ci.case_id.in_(ids))
            ):
                issues.setdefault(case_id, []).append(issue)
        contacts = [
            dict(r)
            for r in conn.execute(
                select(schema.contacts).where(schema.contacts.c.month == as_of)
            ).mappings()
        ]
        sites = sorted({r["worksite_id"] for r in new if r["worksite_id"]})[:: max(cases // 50, 1)]
    engine.dispose()
    rows: dict[str, list[dict]] = {name: [] for name in contract.TABLES}
    for n, case in enumerate(new):
        case_id = f"U{n:08d}"
        rows["cases"].append(
            case
            | {
                "case_id": case_id,
                "month_received": month,
                "status": "open",
                "month_resolved": None,
                "workers_remediated": 0,
                "validated": "unknown",
                "route": None,
            }
        )
        rows["case_issues"] += [{"case_id": case_id, "issue": i} for i in issues[case["case_id"]]]
    for case in resolved:
        rows["cases"].append(
            case
            | {
                "status": "remediated",
                "month_resolved": month,
                "workers_remediated": case["workers_affected"],
                "route": "employer",
            }
        )
        rows["case_issues"] += [
            {"case_id": case["case_id"], "issue": i} for i in issues[case["case_id"]]
        ]
    rows["contacts"] = [r | {"month": month} for r in contacts]
    rows["audits"] = [
        {"audit_id": f"UA{n:06d}", "worksite_id": w, "month": month, "audit_type": "ethical_trade"}
        for n, w in enumerate(sites)
    ]
    directory.mkdir(parents=True, exist_ok=True)
    for name, spec in contract.TABLES.items():
        with (directory / spec.filename).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(spec.column_names)
            for row in rows[name]:
                writer.writerow(["" if row[k] is None else row[k] for k in spec.column_names])
    write_manifest(directory)
    return {name: len(r) for name, r in rows.items()}


def timed(label: str, work) -> float:
    stages = Stages()
    started = time.monotonic()
    work(stages)
    total = time.monotonic() - started
    print(f"  {label}: {total:7.1f} s ({stages.split(total)}); {load()}", flush=True)
    return total


def run(backend: str, url: str, cases: int, full: bool, spread: bool) -> None:
    print(f"{backend}: {url}", flush=True)
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "data") as tmp:
        if full:
            # First, so that the record keys are this bench's (SQLite's copy was built
            # with another secret): the full rebuild of the database as it is.
            whole = Path(tmp) / "whole"
            export_extract(url, whole)
            timed("full rebuild (import of its export)", lambda p: _import(url, whole, p))
        update = Path(tmp) / "update"
        made = make_update(url, update, cases, spread)
        print(f"  update extract: {made}", flush=True)
        timed("update (import --update)", lambda p: _update(url, update, p))
        timed("the same update again (nothing to do)", lambda p: _update(url, update, p))


def _import(url: str, directory: Path, progress) -> None:
    import_extract(url, directory, progress=progress, secret=SECRET)


def _update(url: str, directory: Path, progress) -> None:
    update_extract(url, directory, progress=progress, secret=SECRET)


def sqlite_copy(source: Path, reuse: bool) -> str:
    folder = ROOT / "bench" / "data" / "update"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    if reuse and target.exists():
        return f"sqlite:///{target}"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


def pg_database(server: str) -> str:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("select 1 from pg_database where datname = :n"), {"n": PG_DATABASE}
        ).first()
        if not exists:
            conn.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    admin.dispose()
    url = make_url(server).set(database=PG_DATABASE).render_as_string(hide_password=False)
    engine = create_engine(url)
    with engine.connect() as conn:
        has = conn.dialect.has_table(conn, "data_versions")
    engine.dispose()
    if not has:
        print(f"building the {DEMO_CASES:,}-case demo in {PG_DATABASE} ...", flush=True)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "dashboard", "demo", "--cases", str(DEMO_CASES)]
            + ["--as-of", DEMO_AS_OF, "--database-url", url],
            cwd=ROOT,
            check=True,
            env=os.environ | {"RECORD_KEY_SECRET": SECRET.hex()},
        )
        print(f"  demo build: {time.monotonic() - started:.0f} s; {load()}", flush=True)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", type=Path, help="a 1M SQLite demo to copy")
    parser.add_argument("--postgresql", help="a PostgreSQL server URL (a database is made on it)")
    parser.add_argument("--cases", type=int, default=15_000)
    parser.add_argument("--no-full", action="store_true", help="skip the full rebuild")
    parser.add_argument(
        "--reuse", action="store_true", help="update the SQLite copy of an earlier run"
    )
    parser.add_argument(
        "--spread",
        action="store_true",
        help=f"draw the status changes from every month, not the last {RECENT_MONTHS}",
    )
    args = parser.parse_args()
    if args.sqlite:
        started = time.monotonic()
        url = sqlite_copy(args.sqlite, args.reuse)
        print(f"copied {args.sqlite} in {time.monotonic() - started:.0f} s", flush=True)
        run("SQLite", url, args.cases, not args.no_full, args.spread)
    if args.postgresql:
        run("PostgreSQL", pg_database(args.postgresql), args.cases, not args.no_full, args.spread)


if __name__ == "__main__":
    main()
