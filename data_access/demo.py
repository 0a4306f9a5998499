"""A seeded generator of a realistic, de-identified ILM extract for newcomers and tests.

Calibrated to the network's public figures (docs/data-contract.md, "Demo data"):
exactly 282,619 workers remediated in cases resolved in 2022-2024 at the default size
and seed, 10,000-20,000 worker contacts every month, worksites mostly in Thailand,
Malaysia and Myanmar, recruitment corridors from Nepal and its neighbours, a heavy tail
of large cases, and audits that find only a few percent of what workers report -
including one factory with 16 worker-reported issue categories whose audit found none.

Cases are generated in fixed-size batches, each from its own seeded stream, so memory
stays bounded at any size. The generator runs twice over the same streams. The first pass
measures, for every year, the remediated cases resolved in it, and fits their sizes to a
smooth line: every year gets the same mean of workers remediated per remediated case,
the one that makes 2022-2024 add up to the public figure exactly. Fitting swaps a case's
size for a fresh draw from the same distribution when that brings the year closer to its
line, then moves the last few workers within cases (never past a case's workers affected
or the 5,000-worker cap): the volume is generated, not rescaled, so the trend has no step
at 2022 or 2025. The first pass also notes what workers report at each worksite, so the
audits drawn afterwards can find (or miss) what was reported around them. The second pass
yields the rows with the fitted sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from data_access import contract, taxonomy

DEFAULT_CASES = 60_000
MIN_CASES = 1_000
DEFAULT_SEED = 2024
REMEDIATED_TARGET = 282_619
TARGET_FIRST, TARGET_LAST = "2022-01", "2024-12"
FIRST_MONTH = "2019-01"
BATCH = 20_000
MAX_CASE_WORKERS = 5_000  # the heavy tail of workers affected stops here
TAIL_START, TAIL_ALPHA = 20, 0.9  # the tail is Pareto from 20 workers, capped
# Worksites draw reports in proportion to a lognormal weight: some far more than others,
# none dominant (at the default size the busiest holds about 1% of cases).
WORKSITE_SIGMA = 0.8
# Audit findings (see DemoGenerator.audits).
VISIBLE_ISSUES = ("unsafe_work", "poor_living", "no_rest_day")
FOUND_IF_REPORTED = {"visible": 0.2, "other": 0.015}
FOUND_IF_NOT_REPORTED = {"visible": 0.1, "other": 0.005}
# An audit around which workers reported this many categories finds at least one of them
# (all but the silent audit): the silent audit is the one that found none of many.
MANY_REPORTED = 8
AUDIT_WINDOW = 12

# The audited factory whose workers reported 16 issue categories and whose audit found none.
SILENT_AUDIT_WORKSITE = "W000016"
SILENT_AUDIT_ID = "A000016"
SILENT_AUDIT_MONTH = "2023-06"
SILENT_ISSUES = 16

NAT_LANGUAGE = {
    "MM": "my",
    "KH": "km",
    "BD": "bn",
    "NP": "ne",
    "LA": "lo",
    "TH": "th",
    "VN": "vi",
    "IN": "en",
    "ID": "en",
}

# Worksite countries, their industries and the nationalities who work there.
WORK_COUNTRIES = {
    "TH": (
        0.55,
        {
            "seafood": 0.28,
            "food_beverage": 0.2,
            "apparel_footwear": 0.2,
            "electronics": 0.16,
            "agriculture": 0.07,
            "construction": 0.05,
            "other": 0.04,
        },
        {"MM": 0.62, "KH": 0.24, "LA": 0.1, "TH": 0.04},
    ),
    "MY": (
        0.33,
        {
            "electronics": 0.4,
            "apparel_footwear": 0.14,
            "food_beverage": 0.12,
            "seafood": 0.06,
            "agriculture": 0.08,
            "construction": 0.08,
            "other": 0.12,
        },
        {"NP": 0.3, "BD": 0.3, "MM": 0.25, "ID": 0.1, "IN": 0.05},
    ),
    "MM": (
        0.12,
        {"apparel_footwear": 0.7, "food_beverage": 0.12, "seafood": 0.08, "agriculture": 0.1},
        {"MM": 1.0},
    ),
}

# Recruitment corridors: origin -> (weight, destinations with weights).
CORRIDORS = {
    "NP": (
        0.5,
        {
            "KW": 0.2,
            "SA": 0.2,
            "AE": 0.15,
            "QA": 0.15,
            "MY": 0.14,
            # Europe: new, thin corridors (thin enough to be withheld in a small demo).
            "HR": 0.03,
            "BG": 0.015,
            "GR": 0.02,
            "GB": 0.025,
        },
    ),
    "BD": (0.25, {"SA": 0.35, "AE": 0.2, "MY": 0.25, "KW": 0.1, "QA": 0.1}),
    "MM": (0.15, {"TH": 0.7, "MY": 0.3}),
    "KH": (0.1, {"TH": 0.85, "MY": 0.15}),
}
RECRUITMENT_INDUSTRIES = {
    "construction": 0.3,
    "domestic_work": 0.15,
    "agriculture": 0.2,
    "food_beverage": 0.1,
    "electronics": 0.1,
    "other": 0.15,
}

EMPLOYMENT_ISSUES = {
    "wages_unpaid": 0.17,
    "illegal_deductions": 0.1,
    "below_minimum_wage": 0.06,
    "overtime_unpaid": 0.07,
    "excessive_hours": 0.08,
    "no_rest_day": 0.04,
    "documents_retained": 0.06,
    "restricted_movement": 0.03,
    "physical_abuse": 0.02,
    "verbal_abuse": 0.05,
    "sexual_harassment": 0.015,
    "unsafe_work": 0.05,
    "poor_living": 0.05,
    "contract_substitution": 0.04,
    "leave_denied": 0.05,
    "unfair_dismissal": 0.06,
    "freedom_of_association": 0.015,
    "grievance_ignored": 0.03,
    "recruitment_fees": 0.03,
}
RECRUITMENT_ISSUES = {
    "recruitment_fees": 0.34,
    "deception": 0.24,
    "contract_substitution": 0.14,
    "documents_retained": 0.1,
    "wages_unpaid": 0.06,
    "restricted_movement": 0.04,
    "verbal_abuse": 0.04,
    "sexual_harassment": 0.02,
    "physical_abuse": 0.02,
}
CHANNELS_BY_COUNTRY = {
    "TH": {
        "line": 0.34,
        "facebook": 0.3,
        "helpline": 0.2,
        "worker_app": 0.11,
        "outreach": 0.05,
    },
    "MY": {
        "facebook": 0.34,
        "helpline": 0.24,
        "viber": 0.14,
        "worker_app": 0.22,
        "outreach": 0.06,
    },
    "MM": {"facebook": 0.5, "viber": 0.2, "helpline": 0.15, "outreach": 0.15},
    "recruitment": {
        "viber": 0.3,
        "facebook": 0.3,
        "helpline": 0.25,
        "worker_app": 0.15,
    },
}
CONTACT_NATIONALITIES = {
    "MM": 0.42,
    "KH": 0.16,
    "NP": 0.14,
    "BD": 0.11,
    "LA": 0.07,
    "ID": 0.04,
    "TH": 0.03,
    "IN": 0.03,
}
CONTACT_CHANNELS = {
    "facebook": 0.3,
    "line": 0.22,
    "helpline": 0.2,
    "viber": 0.1,
    "worker_app": 0.13,
    "outreach": 0.05,
}
ROUTES_EMPLOYMENT = {
    "employer": 0.5,
    "buyer_escalation": 0.22,
    "union_negotiation": 0.1,
    "government_referral": 0.12,
    "recruitment_agency": 0.06,
}
ROUTES_RECRUITMENT = {
    "recruitment_agency": 0.55,
    "government_referral": 0.3,
    "employer": 0.15,
}


@dataclass(frozen=True)
class DemoSpec:
    cases: int = DEFAULT_CASES
    seed: int = DEFAULT_SEED
    first_month: str = FIRST_MONTH
    last_month: str = ""  # empty: the current month

    @property
    def as_of(self) -> str:
        return self.last_month or contract.current_month()

    def check(self) -> None:
        """Raise ValueError, in words an operator can act on, for a spec that cannot be built."""
        if self.cases < MIN_CASES:
            raise ValueError(f"the demo needs at least {MIN_CASES:,} cases to be realistic")
        if not contract.MONTH_RE.match(self.as_of):
            raise ValueError(f"--as-of must be a month as YYYY-MM, got {self.as_of!r}")
        if self.as_of < TARGET_LAST:
            raise ValueError(f"--as-of must be {TARGET_LAST} or later (the calibration needs it)")
        now = contract.current_month()
        if self.as_of > now:
            raise ValueError(f"--as-of {self.as_of} is in the future (it is {now} now)")

    @property
    def remediated_target(self) -> int:
        # Larger benchmark builds keep the same workers-per-case profile.
        return round(REMEDIATED_TARGET * self.cases / DEFAULT_CASES)

    @property
    def n_worksites(self) -> int:
        return max(SILENT_ISSUES * 10, self.cases // 40)


def _workers_affected(rng: np.random.Generator, size: int) -> np.ndarray:
    """Two thirds one worker, a quarter small groups (2 to 20), a heavy tail to the cap."""
    kind = rng.random(size)
    small = rng.geometric(0.12, size=size) + 1
    tail = (TAIL_START * (1 - rng.random(size)) ** (-1 / TAIL_ALPHA)).astype(int)
    tail = np.minimum(tail, MAX_CASE_WORKERS)
    return np.where(kind < 0.65, 1, np.where(kind < 0.88, np.minimum(small, 20), tail))


def _workers_remediated(rng: np.random.Generator, affected: np.ndarray) -> np.ndarray:
    """All of the workers affected in 70% of remediated cases, some of them in the rest."""
    partial = rng.random(len(affected)) >= 0.7
    some = rng.integers(1, affected + 1)
    return np.where(partial, some, affected)


def _pick(rng: np.random.Generator, weights: dict, size: int) -> np.ndarray:
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]


def _sample_without_replacement(
    rng: np.random.Generator, weights: dict, counts: np.ndarray
) -> list[list[str]]:
    """For each row, `counts[i]` distinct keys drawn by weight (Gumbel top-k)."""
    keys = list(weights)
    logp = np.log(np.array(list(weights.values()), dtype=float))
    scores = logp + rng.gumbel(size=(len(counts), len(keys)))
    order = np.argsort(-scores, axis=1)
    return [[keys[j] for j in order[i, : counts[i]]] for i in range(len(counts))]


class DemoGenerator:
    """Yields contract-valid rows for every table of the extract."""

    def __init__(self, spec: DemoSpec) -> None:
        spec.check()
        self.spec = spec
        self.first = contract.month_index(spec.first_month)
        self.last = contract.month_index(spec.as_of)
        self.months = np.arange(self.first, self.last + 1)
        self.worksites = self._make_worksites()
        by_country: dict[str, list[int]] = {}
        for i, ws in enumerate(self.worksites):
            if ws["worksite_id"] != SILENT_AUDIT_WORKSITE:
                by_country.setdefault(ws["country"], []).append(i)
        self._ws_pool = {c: np.array(ix) for c, ix in by_country.items()}
        weight = np.random.default_rng([spec.seed, 4]).lognormal(
            0.0, WORKSITE_SIGMA, len(self.worksites)
        )
        self._ws_p = {c: weight[ix] / weight[ix].sum() for c, ix in self._ws_pool.items()}
        self._ws_ids = np.array([w["worksite_id"] for w in self.worksites], dtype=object)
        self._ws_index = {wid: i for i, wid in enumerate(self._ws_ids)}
        self._ws_industries = np.array([w["industry"] for w in self.worksites], dtype=object)
        self._labels = [contract.month_from_index(int(m)) for m in self.months]
        self._month_p = self._month_weights()
        self._issue_bit = {code: 1 << i for i, code in enumerate(taxonomy.ISSUES)}
        # Filled by the first pass (_measure): fitted sizes by (batch, row), and the
        # reports per worksite as arrays (worksite index, month index, issue bit mask).
        self._sizes: dict[tuple[int, int], tuple[int, int]] | None = None
        self._reports: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    # -- worksites and audits ------------------------------------------------------
    def _make_worksites(self) -> list[dict]:
        rng = np.random.default_rng([self.spec.seed, 1])
        n = self.spec.n_worksites
        countries = list(WORK_COUNTRIES)
        p = np.array([WORK_COUNTRIES[c][0] for c in countries])
        picked = rng.choice(len(countries), size=n, p=p / p.sum())
        rows = []
        for i in range(n):
            country = countries[picked[i]]
            industry = str(_pick(rng, WORK_COUNTRIES[country][1], 1)[0])
            tier = str(rng.choice(["1", "2", "3"], p=[0.5, 0.3, 0.2]))
            rows.append(
                {
                    "worksite_id": f"W{i + 1:06d}",
                    "country": country,
                    "industry": industry,
                    "tier": tier,
                }
            )
        silent = rows[int(SILENT_AUDIT_WORKSITE[1:]) - 1]
        silent.update(country="TH", industry="apparel_footwear", tier="1")
        return rows

    def audits(self) -> tuple[list[dict], list[dict]]:
        """Audits of about a third of the worksites, finding a few percent of what workers
        report around them.

        An audit finds a category workers reported within 12 months of it with probability
        0.2 if an announced visit can see it (unsafe work, poor living conditions, no rest
        day), else 0.015; it finds an unreported category with probability 0.1 or 0.005.
        Where workers reported MANY_REPORTED categories or more, it finds at least one, so
        the silent audit (16 categories reported, none found) stands out. Needs the first
        pass over the cases (it runs it if no one has).
        """
        if self._reports is None:
            self._measure()
        ws_of, month_of, mask_of = self._reports
        order = np.lexsort((month_of, ws_of))
        ws_of, month_of, mask_of = ws_of[order], month_of[order], mask_of[order]
        starts = np.searchsorted(ws_of, np.arange(len(self.worksites) + 1))
        rng = np.random.default_rng([self.spec.seed, 2])
        audits, findings = [], []
        issues = list(taxonomy.ISSUES)
        lo = contract.month_index("2020-01")
        for index, ws in enumerate(self.worksites):
            wid = ws["worksite_id"]
            if wid == SILENT_AUDIT_WORKSITE:
                audits.append(
                    {
                        "audit_id": SILENT_AUDIT_ID,
                        "worksite_id": wid,
                        "month": SILENT_AUDIT_MONTH,
                        "audit_type": "social_compliance",
                    }
                )
                continue
            if rng.random() > 0.35:
                continue
            months = month_of[starts[index] : starts[index + 1]]
            masks = mask_of[starts[index] : starts[index + 1]]
            for _ in range(int(rng.integers(1, 4))):
                audit_id = f"A{len(audits) + 100_001:06d}"
                at = int(rng.integers(lo, self.last + 1))
                kind = str(rng.choice(list(taxonomy.AUDIT_TYPES)))
                audits.append(
                    {
                        "audit_id": audit_id,
                        "worksite_id": wid,
                        "month": contract.month_from_index(at),
                        "audit_type": kind,
                    }
                )
                near = np.bitwise_or.reduce(masks[np.abs(months - at) <= AUDIT_WINDOW], initial=0)
                reported = [i for i in issues if near & self._issue_bit[i]]
                found = []
                for issue in issues:
                    seen = "visible" if issue in VISIBLE_ISSUES else "other"
                    table = FOUND_IF_REPORTED if issue in reported else FOUND_IF_NOT_REPORTED
                    if rng.random() < table[seen]:
                        found.append(issue)
                if len(reported) >= MANY_REPORTED and not set(found) & set(reported):
                    visible = [i for i in reported if i in VISIBLE_ISSUES] or reported
                    found.append(visible[int(rng.integers(len(visible)))])
                findings.extend({"audit_id": audit_id, "issue": i} for i in found)
        return audits, findings

    # -- contacts -----------------------------------------------------------------
    def contacts(self) -> Iterator[dict]:
        """10,000-20,000 contacts a month at the default size, split by cell."""
        rng = np.random.default_rng([self.spec.seed, 3])
        scale = max(1.0, self.spec.cases / (DEFAULT_CASES * 10))
        nats = list(CONTACT_NATIONALITIES)
        chans = list(CONTACT_CHANNELS)
        p = np.outer(
            [CONTACT_NATIONALITIES[n] for n in nats],
            [CONTACT_CHANNELS[c] for c in chans],
        ).ravel()
        p = p / p.sum()
        span = max(1, self.last - self.first)
        for m in self.months:
            t = (m - self.first) / span
            season = 0.5 + 0.5 * np.sin(2 * np.pi * ((m % 12) - 2) / 12)
            level = 0.25 + 0.45 * t + 0.15 * season + rng.uniform(-0.04, 0.04)
            total = int(round((10_400 + 9_200 * min(max(level, 0.0), 1.0)) * scale))
            counts = rng.multinomial(total, p)
            month = contract.month_from_index(int(m))
            for j, count in enumerate(counts):
                nat, chan = nats[j // len(chans)], chans[j % len(chans)]
                # A share of contacts in English, the rest in the workers' language.
                english = int(rng.binomial(count, 0.03)) if NAT_LANGUAGE[nat] != "en" else 0
                for lang, value in ((NAT_LANGUAGE[nat], count - english), ("en", english)):
                    if value:
                        yield {
                            "month": month,
                            "channel": chan,
                            "language": lang,
                            "nationality": nat,
                            "count": int(value),
                        }

    # -- cases --------------------------------------------------------------------
    def _month_weights(self) -> np.ndarray:
        m = self.months
        t = (m - self.first) / max(1, self.last - self.first)
        season = 1 + 0.18 * np.sin(2 * np.pi * ((m % 12) - 3) / 12)
        w = (0.6 + 0.8 * t) * season
        return w / w.sum()

    @property
    def _random_cases(self) -> int:
        # The silent-audit factory's cases complete the requested count.
        return self.spec.cases - SILENT_ISSUES * 2

    def _n_batches(self) -> int:
        return -(-self._random_cases // BATCH)

    def _raw_batch(self, b: int) -> list[dict]:
        """Cases of batch b, before calibration; the same every time it is asked.

        Every draw is vectorised over the batch (per group where the weights depend on
        the stage, country or origin), so a million cases take seconds, not minutes.
        """
        rng = np.random.default_rng([self.spec.seed, 100 + b])
        start = b * BATCH
        size = min(BATCH, self._random_cases - start)
        last = b == self._n_batches() - 1
        month = rng.choice(self.months, size=size, p=self._month_p)
        recruit = rng.random(size) < 0.16
        country = _pick(rng, {c: w[0] for c, w in WORK_COUNTRIES.items()}, size)
        nationality = np.empty(size, dtype=object)
        destination = country.copy()
        industry = np.empty(size, dtype=object)
        worksite = np.full(size, None, dtype=object)
        channel = np.empty(size, dtype=object)
        for c, (_w, _industries, nats) in WORK_COUNTRIES.items():
            idx = np.flatnonzero(~recruit & (country == c))
            pool = self._ws_pool[c]
            picked = rng.choice(pool, size=len(idx), p=self._ws_p[c])
            worksite[idx] = self._ws_ids[picked]
            industry[idx] = self._ws_industries[picked]
            nationality[idx] = _pick(rng, nats, len(idx))
            channel[idx] = _pick(rng, CHANNELS_BY_COUNTRY[c], len(idx))
        rec = np.flatnonzero(recruit)
        origins = _pick(rng, {o: w[0] for o, w in CORRIDORS.items()}, len(rec))
        for o, (_w, destinations) in CORRIDORS.items():
            sub = rec[origins == o]
            destination[sub] = _pick(rng, destinations, len(sub))
        nationality[rec] = origins
        industry[rec] = _pick(rng, RECRUITMENT_INDUSTRIES, len(rec))
        channel[rec] = _pick(rng, CHANNELS_BY_COUNTRY["recruitment"], len(rec))
        english = rng.random(size) < 0.03
        language = np.array([NAT_LANGUAGE[n] for n in nationality], dtype=object)
        language[english] = "en"
        affected = _workers_affected(rng, size)
        n_issues = rng.choice([1, 2, 3, 4], size=size, p=[0.5, 0.3, 0.13, 0.07])
        issues = np.empty(size, dtype=object)
        for mask, weights in ((~recruit, EMPLOYMENT_ISSUES), (recruit, RECRUITMENT_ISSUES)):
            idx = np.flatnonzero(mask)
            issues[idx] = _sample_without_replacement(rng, weights, n_issues[idx])
        sex = rng.choice(["female", "male", "unknown"], size=size, p=[0.46, 0.44, 0.1])
        outcome = self._outcomes(
            rng,
            month,
            rng.geometric(0.28, size=size),
            affected,
            recruit,
            rng.choice(["yes", "no", "unknown"], size=size, p=[0.58, 0.17, 0.25]),
        )
        labels = self._labels
        rows = [
            {
                "case_id": f"C{start + i + 1:08d}",
                "month_received": labels[month[i] - self.first],
                "channel": channel[i],
                "language": language[i],
                "stage": "recruitment" if recruit[i] else "employment",
                "nationality": nationality[i],
                "sex": str(sex[i]),
                "origin": nationality[i],
                "destination": destination[i],
                "worksite_id": worksite[i],
                "industry": industry[i],
                "workers_affected": int(affected[i]),
                "issues": issues[i],
                **outcome[i],
            }
            for i in range(size)
        ]
        if last:
            rows.extend(self._silent_factory_cases(rng))
        return rows

    def _outcomes(self, rng, month, ttr, affected, recruit, validated) -> list[dict]:
        """Status, month resolved, workers remediated, validation and route per case."""
        size = len(month)
        resolved = month + ttr
        u = rng.random(size)
        remediated = _workers_remediated(rng, affected)
        employment_route = _pick(rng, ROUTES_EMPLOYMENT, size)
        recruitment_route = _pick(rng, ROUTES_RECRUITMENT, size)
        labels = self._labels
        out = []
        for i in range(size):
            if resolved[i] > self.last or u[i] >= 0.86:
                status = "raised" if self.last - month[i] >= 2 or u[i] >= 0.86 else "open"
                out.append(
                    {
                        "status": status,
                        "month_resolved": None,
                        "workers_remediated": 0,
                        "validated": "unknown",
                        "route": None,
                    }
                )
                continue
            row = {"month_resolved": labels[resolved[i] - self.first]}
            if u[i] < 0.58:
                row.update(
                    status="remediated",
                    workers_remediated=int(remediated[i]),
                    validated=str(validated[i]),
                    route=recruitment_route[i] if recruit[i] else employment_route[i],
                )
            else:
                row.update(
                    status="not_remediated" if u[i] < 0.76 else "referred",
                    workers_remediated=0,
                    validated="unknown",
                    route=None,
                )
            out.append(row)
        return out

    def _silent_factory_cases(self, rng: np.random.Generator) -> list[dict]:
        """The audited apparel factory: 16 issue categories reported around its audit."""
        issues = [code for code in EMPLOYMENT_ISSUES if code != "recruitment_fees"]
        issues = issues[:SILENT_ISSUES]
        audit = contract.month_index(SILENT_AUDIT_MONTH)
        n = SILENT_ISSUES * 2
        months = np.array([audit - 9 + (j * 18) // n for j in range(n)])
        affected = np.array([1 + (j % 5) * 12 for j in range(n)])
        outcome = self._outcomes(
            rng,
            months,
            np.array([2 + j % 4 for j in range(n)]),
            affected,
            np.zeros(n, dtype=bool),
            np.full(n, "yes", dtype=object),
        )
        rows = []
        for j in range(n):
            nat = "MM" if j % 3 else "KH"
            rows.append(
                {
                    "case_id": f"F{j + 1:08d}",
                    "month_received": contract.month_from_index(int(months[j])),
                    "channel": "line" if j % 2 else "facebook",
                    "language": NAT_LANGUAGE[nat],
                    "stage": "employment",
                    "nationality": nat,
                    "sex": "female" if j % 4 else "male",
                    "origin": nat,
                    "destination": "TH",
                    "worksite_id": SILENT_AUDIT_WORKSITE,
                    "industry": "apparel_footwear",
                    "workers_affected": int(affected[j]),
                    "issues": [issues[j % SILENT_ISSUES], issues[(j + 5) % SILENT_ISSUES]],
                    **outcome[j],
                }
            )
        return rows

    # -- calibration -------------------------------------------------------------
    def _measure(self, progress: Callable[[str, int, int], None] | None = None) -> None:
        """The first pass: note each remediated case and what each worksite reports."""
        by_year: dict[int, list[tuple[tuple[int, int], int, int, bool]]] = {}
        ws_of, month_of, mask_of = [], [], []
        done = 0
        for b in range(self._n_batches()):
            rows = self._raw_batch(b)
            for i, row in enumerate(rows):
                worksite = row["worksite_id"]
                if worksite:
                    ws_of.append(self._ws_index[worksite])
                    month_of.append(contract.month_index(row["month_received"]))
                    mask_of.append(sum(self._issue_bit[x] for x in row["issues"]))
                if row["status"] == "remediated":
                    year = int(row["month_resolved"][:4])
                    fixed = not row["case_id"].startswith("C")  # the silent factory's
                    entry = ((b, i), row["workers_affected"], row["workers_remediated"], fixed)
                    by_year.setdefault(year, []).append(entry)
            done += len(rows)
            if progress:
                progress("calibrating", done, self.spec.cases)
        self._reports = (
            np.array(ws_of, dtype=np.int64),
            np.array(month_of, dtype=np.int64),
            np.array(mask_of, dtype=np.int64),
        )
        self._sizes = {}
        for year, target in self._year_targets(by_year).items():
            self._sizes.update(self._fit_year(year, by_year[year], target))

    def _year_targets(self, by_year: dict[int, list]) -> dict[int, int]:
        """Workers remediated per year: the same mean per remediated case every year,
        2022-2024 adding up to the target exactly."""
        span = range(int(TARGET_FIRST[:4]), int(TARGET_LAST[:4]) + 1)
        counts = {year: len(by_year.get(year, ())) for year in span}
        n_target = sum(counts.values())
        if n_target == 0 or self.spec.remediated_target < n_target:
            raise ValueError("demo size and target cannot be calibrated together")
        mean = self.spec.remediated_target / n_target
        # Largest remainders: the three years' parts add up to the target exactly.
        exact = {year: counts[year] * mean for year in span}
        targets = {year: int(value) for year, value in exact.items()}
        short = self.spec.remediated_target - sum(targets.values())
        for year in sorted(span, key=lambda y: exact[y] - targets[y], reverse=True)[:short]:
            targets[year] += 1
        for year, entries in by_year.items():
            if year not in targets:
                targets[year] = round(len(entries) * mean)
        return targets

    def _fit_year(self, year: int, entries: list, target: int) -> dict:
        """Sizes of the year's remediated cases, adding up to `target` (see the docstring)."""
        rng = np.random.default_rng([self.spec.seed, 60, year])
        affected = np.array([e[1] for e in entries], dtype=np.int64)
        remediated = np.array([e[2] for e in entries], dtype=np.int64)
        free = np.array([i for i, e in enumerate(entries) if not e[3]], dtype=np.int64)
        gap = target - int(remediated.sum())
        changed: set[int] = set()
        tries = 0
        while abs(gap) > 20 and len(free) and tries < 200 * len(free) + 10_000:
            block = 4_096
            picks = free[rng.integers(0, len(free), block)]
            new_affected = _workers_affected(rng, block)
            new_remediated = _workers_remediated(rng, new_affected)
            for j in range(block):
                i = picks[j]
                delta = int(new_remediated[j] - remediated[i])
                if abs(gap - delta) < abs(gap):
                    affected[i], remediated[i] = new_affected[j], new_remediated[j]
                    gap -= delta
                    changed.add(int(i))
                    if abs(gap) <= 20:
                        break
            tries += block
        # The last workers: one at a time over shuffled cases, within each case's bounds.
        while gap and len(free):
            for i in rng.permutation(free):
                if gap > 0 and remediated[i] < affected[i]:
                    remediated[i] += 1
                    gap -= 1
                elif gap > 0 and affected[i] < MAX_CASE_WORKERS:
                    affected[i] += 1
                    remediated[i] += 1
                    gap -= 1
                elif gap < 0 and remediated[i] > 1:
                    remediated[i] -= 1
                    gap += 1
                else:
                    continue
                changed.add(int(i))
                if not gap:
                    break
        return {entries[i][0]: (int(affected[i]), int(remediated[i])) for i in changed}

    def case_batches(
        self, progress: Callable[[str, int, int], None] | None = None
    ) -> Iterator[list[dict]]:
        """Calibrated case rows (each with its `issues` list), one batch at a time.

        `progress(stage, done, total)` hears about the measuring pass; the caller
        reports the writing pass.
        """
        if self._sizes is None:
            self._measure(progress)
        for b in range(self._n_batches()):
            rows = self._raw_batch(b)
            for i, row in enumerate(rows):
                fitted = self._sizes.get((b, i))
                if fitted:
                    row["workers_affected"], row["workers_remediated"] = fitted
            yield rows
