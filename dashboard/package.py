"""The whole publication as one download: `/download/package.zip`, a Frictionless data
package of the current data version.

Every table is an answer of `DataAccess.aggregates` written exactly as the API's CSV
writes it (`/api/v1/aggregates?measure=M&by=B&format=csv`, byte for byte): every measure
with no breakdown, with each breakdown it allows, and with each of those crossed with
the year, for all periods and no filter. A table the release refuses as too sparse is
left out and named in the README. Beside the tables: a codebook of every measure,
breakdown and code, the methodology, the disclosure parameters, the citation and the
licence, all described by `datapackage.json`.

The zip is built once per data version, checksum, rule set, language and public address,
and kept on disk (`RELEASES_DIR`; in memory when the folder cannot be written): a request
for the same version is answered from the kept file.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import io
import json
import logging
import os
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Blueprint, Response

from dashboard.api import breakdowns, csv_answer, disclosure, measures
from dashboard.config import ROOT
from dashboard.exports import public_url
from dashboard.releases_web import no_data_response
from data_access.filters import Filters
from data_access.query import BREAKDOWN_CODES, TIME_DIMS, DataAccess, NoData, VersionInfo
from layouts import csvfile, ids
from layouts.i18n import _, language
from layouts.provenance import (
    DASHBOARD_NAME,
    LICENCE,
    LICENCE_URL,
    PUBLISHER,
    citation,
    file_suffix,
    synthetic_explanation,
    synthetic_label,
)

log = logging.getLogger(__name__)

FORMAT = 1
PATH_PACKAGE = ids.PATH_PACKAGE
METHODOLOGY = ROOT / "docs" / "methodology.md"
CODES = BREAKDOWN_CODES  # the codebook lists each breakdown's code list
PATTERNS = {
    "month": r"^[0-9]{4}-[0-9]{2}$",
    "quarter": r"^[0-9]{4}-Q[1-4]$",
    "year": r"^[0-9]{4}$",
    "corridor": r"^[A-Z]{2}-[A-Z]{2}$",
}


def measure_definitions() -> dict[str, str]:
    return {
        "contacts": _("Worker contacts with the network's channels (calls, messages, visits)."),
        "cases": _("Cases received: a worker's or group's report, counted once."),
        "workers_affected": _("Workers affected by the cases received (with noise per case)."),
        "cases_remediated": _("Cases remediated, counted in the month they were resolved."),
        "workers_remediated": _("Workers covered by the cases remediated."),
        "remediations_validated": _(
            "Cases remediated whose workers confirmed the remediation, by month resolved."
        ),
        "cases_raised": _("Cases received that were raised with an employer or recruiter."),
        "cases_received_remediated": _("Cases received that have since been remediated."),
        "cases_received_validated": _(
            "Cases received that have since been remediated and validated by the workers."
        ),
    }


def tables() -> list[tuple[str, tuple[str, ...]]]:
    """Every table of the package: (measure, breakdown), in a fixed order."""
    out = []
    for measure in measures():
        names = breakdowns(measure)
        out.append((measure, ()))
        out += [(measure, (b,)) for b in names]
        out += [(measure, (b, "year")) for b in names if b not in TIME_DIMS]
    return out


def resource_name(measure: str, by: tuple[str, ...]) -> str:
    return f"{measure}-by-{'-'.join(by)}".replace("_", "-") if by else measure.replace("_", "-")


def _field(name: str) -> dict:
    field: dict = {"name": name, "type": "string"}
    if name in CODES:
        field["constraints"] = {"required": True, "enum": list(CODES[name])}
        field["description"] = _("A code of the {name} list (codebook.csv).").format(name=name)
    elif name in PATTERNS:
        field["constraints"] = {"required": True, "pattern": PATTERNS[name]}
    return field


def _value_field(measure: str, k: int) -> dict:
    return {
        "name": measure,
        "type": "string",
        "description": _(
            "The protected value as the API's CSV writes it: digits; “<{k}” withheld for "
            "fewer than {k} cases (or none); “withheld” within {k} of a larger number; "
            "“≈” before a larger cell's number shown for that reason."
        ).format(k=k),
        "constraints": {"required": True, "pattern": rf"^([0-9]+|<{k}|withheld|≈[0-9]+)$"},
    }


def codebook_rows(k: int) -> list[list[str]]:
    rows = [["list", "code", "label", "description"]]
    for name, text in measure_definitions().items():
        rows.append(["measure", name, name.replace("_", " "), text])
    every = sorted({b for m in measures() for b in breakdowns(m)})
    for name in every:
        allowed = ", ".join(m for m in measures() if name in breakdowns(m))
        rows.append(
            ["breakdown", name, name, _("A breakdown of: {measures}.").format(measures=allowed)]
        )
    for name in sorted(CODES):
        if name in ("origin", "destination"):
            continue  # the country list
        for code, label in CODES[name].items():
            rows.append([name, code, _(label), ""])
    near = _("Withheld: within {k} of a larger number.").format(k=k)
    rows += [
        ["value", f"<{k}", f"<{k}", _("Withheld: fewer than {k} cases, or none.").format(k=k)],
        ["value", "withheld", "withheld", near],
        ["value", "≈N", "≈N", _("Shown as the number N of a slightly larger selection.")],
    ]
    return rows


def build(data: DataAccess, url: str) -> bytes:
    """The package of the data version loaded now, as zip bytes."""
    info = data.version()
    k = data.params.k
    files: dict[str, bytes] = {}
    resources: list[dict] = []
    refused: list[str] = []
    dialect: dict = {"delimiter": ",", "header": True}
    if info.synthetic:
        # The demo's first line is a comment ("# Demonstration data: ..."); the header is
        # named as the second row, or the comma in that line misleads header detection.
        dialect.update({"commentChar": "#", "headerRows": [2]})
    by_measure: dict[str, list[tuple[str, ...]]] = {}
    for measure, by in tables():
        by_measure.setdefault(measure, []).append(by)
    for measure, bys in by_measure.items():
        for by, result in zip(bys, data.aggregates(measure, bys, Filters())):
            name = resource_name(measure, by)
            if result.refused:
                refused.append(name)
                continue
            path = f"data/{name}.csv"
            files[path] = csv_answer(result, k, info.synthetic).encode()
            resources.append(
                {
                    "name": name,
                    "path": path,
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "dialect": dict(dialect),
                    "description": measure_definitions()[measure],
                    "schema": {
                        "fields": [*(_field(b) for b in by), _value_field(measure, k)],
                        "primaryKey": list(by) or None,
                    },
                }
            )
            if not by:
                del resources[-1]["schema"]["primaryKey"]
    files["codebook.csv"] = csvfile.text(codebook_rows(k)).encode()
    resources.append(
        {
            "name": "codebook",
            "path": "codebook.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": _("Every measure, breakdown, code and value notation."),
            "schema": {
                "fields": [
                    {"name": n, "type": "string"} for n in ("list", "code", "label", "description")
                ]
            },
        }
    )
    cite = citation(
        _("the whole publication"), Filters(), info, url, dt.datetime.now(dt.UTC).date()
    )
    rules = {"data_version": info.version, "as_of": info.as_of, **disclosure(data)}
    files["disclosure.json"] = json.dumps(rules, indent=2, ensure_ascii=False).encode()
    files["methodology.md"] = METHODOLOGY.read_bytes()
    files["CITATION.txt"] = f"{cite.text}\n\n{cite.bibtex}\n".encode()
    files["LICENSE.txt"] = (
        _("The published numbers are licensed under {licence}: {url}").format(
            licence=LICENCE, url=LICENCE_URL
        )
        + "\n"
    ).encode()
    files["README.md"] = readme(info, rules, len(resources) - 1, refused, cite.text).encode()
    for path, name, mediatype, text in (
        ("README.md", "readme", "text/markdown", _("What the package holds, and how to read it.")),
        ("methodology.md", "methodology", "text/markdown", _("How the numbers are made.")),
        ("disclosure.json", "disclosure", "application/json", _("The disclosure parameters.")),
        ("CITATION.txt", "citation", "text/plain", _("How to cite the package.")),
        ("LICENSE.txt", "licence", "text/plain", _("The licence of the published numbers.")),
    ):
        resources.append(
            {
                "name": name,
                "path": path,
                "format": path.rsplit(".", 1)[1],
                "mediatype": mediatype,
                "description": text,
            }
        )
    for resource in resources:
        resource["bytes"] = len(files[resource["path"]])
        resource["hash"] = hashlib.md5(files[resource["path"]]).hexdigest()
    title = _("{name}: the whole publication, data version {version}").format(
        name=_(DASHBOARD_NAME), version=info.version
    )
    description = _(
        "Every published table of the data version as of {as_of}, protected by the "
        "release's disclosure control, as the public API gives it."
    ).format(as_of=info.as_of)
    if info.synthetic:
        title = f"{synthetic_label()}: {title}"
        description = f"{synthetic_label()}. {synthetic_explanation()} {description}"
    package = {
        "name": f"ilm-community-dashboard-v{info.version}{file_suffix(info.synthetic)}",
        "title": title,
        "description": description,
        "version": str(info.version),
        "created": _created(info),
        "homepage": url or "/",
        "keywords": ["migrant workers", "worker voice", "labour rights"],
        "licenses": [{"name": "CC-BY-4.0", "path": LICENCE_URL, "title": LICENCE}],
        "contributors": [{"title": PUBLISHER, "role": "publisher"}],
        "sources": [{"title": source_title(info)}],
        "synthetic": info.synthetic,
        "refused_tables": refused,
        "resources": resources,
    }
    files["datapackage.json"] = json.dumps(package, indent=2, ensure_ascii=False).encode()
    out = io.BytesIO()
    stamp = (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in ["datapackage.json", *sorted(p for p in files if p != "datapackage.json")]:
            archive.writestr(zipfile.ZipInfo(path, stamp), files[path], zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _created(info: VersionInfo) -> str:
    try:
        when = dt.datetime.fromisoformat(info.loaded_at)
    except ValueError:
        return "1970-01-01T00:00:00Z"
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def source_title(info: VersionInfo) -> str:
    if info.synthetic:
        return _("Generated by the ILM Community Dashboard's demo: not ILM figures")
    return _("Inclusive Labor Monitoring (ILM) network worker-voice channels")


def readme(info: VersionInfo, rules: dict, n_tables: int, refused: list[str], cite: str) -> str:
    lines = []
    if info.synthetic:
        lines += [f"**{synthetic_label()}.** {synthetic_explanation()}", ""]
    lines += [
        f"# {_(DASHBOARD_NAME)}: " + _("data version {version}").format(version=info.version),
        "",
        _(
            "Data as of {as_of}, loaded {loaded}. {n} tables in data/, each exactly as the "
            "public API answers /api/v1/aggregates with the same measure and breakdown, all "
            "periods and no filter (format=csv)."
        ).format(as_of=info.as_of, loaded=info.loaded_at[:10], n=n_tables),
        "",
        "- datapackage.json: " + _("the Frictionless description of every file"),
        "- codebook.csv: " + _("every measure, breakdown and code"),
        "- methodology.md: " + _("how the numbers are made"),
        "- disclosure.json: " + _("the disclosure parameters"),
        "- CITATION.txt, LICENSE.txt",
        "",
        "## " + _("Disclosure control"),
        "",
        rules["rule"],
        "",
    ]
    if info.synthetic:
        lines += [
            _("Files of demonstration data start with a `#` line saying so (comment lines)."),
            "",
        ]
    if refused:
        lines += [
            "## " + _("Tables not published"),
            "",
            _("Too sparse to publish (most cells would be withheld): {names}.").format(
                names=", ".join(refused)
            ),
            "",
        ]
    lines += [
        "## " + _("Citation and licence"),
        "",
        cite,
        "",
        f"{LICENCE} ({LICENCE_URL})",
        "",
    ]
    return "\n".join(lines)


class Packages:
    """The package of each data version, built once and kept on disk."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._memory: dict[str, bytes] = {}
        self.builds = 0  # packages built by this process (the tests read it)
        self.last_build_seconds: float | None = None

    def key(self, data: DataAccess, url: str) -> tuple[VersionInfo, str]:
        info = data.version()
        text = repr((FORMAT, info.version, info.checksum, data.params, language(), url))
        return info, f"package-v{info.version}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"

    def get(self, data: DataAccess, url: str) -> tuple[VersionInfo, bytes]:
        info, name = self.key(data, url)
        found = self._read(name)
        if found is not None:
            return info, found
        # One build at a time in this process, and across the deployment's processes on
        # this host (a lock file beside the packages): the others then find it kept.
        with self._lock, self._folder_lock():
            found = self._read(name)
            if found is not None:
                return info, found
            started = time.perf_counter()
            body = build(data, url)
            self.last_build_seconds = time.perf_counter() - started
            self.builds += 1
            log.info("built %s in %.1f s (%d bytes)", name, self.last_build_seconds, len(body))
            self._write(name, body)
            return info, body

    @contextmanager
    def _folder_lock(self) -> Iterator[None]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = open(self.folder / ".package.lock", "a")  # noqa: SIM115 (held below)
        except OSError:
            yield  # an unwritable folder: this process's lock only
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            handle.close()  # releases the lock

    def _read(self, name: str) -> bytes | None:
        if name in self._memory:
            return self._memory[name]
        try:
            return (self.folder / f"{name}.zip").read_bytes()
        except OSError:
            return None

    def _write(self, name: str, body: bytes) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".package-", suffix=".zip")
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            os.replace(tmp, self.folder / f"{name}.zip")
            # One package is served at a time: the previous versions' go (their tables
            # are no longer published; the release notes keep what changed).
            for old in self.folder.glob("package-v*.zip"):
                if old.name != f"{name}.zip":
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("data package kept in memory only: %s: %s", self.folder, exc)
            self._memory.clear()  # one version at a time
            self._memory[name] = body


def blueprint(data: DataAccess, packages: Packages) -> Blueprint:
    """/download/package.zip: rate limited and cached like every download (the factory
    applies dashboard.limits; dashboard.http_cache marks every /download/ answer)."""
    bp = Blueprint("package", __name__)

    @bp.get(PATH_PACKAGE)
    def package_zip():
        info, body = packages.get(data, public_url("", ""))
        suffix = file_suffix(info.synthetic)
        name = f"ilm-community-dashboard-v{info.version}{suffix}.zip"
        return Response(
            body,
            mimetype="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @bp.errorhandler(NoData)
    def _no_data(exc: NoData):
        return no_data_response(str(exc))

    return bp
