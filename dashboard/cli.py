"""The command line: `python -m dashboard {demo,import,export,serve,info}`."""

from __future__ import annotations

import argparse
import os
import sys
import time

from gunicorn.app.base import BaseApplication

from dashboard import config as configuration
from dashboard.factory import create_app, settle_heap
from data_access.demo import DemoSpec
from data_access.extract import ExtractError
from data_access.keys import SecretError
from data_access.load import (
    DemoRefused,
    WriterBusy,
    build_demo,
    database_info,
    export_extract,
    has_data_version,
    import_extract,
    update_extract,
)
from data_access.query import OUTAGES, DataAccess, NoData, Unavailable, outage_detail

# Exit statuses: 1 for a refusal that needs the operator (a broken extract, a demo over an
# import), 75 (EX_TEMPFAIL) when another writer holds the database: try again later.
EXIT_REFUSED = 1
EXIT_BUSY = 75
# serve: threads per worker (requests waiting on the database or a slow client each hold
# one), connections per worker, and seconds an idle keep-alive connection is kept.
DEFAULT_THREADS = 8
WORKER_CONNECTIONS = 200
KEEPALIVE = 5


class ProgressPrinter:
    """Progress of long work on stderr: one updating line on a terminal, else every 10%."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._last: tuple[str, int] = ("", -1)

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        elapsed = time.monotonic() - self.started
        if not total:
            self._line(f"{stage}: working... ({elapsed:.0f} s)", final=True)
            return
        percent = 100 * done // total
        step = percent if self.tty else percent // 10
        if (stage, step) == self._last:
            return
        self._last = (stage, step)
        self._line(
            f"{stage}: {done:,} / {total:,} ({percent}%, {elapsed:.0f} s)", final=done >= total
        )

    def _line(self, text: str, final: bool) -> None:
        if self.tty:
            self.stream.write("\r\033[K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _database_url(args) -> str:
    return args.database_url or configuration.from_env()["DATABASE_URL"]


def _refuse(message: str, status: int = EXIT_REFUSED) -> int:
    print(message, file=sys.stderr)
    print("Nothing in the database was changed.", file=sys.stderr)
    return status


def cmd_demo(args) -> int:
    url = _database_url(args)
    try:
        spec = DemoSpec(cases=args.cases, seed=args.seed, last_month=args.as_of or "")
        spec.check()
    except ValueError as exc:
        return _refuse(f"demo: {exc}")
    print(f"Building the demo dataset ({spec.cases:,} cases, seed {spec.seed}) in {url}")
    try:
        version = build_demo(url, spec, ProgressPrinter(), force=args.force)
    except DemoRefused as exc:
        return _refuse(f"demo: {exc}")
    except WriterBusy as exc:
        return _refuse(f"demo: {exc}", EXIT_BUSY)
    except SecretError as exc:
        return _refuse(f"demo: {exc}")
    print(f"Done: data version {version}, as of {spec.as_of}.")
    return 0


def cmd_import(args) -> int:
    url = _database_url(args)
    if args.update and args.accept_shrink:
        return _refuse("import: --accept-shrink is for a full extract; an update removes no row")
    try:
        if args.update:
            version, changed = update_extract(url, args.directory, args.as_of, ProgressPrinter())
        else:
            version, changed = import_extract(
                url,
                args.directory,
                args.as_of,
                ProgressPrinter(),
                accept_shrink=args.accept_shrink,
            )
    except ExtractError as exc:
        return _refuse(str(exc))
    except WriterBusy as exc:
        return _refuse(f"import: {exc}", EXIT_BUSY)
    except SecretError as exc:
        return _refuse(f"import: {exc}")
    if changed:
        print(f"Imported {args.directory} as data version {version}.")
    else:
        print(f"{args.directory} is already data version {version}; nothing changed.")
    return 0


def cmd_export(args) -> int:
    try:
        export_extract(_database_url(args), args.directory)
    except NoData as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except Unavailable as exc:
        print(exc.detail, file=sys.stderr)
        return 1
    print(f"Wrote the extract and its manifest to {args.directory}.")
    return 0


def cmd_info(args) -> int:
    url = _database_url(args)
    try:
        info = database_info(url)
    except NoData as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except Unavailable as exc:
        print(exc.detail, file=sys.stderr)
        return 1
    if not info.versions:
        print("No data version is loaded.", file=sys.stderr)
        return 1
    latest = info.versions[-1]
    print(f"database:     {info.url}")
    print(f"data version: {latest['version']} ({latest['source']})")
    print(f"as of:        {latest['as_of']}")
    print(f"loaded at:    {latest['loaded_at']}")
    print("tables:")
    for name, count in info.counts.items():
        print(f"  {name:<24}{count:>12,}")
    return 0


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 9)


def demo_refusal(url: str) -> str | None:
    """Why `serve` will not publish this database, or None: it holds the demo's data.

    Raises one of OUTAGES when the database cannot be read now.
    """
    data = DataAccess(url)
    try:
        info = data.version()
    except NoData:
        return None  # nothing to publish yet; pages and /healthz say so until an import
    finally:
        data.close()  # the workers open their own; none crosses the fork
    if not info.synthetic:
        return None
    return (
        f"Refusing to serve {url}: its data version {info.version} is demonstration data "
        f"({info.source}): synthetic numbers, not ILM figures, and `serve` is the production "
        "server, whose readers cite and download what it shows. Import a real extract with "
        "`python -m dashboard import`, or, to publish the demo on purpose (a preview or a test "
        "deployment), run `python -m dashboard serve --allow-demo`: every page, download and "
        "API answer then says the data are synthetic."
    )


def cmd_serve(args) -> int:
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    # A demo loaded after the start (or behind an outage at the start) is refused too.
    app_config = {"REFUSE_DEMO": not args.allow_demo}
    if not args.allow_demo:
        try:
            refusal = demo_refusal(_database_url(args))
        except OUTAGES as exc:
            # Start anyway, answering 503 until the database returns: a server that will
            # not start during an outage needs an operator to bring it back. What could
            # not be checked now is checked on every answer instead.
            detail = outage_detail(exc)
            print(
                f"The database cannot be read now ({detail}); serving 503s until it can. "
                "Demonstration data found then is refused (no --allow-demo).",
                file=sys.stderr,
            )
            refusal = None
        if refusal:
            print(refusal, file=sys.stderr)
            return 2

    settings = configuration.from_env()
    if not settings["PUBLIC_URL"] and not settings["TRUSTED_HOSTS"]:
        unsure = (
            "PUBLIC_URL is not set (nor TRUSTED_HOSTS): citations in CSV files and the links "
            "back from embeds would be relative, since a request's Host header cannot be "
            "trusted."
        )
        if not (args.allow_demo or args.relative_links):
            # Real numbers are cited and republished: their links must say where from.
            print(
                f"{unsure} Set PUBLIC_URL=https://your.site (or TRUSTED_HOSTS) to serve the "
                "network's data, or pass --relative-links to serve it with relative links.",
                file=sys.stderr,
            )
            return 2
        print(f"{unsure} Set PUBLIC_URL=https://your.site to make them absolute.", file=sys.stderr)

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", args.bind)
            self.cfg.set("workers", args.workers)
            # Threads, not sync workers: a sync worker belongs to one connection until its
            # request is read, so as many slow clients as workers froze the whole server.
            # A gthread worker waits for a connection to be readable before giving it a
            # thread, and has `threads` of them; the app is thread-safe (one pool per
            # process, locks around shared state).
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", args.threads)
            # Connections a worker holds at once (idle keep-alives included) beyond which
            # it stops accepting, so the others take them.
            self.cfg.set("worker_connections", WORKER_CONNECTIONS)
            self.cfg.set("keepalive", KEEPALIVE)
            self.cfg.set("graceful_timeout", 30)
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", "-" if args.access_log else None)

        def load(self):
            # Each worker builds its own app, so no database connection crosses a fork.
            app = create_app(app_config)
            settle_heap()
            return app.server

    Server().run()
    return 0


def ensure_database(app, host: str = "127.0.0.1", port: int = 8050) -> None:
    """Build the demo database with progress when the default SQLite file holds no data.

    A file without a data version (a first build that was stopped) is built again.
    """
    url = app.server.config["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        return
    path = url.removeprefix("sqlite:///")
    if os.path.exists(path) and has_data_version(url):
        return

    spec = DemoSpec()
    print(
        f"First run: building the demo dataset ({spec.cases:,} synthetic cases) in {path}; "
        "about half a minute on a 2-core machine, longer when it is busy."
    )
    build_demo(url, spec, ProgressPrinter())
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    print(f"Demo dataset ready. Open http://{shown}:{port}")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="ILM Community Dashboard: build, load, inspect and serve the data.",
    )
    sub = root.add_subparsers(dest="command", required=True)
    db_help = "database URL (default: $DATABASE_URL or instance/ilm.sqlite3)"

    demo = sub.add_parser("demo", help="build the demo database")
    demo.add_argument("--cases", type=int, default=60_000, help="number of cases (default 60,000)")
    demo.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    demo.add_argument("--as-of", help="last month YYYY-MM (default: the current month)")
    demo.add_argument("--database-url", help=db_help)
    demo.add_argument(
        "--force",
        action="store_true",
        help="replace the data even when the database holds an imported extract",
    )
    demo.set_defaults(func=cmd_demo)

    imp = sub.add_parser("import", help="load an extract (a directory of contract CSV files)")
    imp.add_argument("directory")
    imp.add_argument("--as-of", help="as-of month YYYY-MM (default: the latest month in it)")
    imp.add_argument("--database-url", help=db_help)
    imp.add_argument(
        "--update",
        action="store_true",
        help="the directory holds only new and changed rows (a month's new cases and the "
        "cases that changed, with all their issue categories): add them to the data loaded, "
        "in time proportional to them",
    )
    imp.add_argument(
        "--accept-shrink",
        action="store_true",
        help="load it even when a file has over 10%% fewer rows than the version loaded",
    )
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser(
        "export", help="write the database's extract as contract CSV files with a manifest"
    )
    exp.add_argument("directory")
    exp.add_argument("--database-url", help=db_help)
    exp.set_defaults(func=cmd_export)

    serve = sub.add_parser("serve", help="run the production server (gunicorn)")
    serve.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8050"))
    serve.add_argument("--workers", type=int, default=default_workers())
    serve.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("THREADS") or DEFAULT_THREADS),
        help=f"threads per worker (default: $THREADS, else {DEFAULT_THREADS})",
    )
    serve.add_argument("--access-log", action="store_true", help="log requests to stdout")
    serve.add_argument(
        "--allow-demo",
        action="store_true",
        help="serve a demo database (synthetic data, labelled as such on every page); "
        "without it, serve refuses one",
    )
    serve.add_argument(
        "--relative-links",
        action="store_true",
        help="serve imported data without PUBLIC_URL or TRUSTED_HOSTS (citations and embed "
        "links then relative); without it, serve refuses to",
    )
    serve.add_argument("--database-url", help=db_help)
    serve.set_defaults(func=cmd_serve)

    info = sub.add_parser("info", help="data version, as-of month and table row counts")
    info.add_argument("--database-url", help=db_help)
    info.set_defaults(func=cmd_info)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)
