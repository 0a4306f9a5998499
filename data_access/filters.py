"""The global filters: one selection, checked against the release's rules before any query.

The same names are used in the dashboard's URL query string and the public API, so a
selection reads the same wherever it is written down.

The selections a reader may ask for are bounded (docs/methodology.md, "The protected
release"): a period is all the data or one calendar year, never a free month range, and
at most `MAX_FINE_FILTERS` of the fine filters are combined. Fewer routes to the same
small group of cases leave fewer differently-perturbed copies of it to average.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from data_access import taxonomy

# Rule names, as the API's error answers and the methodology name them.
RULE_VALUE = "allowed_values"
RULE_PERIOD = "fixed_periods"
RULE_FINE_FILTERS = "fine_filter_cap"
RULE_SPARSITY = "sparsity"

YEAR_RE = re.compile(r"[0-9]{4}", re.ASCII)
# Filters that narrow by a case attribute with many values; combined, they single out
# small groups. The corridor counts once (it names both ends of the journey).
FINE_FILTERS = ("country", "nationality", "industry", "corridor", "issue", "channel")
MAX_FINE_FILTERS = 2


class InvalidParameter(ValueError):
    """A filter or query parameter with a value that is not allowed.

    `rule` names the release rule it breaks (`RULE_*`), so the API can say which.
    """

    def __init__(self, parameter: str, value: object, allowed: str, rule: str = RULE_VALUE):
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        self.rule = rule
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

    period: str | None = None  # a calendar year, YYYY; None: every month loaded
    country: str | None = None  # country of work (worksite or destination)
    nationality: str | None = None
    industry: str | None = None
    origin: str | None = None  # corridor: both origin and destination, or neither
    destination: str | None = None
    issue: str | None = None
    channel: str | None = None
    stage: str | None = None

    def __post_init__(self) -> None:
        if self.period is not None and not (
            isinstance(self.period, str) and YEAR_RE.fullmatch(self.period)
        ):
            raise InvalidParameter(
                "period", self.period, "a calendar year as YYYY, or all", RULE_PERIOD
            )
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
        if self.origin is not None and self.origin == self.destination:
            raise InvalidParameter("corridor", self.corridor, "two different countries")
        if self.origin is not None and self.country is not None:
            raise InvalidParameter(
                "country",
                self.country,
                "no country of work beside a corridor: the corridor names it",
                RULE_FINE_FILTERS,
            )
        active = self.fine()
        if len(active) > MAX_FINE_FILTERS:
            raise InvalidParameter(
                ",".join(active),
                ",".join(str(self.value_of(n)) for n in active),
                f"at most {MAX_FINE_FILTERS} of {', '.join(FINE_FILTERS)} at once",
                RULE_FINE_FILTERS,
            )

    @property
    def corridor(self) -> str | None:
        return f"{self.origin}-{self.destination}" if self.origin else None

    def value_of(self, name: str) -> str | None:
        """A filter's value by its URL name (the corridor as ORIGIN-DESTINATION)."""
        return self.corridor if name == "corridor" else getattr(self, name)

    def fine(self) -> tuple[str, ...]:
        """The fine filters that are set, by URL name."""
        return tuple(name for name in FINE_FILTERS if self.value_of(name) is not None)

    def active(self) -> dict[str, str]:
        """The filters that narrow the selection, by field name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def without(self, *names: str) -> Filters:
        return replace(self, **{n: None for n in names})

    def key(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self))


def check_fine(names: list[str]) -> None:
    """Refuse a selection that would combine more than the allowed fine filters."""
    if len(names) > MAX_FINE_FILTERS:
        raise InvalidParameter(
            ",".join(names),
            "",
            f"at most {MAX_FINE_FILTERS} of {', '.join(FINE_FILTERS)} at once",
            RULE_FINE_FILTERS,
        )
