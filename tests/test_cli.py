"""The command line, run as a user runs it: `python -m dashboard ...` in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from dashboard import cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_cl001_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("demo", "import", "export", "serve", "info"):
        assert command in result.stdout


def test_cl002_demo_shows_progress_and_info_reports_it(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    built = run(
        "demo", "--cases", "2000", "--seed", "3", "--as-of", "2026-01", "--database-url", url
    )
    assert built.returncode == 0, built.stderr
    assert "cases: 2,000 / 2,000 (100%" in built.stderr
    info = run("info", "--database-url", url)
    assert info.returncode == 0, info.stderr
    assert "data version: 1" in info.stdout and "as of:        2026-01" in info.stdout
    assert "cases" in info.stdout and "2,0" in info.stdout


def test_cl003_import_of_a_bad_extract_fails_and_says_where(tmp_path, small_url):
    extract = tmp_path / "extract"
    assert run("export", str(extract), "--database-url", small_url).returncode == 0
    cases = (extract / "cases.csv").read_text().splitlines()
    line = next(i for i, row in enumerate(cases) if ",employment," in row)
    cases[line] = cases[line].replace(",employment,", ",unemployment,", 1)
    (extract / "cases.csv").write_text("\n".join(cases) + "\n")
    url = f"sqlite:///{tmp_path}/target.sqlite3"
    result = run("import", str(extract), "--database-url", url)
    assert result.returncode == 1
    assert f"cases.csv:{line + 1}, column stage" in result.stderr
    assert "Nothing in the database was changed" in result.stderr


def test_cl004_import_of_a_good_extract_then_again_is_idempotent(tmp_path, small_url):
    extract = tmp_path / "extract"
    run("export", str(extract), "--database-url", small_url)
    url = f"sqlite:///{tmp_path}/target.sqlite3"
    first = run("import", str(extract), "--database-url", url)
    assert first.returncode == 0, first.stderr
    assert "as data version 1" in first.stdout
    again = run("import", str(extract), "--database-url", url)
    assert again.returncode == 0 and "nothing changed" in again.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    # A generous read limit: on a busy machine a first answer can take many seconds.
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, response.read()


def test_cl005_serve_starts_answers_and_stops_cleanly(imported_url):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashboard",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--database-url",
            imported_url,
        ],
        cwd=ROOT,
        env={**os.environ, "PUBLIC_URL": base},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                status, body = _get(base + "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("serve did not start in 300 s")
                time.sleep(0.2)  # polling a socket, not waiting on the UI
        assert status == 200 and b'"status":"ok"' in body
        assert _get(base + "/")[0] == 200
        callback = (
            b'{"output":"overview-kpis.children","outputs":{"id":"overview-kpis",'
            b'"property":"children"},"inputs":[{"id":"filters-store","property":"data",'
            b'"value":{}}],"changedPropIds":[]}'
        )
        status, body = _get(base + "/_dash-update-component", callback)
        assert status == 200 and b"Workers remediated" in body
    finally:
        server.send_signal(signal.SIGTERM)
        _out, err = server.communicate(timeout=120)
    assert server.returncode == 0, err
    assert "Shutting down" in err or "Handling signal" in err


def test_cl006_serve_refuses_a_demo_database_and_says_why(small_url):
    result = run("serve", "--bind", f"127.0.0.1:{_free_port()}", "--database-url", small_url)
    assert result.returncode == 2
    assert "demonstration data" in result.stderr and "not ILM figures" in result.stderr
    assert "--allow-demo" in result.stderr and "python -m dashboard import" in result.stderr
    assert "Booting worker" not in result.stderr + result.stdout


def test_cl012_serve_refuses_the_networks_data_without_a_public_address(imported_url):
    """Real numbers are cited: their citations and embed links must name the site."""
    env = {"PUBLIC_URL": "", "TRUSTED_HOSTS": ""}
    args = ("serve", "--bind", f"127.0.0.1:{_free_port()}", "--database-url", imported_url)
    result = run(*args, env=env)
    assert result.returncode == 2
    assert "PUBLIC_URL" in result.stderr and "--relative-links" in result.stderr
    assert "Booting worker" not in result.stderr + result.stdout
    assert "--relative-links" in run("serve", "--help").stdout


def test_cl007_app_py_listens_on_host_and_port(small_url):
    port = _free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "DATABASE_URL": small_url}
    server = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"python app.py did not answer on PORT={port}")
                time.sleep(0.2)  # polling a socket, not waiting on the UI
        assert status == 200 and b'"status":"ok"' in body
    finally:
        server.terminate()
        server.communicate(timeout=120)


def test_cl008_app_py_refuses_a_port_that_is_not_a_number():
    env = {**os.environ, "PORT": "eighty"}
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0
    assert "PORT='eighty' is not a port number" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as-of", "2099-01"), "--as-of 2099-01 is in the future"),
        (("--as-of", "2024-06"), "--as-of must be 2024-12 or later"),
        (("--cases", "999"), "the demo needs at least 1,000 cases"),
    ],
)
def test_cl009_demo_refuses_a_spec_it_cannot_build_and_writes_nothing(tmp_path, args, message):
    result = run("demo", *args, "--database-url", f"sqlite:///{tmp_path}/x.sqlite3")
    assert result.returncode == 1
    assert f"demo: {message}" in result.stderr
    assert not (tmp_path / "x.sqlite3").exists()


def test_cl010_help_of_the_writing_commands_names_their_overrides():
    assert "--force" in run("demo", "--help").stdout
    assert "--accept-shrink" in run("import", "--help").stdout


def _app(url: str):
    return SimpleNamespace(server=SimpleNamespace(config={"DATABASE_URL": url}))


def test_cl011_first_run_builds_again_over_a_file_without_data(tmp_path, monkeypatch, small_url):
    empty = f"sqlite:///{tmp_path}/ilm.sqlite3"
    (tmp_path / "ilm.sqlite3").write_bytes(b"")  # a first build stopped before its commit
    built = []
    monkeypatch.setattr(cli, "build_demo", lambda url, spec, progress: built.append(url))
    cli.ensure_database(_app(empty))
    cli.ensure_database(_app(small_url))
    assert built == [empty]


def test_cl013_a_serving_worker_freezes_its_start_up_heap_and_collects_fully_less_often():
    """What `serve` does in each worker after building its app (dashboard.factory.
    settle_heap), in a process of its own: frozen objects would never be freed here."""
    script = (
        "import gc, json\n"
        "from dashboard.factory import FULL_COLLECTION_EVERY, settle_heap\n"
        "before = gc.get_threshold()\n"
        "settle_heap()\n"
        "print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count(),"
        " FULL_COLLECTION_EVERY]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    before, after, frozen, every = json.loads(out.stdout)
    assert after[:2] == before[:2], "the young generations are collected as often as before"
    assert after[2] == every > before[2]
    assert frozen > 1000, "the modules and objects alive at start-up are out of collections"
