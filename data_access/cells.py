"""Cells of the release: canonical definitions, the cells they nest in, and exact sums.

A published number is the protected value of one *cell*: a set of records given by a
definition (a family of records, a time period and conditions on their attributes). The
definition is canonical, so two questions that describe the same records by the same
conditions get the same cell and therefore the same published value, and a condition
implied by another (a supply-chain tier implies the employment stage, a remediation
route implies the case was remediated) is written once.

`parents` lists the cells a cell nests in one step away: the same definition with one
condition relaxed (a filter dropped, a month widened to its quarter, a quarter to its
year, an issue to its theme, a status to the statuses it belongs to). The differencing
guard of data_access.disclosure compares a cell with each of them.

`Resolver` computes exact sums of many cells in few queries: cells of the same shape
(family, item, time grain and the attributes they constrain) share one grouped query on
the smallest pre-aggregated cube that holds those columns (data_access.schema).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Engine, func, select

from data_access import schema, taxonomy
from data_access.outcomes import RAISED_STATUSES

RECEIVED = "received"  # cases, by the month they were received
RESOLVED = "resolved"  # remediated cases, by the month they were resolved
CONTACTS = "contacts"  # contacts with the channels, by month

RAISED = "@raised"  # every status past intake (data_access.outcomes.RAISED_STATUSES)
# Attributes a cell may constrain, by family; the order is the canonical order.
CASE_ATTRS = (
    "stage",
    "destination",
    "origin",
    "nationality",
    "industry",
    "channel",
    "tier",
    "status",
    "validated",
    "route",
    "ttr",
    "issue",
    "theme",
)
CONTACT_ATTRS = ("nationality", "channel", "language")
ITEMS = ("issue", "theme")  # a case may have several: cells of an item are not additive
TIME_GRAINS = ("month", "quarter", "year")


class Sums(NamedTuple):
    """Exact aggregates of a cell's records."""

    n: int  # records: cases, or contacts
    key_sum: int  # sum of the records' keys
    perturbed: int  # sum of the cases' workers, each times its own factor
    contributors: int  # distinct records behind n: cases, or contacts rows


ZERO = Sums(0, 0, 0, 0)


@dataclass(frozen=True, order=True)
class Cell:
    family: str
    time: tuple[str, str] | None  # (grain, value): ("month", "2023-05"), ("year", "2023")
    attrs: tuple[tuple[str, str], ...]  # canonical order, one value per attribute

    @property
    def definition(self) -> str:
        """The text the cell's noise is keyed on: the same for the same definition."""
        time = f"{self.time[0]}={self.time[1]}" if self.time else "all"
        return "|".join([self.family, time, *(f"{a}={v}" for a, v in self.attrs)])

    def get(self, attr: str) -> str | None:
        return dict(self.attrs).get(attr)

    @property
    def item(self) -> str | None:
        names = {a for a, _v in self.attrs}
        return next((i for i in ITEMS if i in names), None)

    @property
    def shape(self) -> tuple:
        return (
            self.family,
            self.time[0] if self.time else None,
            tuple(a for a, _v in self.attrs),
        )


def make(family: str, time: tuple[str, str] | None, attrs: dict[str, str]) -> Cell | None:
    """The canonical cell of a definition, or None when no record can meet it."""
    attrs = dict(attrs)
    if family == CONTACTS:
        order = CONTACT_ATTRS
    else:
        order = CASE_ATTRS
        if family == RESOLVED:
            # Every record of the family is remediated: a status condition adds nothing
            # (or excludes everything).
            status = attrs.pop("status", None)
            if status not in (None, "remediated", RAISED):
                return None
        # Only employment-stage cases have a worksite, so a tier.
        if "tier" in attrs and attrs.pop("stage", "employment") != "employment":
            return None
        if "route" in attrs or attrs.get("validated") in ("yes", "no"):
            # Only remediated cases have a route or a validation (data contract).
            if attrs.get("status", "remediated") not in ("remediated", RAISED):
                return None
            attrs.pop("status", None)
        if "ttr" in attrs and attrs.get("status") == RAISED:
            # Only closed cases have a time to remediation, and every closed status is
            # past intake.
            attrs.pop("status")
        if "issue" in attrs and "theme" in attrs:
            if taxonomy.theme_of(attrs["issue"]) != attrs["theme"]:
                raise ValueError("a cell holds an issue or a theme, not both")
            attrs.pop("theme")
    unknown = set(attrs) - set(order)
    if unknown:
        raise ValueError(f"{family} cells have no attribute {sorted(unknown)}")
    return Cell(family, time, tuple((a, attrs[a]) for a in order if a in attrs))


def parents(cell: Cell) -> list[Cell]:
    """The cells `cell` nests in with one condition relaxed (see the module docstring)."""
    out: list[Cell] = []
    attrs = dict(cell.attrs)
    if cell.time is not None:
        out.append(make(cell.family, _wider(cell.time), attrs))
    for attr, value in cell.attrs:
        relaxed = dict(attrs)
        del relaxed[attr]
        if cell.family == RECEIVED:
            if attr == "issue":
                relaxed["theme"] = taxonomy.theme_of(value)
            elif attr == "status" and value in RAISED_STATUSES:
                relaxed["status"] = RAISED
            elif attr == "tier":
                relaxed["stage"] = "employment"
            elif attr == "route" or (attr == "validated" and value in ("yes", "no")):
                relaxed["status"] = "remediated"
        elif cell.family == RESOLVED and attr == "issue":
            relaxed["theme"] = taxonomy.theme_of(value)
        out.append(make(cell.family, cell.time, relaxed))
    return [p for p in out if p is not None and p != cell]


def _wider(time: tuple[str, str]) -> tuple[str, str] | None:
    grain, value = time
    if grain == "month":
        return ("quarter", quarter_of(value))
    if grain == "quarter":
        return ("year", value[:4])
    return None


def quarter_of(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def months_of_quarter(quarter: str) -> list[str]:
    year, q = quarter[:4], int(quarter[-1])
    return [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


# Cube column of each case attribute (the same names but for the worksite's tier).
_CUBE_COLUMN = {a: a for a in CASE_ATTRS}


class Resolver:
    """Exact sums of cells, read from the cubes (cases) and the contacts table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def sums(self, cells: Iterable[Cell]) -> dict[Cell, Sums]:
        by_shape: dict[tuple, set[Cell]] = defaultdict(set)
        for cell in cells:
            by_shape[cell.shape].add(cell)
        out: dict[Cell, Sums] = {}
        with self.engine.connect() as conn:
            for shape, members in by_shape.items():
                out.update(self._shape(conn, shape, members))
        return out

    def _shape(self, conn, shape: tuple, cells: set[Cell]) -> dict[Cell, Sums]:
        family, grain, names = shape
        if family == CONTACTS:
            table = schema.contacts
            columns = {a: table.c[a] for a in names}
            time_col = table.c.month
            aggregates = (
                func.sum(table.c["count"]),
                func.sum(table.c.record_key),
                func.sum(0),
                func.count(),
            )
        else:
            item = next((i for i in ITEMS if i in names), None)
            needed = {_CUBE_COLUMN[a] for a in names if a not in ITEMS}
            if grain is not None:
                needed.add("year" if grain == "year" else "month")
            source = "received" if family == RECEIVED else "remediated"
            spec = schema.covering_cube(source, item is not None, needed, item or "issue")
            table = schema.cube_tables[spec.name]
            columns = {a: table.c[a if a in ITEMS else _CUBE_COLUMN[a]] for a in names}
            time_col = table.c.year if spec.grain == "year" else table.c.month
            aggregates = (
                func.sum(table.c.n_cases),
                func.sum(table.c.key_sum),
                func.sum(table.c.pworkers),
                func.sum(table.c.n_cases),
            )
        group = list(columns.values())
        query = select(*group)
        if grain is not None:
            if grain == "year" and time_col.name == "month":
                time_expr = func.substr(time_col, 1, 4)
            else:
                time_expr = time_col
            group.insert(0, time_expr)
            query = select(*group)
            wanted = set()
            for cell in cells:
                _g, value = cell.time
                if grain == "quarter":
                    wanted.update(months_of_quarter(value))
                else:
                    wanted.add(value)
            query = query.where(time_expr.in_(sorted(wanted)))
        for attr, column in columns.items():
            values = set()
            for cell in cells:
                value = cell.get(attr)
                values.update(RAISED_STATUSES if value == RAISED else (value,))
            query = query.where(column.in_(sorted(values)))
        query = query.add_columns(*aggregates)
        if group:
            query = query.group_by(*group)
        index = {self._key(cell): cell for cell in cells}
        acc: dict[Cell, list[int]] = {cell: [0, 0, 0, 0] for cell in cells}
        k = len(group)
        for row in conn.execute(query).all():
            if row[k] is None:
                continue
            values = list(row[:k])
            if grain is not None:
                time = values.pop(0)
                time = quarter_of(time) if grain == "quarter" else time
                options = [[time]]
            else:
                options = []
            for attr, value in zip(names, values):
                option = [value]
                if attr == "status" and value in RAISED_STATUSES:
                    option.append(RAISED)
                options.append(option)
            for key in itertools.product(*options):
                cell = index.get(tuple(key))
                if cell is not None:
                    total = acc[cell]
                    for i in range(4):
                        total[i] += int(row[k + i] or 0)
        return {cell: Sums(*total) for cell, total in acc.items()}

    @staticmethod
    def _key(cell: Cell) -> tuple:
        key = [cell.time[1]] if cell.time else []
        return tuple(key + [v for _a, v in cell.attrs])
