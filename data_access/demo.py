"""A seeded generator of a realistic, de-identified ILM extract for newcomers and tests.

Calibrated to the network's public figures (docs/data-contract.md, "Demo data"):
exactly 282,619 workers remediated in cases resolved in 2022-2024 at the default size
and seed, 10,000-20,000 worker contacts every month, worksites mostly in Thailand,
Malaysia and Myanmar, recruitment corridors from Nepal and its neighbours, a heavy tail
of large cases, and audits that find only a few percent of what workers report -
including one factory with 16 worker-reported issue categories whose audit found none.

Cases are generated in fixed-size batches, each from its own seeded stream, so memory
stays bounded at any size. The generator runs twice over the same streams: the first
pass only measures the workers remediated in 2022-2024, the second rescales them so the
total is exact (integer apportioning over the running sum, no rounding drift).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from data_access import contract, taxonomy

DEFAULT_CASES = 60_000
DEFAULT_SEED = 2024
REMEDIATED_TARGET = 282_619
TARGET_FIRST, TARGET_LAST = "2022-01", "2024-12"
FIRST_MONTH = "2019-01"
BATCH = 20_000

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
            "seafood": 0.22,
            "food_beverage": 0.18,
            "apparel_footwear": 0.2,
            "electronics": 0.15,
            "agriculture": 0.13,
            "construction": 0.08,
            "other": 0.04,
        },
        {"MM": 0.62, "KH": 0.24, "LA": 0.1, "TH": 0.04},
    ),
    "MY": (
        0.33,
        {
            "electronics": 0.3,
            "apparel_footwear": 0.1,
            "agriculture": 0.22,
            "food_beverage": 0.1,
            "construction": 0.13,
            "other": 0.15,
        },
        {"NP": 0.3, "BD": 0.3, "MM": 0.25, "ID": 0.1, "IN": 0.05},
    ),
    "MM": (
        0.12,
        {"apparel_footwear": 0.7, "food_beverage": 0.15, "agriculture": 0.15},
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
            "HR": 0.05,
            "BG": 0.03,
            "GR": 0.04,
            "GB": 0.04,
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


def current_month(today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


@dataclass(frozen=True)
class DemoSpec:
    cases: int = DEFAULT_CASES
    seed: int = DEFAULT_SEED
    first_month: str = FIRST_MONTH
    last_month: str = ""  # empty: the current month

    @property
    def as_of(self) -> str:
        return self.last_month or current_month()

    @property
    def remediated_target(self) -> int:
        # Larger benchmark builds keep the same workers-per-case profile.
        return round(REMEDIATED_TARGET * self.cases / DEFAULT_CASES)

    @property
    def n_worksites(self) -> int:
        return max(SILENT_ISSUES * 10, self.cases // 40)


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
        if spec.cases < 1_000:
            raise ValueError("the demo needs at least 1,000 cases to be realistic")
        self.spec = spec
        self.first = contract.month_index(spec.first_month)
        self.last = contract.month_index(spec.as_of)
        if self.last < contract.month_index(TARGET_LAST):
            raise ValueError("the demo must reach at least December 2024")
        self.months = np.arange(self.first, self.last + 1)
        self.worksites = self._make_worksites()
        by_country: dict[str, list[int]] = {}
        for i, ws in enumerate(self.worksites):
            if ws["worksite_id"] != SILENT_AUDIT_WORKSITE:
                by_country.setdefault(ws["country"], []).append(i)
        self._ws_pool = {c: np.array(ix) for c, ix in by_country.items()}
        self._ws_ids = np.array([w["worksite_id"] for w in self.worksites], dtype=object)
        self._ws_industries = np.array([w["industry"] for w in self.worksites], dtype=object)
        self._labels = [contract.month_from_index(int(m)) for m in self.months]
        self._month_p = self._month_weights()
        self._scale: tuple[int, int] | None = None  # (extra target, raw extra total)

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
        """Audits of about a third of the worksites, finding a few percent of issues."""
        rng = np.random.default_rng([self.spec.seed, 2])
        audits, findings = [], []
        issues = list(taxonomy.ISSUES)
        lo = contract.month_index("2020-01")
        for ws in self.worksites:
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
            for _ in range(int(rng.integers(1, 4))):
                audit_id = f"A{len(audits) + 100_001:06d}"
                month = contract.month_from_index(int(rng.integers(lo, self.last + 1)))
                kind = str(rng.choice(list(taxonomy.AUDIT_TYPES)))
                audits.append(
                    {
                        "audit_id": audit_id,
                        "worksite_id": wid,
                        "month": month,
                        "audit_type": kind,
                    }
                )
                # Audits see what is visible on an announced visit: safety and
                # paperwork, seldom wages, debt, abuse or retaliation.
                for issue in issues:
                    visible = issue in ("unsafe_work", "poor_living", "no_rest_day")
                    if rng.random() < (0.25 if visible else 0.02):
                        findings.append({"audit_id": audit_id, "issue": issue})
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
                            "record_key": int(rng.integers(0, 256)),
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
            # Some worksites draw far more reports than others.
            picked = pool[np.minimum(rng.zipf(1.6, size=len(idx)) - 1, len(pool) - 1)]
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
        kind = rng.random(size)
        small = rng.geometric(0.12, size=size) + 1
        tail = np.minimum((20 * (1 - rng.random(size)) ** (-1 / 0.9)).astype(int), 5_000)
        affected = np.where(kind < 0.66, 1, np.where(kind < 0.9, np.minimum(small, 20), tail))
        n_issues = rng.choice([1, 2, 3, 4], size=size, p=[0.5, 0.3, 0.13, 0.07])
        issues = np.empty(size, dtype=object)
        for mask, weights in ((~recruit, EMPLOYMENT_ISSUES), (recruit, RECRUITMENT_ISSUES)):
            idx = np.flatnonzero(mask)
            issues[idx] = _sample_without_replacement(rng, weights, n_issues[idx])
        sex = rng.choice(["female", "male", "unknown"], size=size, p=[0.46, 0.44, 0.1])
        keys = rng.integers(0, 256, size=size)
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
                "record_key": int(keys[i]),
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
        partial = rng.random(size) >= 0.7
        some = rng.integers(1, affected + 1)
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
                    workers_remediated=int(some[i] if partial[i] else affected[i]),
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
                    "record_key": int(rng.integers(0, 256)),
                    "issues": [issues[j % SILENT_ISSUES], issues[(j + 5) % SILENT_ISSUES]],
                    **outcome[j],
                }
            )
        return rows

    # -- calibration --------------------------------------------------------------
    @staticmethod
    def _in_target(row: dict) -> bool:
        return (
            row["status"] == "remediated" and TARGET_FIRST <= row["month_resolved"] <= TARGET_LAST
        )

    def _calibrate(self, progress: Callable[[str, int, int], None] | None = None) -> None:
        eligible, extra, done = 0, 0, 0
        for b in range(self._n_batches()):
            rows = self._raw_batch(b)
            for row in rows:
                if self._in_target(row):
                    eligible += 1
                    extra += row["workers_remediated"] - 1
            done += len(rows)
            if progress:
                progress("calibrating", done, self.spec.cases)
        target_extra = self.spec.remediated_target - eligible
        if target_extra < 0 or extra == 0:
            raise ValueError("demo size and target cannot be calibrated together")
        self._scale = (target_extra, extra)

    def case_batches(
        self, progress: Callable[[str, int, int], None] | None = None
    ) -> Iterator[list[dict]]:
        """Calibrated case rows (each with its `issues` list), one batch at a time.

        `progress(stage, done, total)` hears about the measuring pass; the caller
        reports the writing pass.
        """
        if self._scale is None:
            self._calibrate(progress)
        target_extra, raw_extra = self._scale
        cumulative = 0
        for b in range(self._n_batches()):
            rows = self._raw_batch(b)
            for row in rows:
                if self._in_target(row):
                    # Apportion the target over the running sum: the parts add up exactly.
                    before = (target_extra * cumulative) // raw_extra
                    cumulative += row["workers_remediated"] - 1
                    fixed = 1 + (target_extra * cumulative) // raw_extra - before
                    row["workers_remediated"] = fixed
                    row["workers_affected"] = max(row["workers_affected"], fixed)
            yield rows
