"""Release notes: what changed in the published numbers from one data version to the next.

Only the newest data version can be asked for numbers (an import replaces the rows), so
each version's published headline table is kept when this server first sees it: the
protected answers of `DataAccess.aggregates`, nothing else, written to disk (`RELEASES_DIR`)
under the version, its checksum and the disclosure rules. The notes of a version compare
its table with the one kept for the version before it. Every comparison is of published
values: two published counts may each be off by up to the noise bound, so a difference of
no more than twice the bound is not called a change; a value shown as a larger cell's
(rule 3, "≈") is not compared at all; a cell withheld in one version and published in the
other is reported as such, never as a number.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

from data_access import taxonomy
from data_access.query import DataAccess, VersionInfo
from layouts.format import corridor_label, month_label
from layouts.i18n import _

log = logging.getLogger(__name__)

FORMAT = 1  # of the stored files; a new format is a new file name
HEADLINE_MEASURES = ("cases", "workers_affected", "cases_remediated", "workers_remediated")
# The breakdowns kept of each headline measure ("total" is the measure without one).
HEADLINE_BY = ("total", "country", "nationality", "industry", "issue", "corridor", "month")
# Breakdowns whose largest changes the notes list, and those whose newly published rows.
CHANGE_BY = ("country", "nationality", "industry", "issue")
NEWLY_BY = ("corridor", "issue", "country", "nationality", "industry")
LARGEST = 5  # largest changes listed per measure
REVISIONS = 6  # revised months listed per measure, at most


def measure_label(measure: str) -> str:
    return {
        "cases": _("Cases"),
        "workers_affected": _("Workers affected"),
        "cases_remediated": _("Cases remediated"),
        "workers_remediated": _("Workers covered by remediation"),
    }.get(measure, measure)


def breakdown_label(by: str) -> str:
    return {
        "total": _("All cases"),
        "country": _("Country of work"),
        "nationality": _("Nationality"),
        "industry": _("Industry"),
        "issue": _("Issue"),
        "corridor": _("Corridor"),
        "month": _("Month"),
    }.get(by, by)


def code_label(by: str, code: str) -> str:
    """A row's code in words, in the interface language."""
    names = {
        "country": taxonomy.COUNTRIES,
        "nationality": taxonomy.NATIONALITIES,
        "industry": taxonomy.INDUSTRIES,
        "issue": taxonomy.issue_names(),
    }.get(by)
    if names is not None and code in names:
        return _(names[code])
    if by == "corridor":
        return corridor_label(code)
    if by == "month":
        return month_label(code)
    return code


def params_key(data: DataAccess) -> str:
    return hashlib.sha256(repr(data.params).encode()).hexdigest()[:12]


def noise_bound(params: dict) -> int:
    """The largest difference two published values of unchanged records can show: each
    carries noise of at most ±noise (sums of workers: the same per-case factors in both
    versions, since they are fixed by each record's key, plus the count noise)."""
    return 2 * int(params["noise"])


def snapshot(data: DataAccess) -> dict:
    """The published headline table of the data version loaded now (protected values)."""
    info = data.version()
    bys = [() if by == "total" else (by,) for by in HEADLINE_BY]
    tables: dict[str, dict] = {}
    for measure in HEADLINE_MEASURES:
        results = data.aggregates(measure, bys)
        tables[measure] = {
            name: {
                "refused": result.refused,
                "cells": {
                    "|".join(keys) or "total": [p.value, p.reason] for keys, p in result.rows
                },
            }
            for name, result in zip(HEADLINE_BY, results)
        }
    return {
        "format": FORMAT,
        "version": info.version,
        "checksum": info.checksum,
        "as_of": info.as_of,
        "loaded_at": info.loaded_at,
        "synthetic": info.synthetic,
        "params": asdict(data.params),
        "tables": tables,
    }


def _own(cell) -> int | None:
    """A cell's published value when it is its own (not withheld, not a larger cell's)."""
    if cell is None:
        return None
    value, reason = cell
    return value if value is not None and reason is None else None


def _published(cell) -> bool:
    return cell is not None and cell[0] is not None


def compare(previous: dict | None, current: dict) -> dict:
    """The notes of `current` against `previous` (None: no earlier version to compare)."""
    notes: dict = {
        "version": current["version"],
        "as_of": current["as_of"],
        "loaded_at": current["loaded_at"],
        "synthetic": current["synthetic"],
        "previous_version": previous["version"] if previous else None,
        "previous_as_of": previous["as_of"] if previous else None,
        "compared": False,
        "not_compared": None,
        "noise_bound": noise_bound(current["params"]),
        "headline": [],
        "largest_changes": [],
        "newly_published": [],
        "no_longer_published": [],
        "revisions": [],
    }
    if previous is None:
        notes["not_compared"] = "first"
        return notes
    if previous["params"] != current["params"]:
        notes["not_compared"] = "rules_changed"
        return notes
    notes["compared"] = True
    bound = notes["noise_bound"]

    def change(measure: str, by: str, code: str) -> dict | None:
        old = previous["tables"][measure][by]["cells"].get(code)
        new = current["tables"][measure][by]["cells"].get(code)
        a, b = _own(old), _own(new)
        if a is None or b is None:
            return None
        return {"measure": measure, "by": by, "code": code, "previous": a, "current": b}

    for measure in HEADLINE_MEASURES:
        row = change(measure, "total", "total")
        if row is not None:
            row["change"] = row["current"] - row["previous"]
            row["beyond_noise"] = abs(row["change"]) > bound
            notes["headline"].append(row)
        moved = []
        for by in CHANGE_BY:
            for code in current["tables"][measure][by]["cells"]:
                row = change(measure, by, code)
                if row is not None and abs(row["current"] - row["previous"]) > bound:
                    row["change"] = row["current"] - row["previous"]
                    moved.append(row)
        moved.sort(key=lambda r: (-abs(r["change"]), r["by"], r["code"]))
        notes["largest_changes"] += moved[:LARGEST]
        revised = []
        for code in current["tables"][measure]["month"]["cells"]:
            if code > previous["as_of"]:
                continue  # a month the previous version did not cover: new, not revised
            row = change(measure, "month", code)
            if row is not None and abs(row["current"] - row["previous"]) > bound:
                row["change"] = row["current"] - row["previous"]
                revised.append(row)
        revised.sort(key=lambda r: (-abs(r["change"]), r["code"]))
        notes["revisions"] += revised[:REVISIONS]
    # Rows of the cases table that crossed the line between withheld and published.
    for by in NEWLY_BY:
        old_cells = previous["tables"]["cases"][by]["cells"]
        for code, cell in current["tables"]["cases"][by]["cells"].items():
            was, now = _published(old_cells.get(code)), _published(cell)
            if now and not was:
                notes["newly_published"].append({"by": by, "code": code})
            elif was and not now:
                notes["no_longer_published"].append({"by": by, "code": code})
        for code, cell in old_cells.items():
            if code not in current["tables"]["cases"][by]["cells"] and _published(cell):
                notes["no_longer_published"].append({"by": by, "code": code})
    return notes


class Store:
    """Each version's published headline table and notes, on disk (in memory when the
    folder cannot be written), computed once per version, checksum and rule set."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._memory: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._warned = False

    def _name(self, version: int, checksum: str, params: str) -> str:
        digest = hashlib.sha256(f"{version}|{checksum}".encode()).hexdigest()[:12]
        return f"release-f{FORMAT}-v{version}-{digest}-{params}.json"

    def _read(self, name: str) -> dict | None:
        if name in self._memory:
            return self._memory[name]
        try:
            value = json.loads((self.folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        self._memory[name] = value
        return value

    def _write(self, name: str, value: dict) -> None:
        self._memory[name] = value
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".release-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(value, handle)
            os.replace(tmp, self.folder / name)
        except OSError as exc:
            if not self._warned:
                self._warned = True
                log.warning("release notes kept in memory only: %s: %s", self.folder, exc)

    def entry(self, info: VersionInfo, params: str) -> dict | None:
        """What is kept for a version: {"snapshot", "notes"}, or None."""
        return self._read(self._name(info.version, info.checksum, params))

    def ensure(self, data: DataAccess) -> dict:
        """The current version's entry, computed (from protected answers) if it is new."""
        info = data.version()
        params = params_key(data)
        name = self._name(info.version, info.checksum, params)
        found = self._read(name)
        if found is not None:
            return found
        with self._lock:
            found = self._read(name)
            if found is not None:
                return found
            current = snapshot(data)
            # The newest earlier version this server kept (normally the one before).
            earlier = [v for v in data.versions() if v.version < info.version]
            previous = None
            for candidate in earlier:
                kept = self.entry(candidate, params)
                if kept is not None:
                    previous = kept["snapshot"]
                    break
            value = {"snapshot": current, "notes": compare(previous, current)}
            if previous is None and earlier:
                value["notes"]["not_compared"] = "previous_not_recorded"
            self._write(name, value)
            return value

    def history(self, data: DataAccess) -> list[tuple[VersionInfo, dict | None]]:
        """Every loaded data version, newest first, with its notes when they were kept."""
        self.ensure(data)
        params = params_key(data)
        out = []
        for info in data.versions():
            entry = self.entry(info, params)
            out.append((info, entry["notes"] if entry else None))
        return out


def sentences(notes: dict | None) -> list[str]:
    """The notes in words, in the interface language (a page, a feed entry)."""
    if notes is None:
        return [_("No notes were recorded for this version: this server did not publish it.")]
    reason = notes["not_compared"]
    if reason == "first":
        return [_("The first data version published: there is no earlier one to compare.")]
    if reason == "rules_changed":
        return [_("The disclosure rules changed with this version: its numbers are not compared.")]
    if reason == "previous_not_recorded":
        return [
            _(
                "The numbers published for the previous data version were not recorded by "
                "this server, so no comparison is made."
            )
        ]
    bound = notes["noise_bound"]
    out = [
        _(
            "Compared with data version {previous} (as of {as_of}). Differences of {bound} or "
            "less are within the noise of the disclosure rules and are not called changes."
        ).format(
            previous=notes["previous_version"],
            as_of=month_label(notes["previous_as_of"]),
            bound=bound,
        )
    ]
    for row in notes["headline"]:
        if row["beyond_noise"]:
            out.append(
                _("{measure}: {previous:,} → {current:,} ({change:+,}).").format(
                    measure=measure_label(row["measure"]), **_numbers(row)
                )
            )
        else:
            out.append(
                _("{measure}: no change beyond the noise.").format(
                    measure=measure_label(row["measure"])
                )
            )
    return out


def _numbers(row: dict) -> dict:
    return {"previous": row["previous"], "current": row["current"], "change": row["change"]}
