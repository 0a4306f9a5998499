"""The global filters: one selection, checked against the taxonomies before any query.

The same names are used in the dashboard's URL query string and (later) the public API,
so a selection reads the same wherever it is written down.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from data_access import contract, taxonomy


class InvalidParameter(ValueError):
    """A filter or query parameter with a value that is not allowed."""

    def __init__(self, parameter: str, value: object, allowed: str) -> None:
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        super().__init__(f"{parameter}={value!r} is not allowed; allowed: {allowed}")


# Filter name -> the code list its value must come from.
CODED_FILTERS: dict[str, str] = {
    "country": "country",
    "nationality": "nationality",
    "industry": "industry",
    "issue": "issue",
    "channel": "channel",
    "stage": "stage",
}


@dataclass(frozen=True)
class Filters:
    """A validated selection. None means "all"."""

    start: str | None = None  # first month, YYYY-MM
    end: str | None = None  # last month, YYYY-MM
    country: str | None = None  # country of work (worksite or destination)
    nationality: str | None = None
    industry: str | None = None
    origin: str | None = None  # corridor: both origin and destination, or neither
    destination: str | None = None
    issue: str | None = None
    channel: str | None = None
    stage: str | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, str) and contract.MONTH_RE.match(value)
            ):
                raise InvalidParameter(name, value, "a month as YYYY-MM")
        if self.start and self.end and self.start > self.end:
            raise InvalidParameter("end", self.end, f"a month not before start {self.start}")
        for name, codes in CODED_FILTERS.items():
            value = getattr(self, name)
            allowed = taxonomy.CODE_LISTS[codes]
            if value is not None and value not in allowed:
                raise InvalidParameter(name, value, ", ".join(sorted(allowed)))
        if (self.origin is None) != (self.destination is None):
            raise InvalidParameter(
                "corridor", f"{self.origin}-{self.destination}", "ORIGIN-DESTINATION"
            )
        for name in ("origin", "destination"):
            value = getattr(self, name)
            if value is not None and value not in taxonomy.COUNTRIES:
                raise InvalidParameter(
                    "corridor", value, "ISO country codes: " + ", ".join(sorted(taxonomy.COUNTRIES))
                )

    @property
    def corridor(self) -> str | None:
        return f"{self.origin}-{self.destination}" if self.origin else None

    def active(self) -> dict[str, str]:
        """The filters that narrow the selection, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def without(self, *names: str) -> Filters:
        return replace(self, **{n: None for n in names})

    def key(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self))
