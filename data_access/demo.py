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
        """Cases of batch b, before calibration; the same every time it is asked."""
        rng = np.random.default_rng([self.spec.seed, 100 + b])
        start = b * BATCH
        size = min(BATCH, self._random_cases - start)
        last = b == self._n_batches() - 1
        month = rng.choice(self.months, size=size, p=self._month_p)
        stage = np.where(rng.random(size) < 0.16, "recruitment", "employment")
        countries = list(WORK_COUNTRIES)
        cp = np.array([WORK_COUNTRIES[c][0] for c in countries])
        work_country = np.array(countries)[rng.choice(len(countries), size=size, p=cp / cp.sum())]
        origins = list(CORRIDORS)
        op = np.array([CORRIDORS[o][0] for o in origins])
        origin_r = np.array(origins)[rng.choice(len(origins), size=size, p=op / op.sum())]
        kind = rng.random(size)
        small = rng.geometric(0.12, size=size) + 1
        tail = np.minimum((20 * (1 - rng.random(size)) ** (-1 / 0.9)).astype(int), 5_000)
        affected = np.where(kind < 0.66, 1, np.where(kind < 0.9, np.minimum(small, 20), tail))
        n_issues = rng.choice([1, 2, 3, 4], size=size, p=[0.5, 0.3, 0.13, 0.07])
        sex = rng.choice(["female", "male", "unknown"], size=size, p=[0.46, 0.44, 0.1])
        ttr = rng.geometric(0.28, size=size)
        outcome = rng.random(size)
        share_fixed = rng.random(size)
        validated = rng.choice(["yes", "no", "unknown"], size=size, p=[0.58, 0.17, 0.25])
        rows = []
        for i in range(size):
            m = int(month[i])
            row = {"case_id": f"C{start + i + 1:08d}", "month_received": None}
            row["month_received"] = contract.month_from_index(m)
            if stage[i] == "employment":
                country = str(work_country[i])
                pool = self._ws_pool[country]
                # Some worksites draw far more reports than others.
                ws = self.worksites[int(pool[min(int(rng.zipf(1.6)) - 1, len(pool) - 1)])]
                nat = str(_pick(rng, WORK_COUNTRIES[country][2], 1)[0])
                origin, destination = nat, country
                industry, worksite_id = ws["industry"], ws["worksite_id"]
                chan_w = CHANNELS_BY_COUNTRY[country]
                issue_w = EMPLOYMENT_ISSUES
            else:
                origin = str(origin_r[i])
                destination = str(_pick(rng, CORRIDORS[origin][1], 1)[0])
                nat, worksite_id = origin, None
                industry = str(_pick(rng, RECRUITMENT_INDUSTRIES, 1)[0])
                chan_w = CHANNELS_BY_COUNTRY["recruitment"]
                issue_w = RECRUITMENT_ISSUES
            keys = list(issue_w)
            p = np.array(list(issue_w.values()))
            chosen = rng.choice(len(keys), size=int(n_issues[i]), replace=False, p=p / p.sum())
            row.update(
                channel=str(_pick(rng, chan_w, 1)[0]),
                language=NAT_LANGUAGE[nat] if rng.random() > 0.03 else "en",
                stage=str(stage[i]),
                nationality=nat,
                sex=str(sex[i]),
                origin=origin,
                destination=destination,
                worksite_id=worksite_id,
                industry=industry,
                workers_affected=int(affected[i]),
                record_key=int(rng.integers(0, 256)),
                issues=[keys[j] for j in chosen],
            )
            self._outcome(row, m, int(ttr[i]), outcome[i], share_fixed[i], str(validated[i]), rng)
            rows.append(row)
        if last:
            rows.extend(self._silent_factory_cases(rng))
        return rows

    def _outcome(self, row, m, ttr, u, share_fixed, validated, rng) -> None:
        resolved = m + ttr
        age = self.last - m
        row.update(month_resolved=None, workers_remediated=0, validated="unknown", route=None)
        if resolved > self.last:
            row["status"] = "open" if age < 2 else "raised"
            return
        if u < 0.58:
            affected = row["workers_affected"]
            fixed = affected if share_fixed < 0.7 else int(rng.integers(1, affected + 1))
            routes = ROUTES_EMPLOYMENT if row["stage"] == "employment" else ROUTES_RECRUITMENT
            row.update(
                status="remediated",
                workers_remediated=fixed,
                validated=validated,
                route=str(_pick(rng, routes, 1)[0]),
            )
        elif u < 0.76:
            row["status"] = "not_remediated"
        elif u < 0.86:
            row["status"] = "referred"
        else:
            row["status"] = "raised"
            return
        row["month_resolved"] = contract.month_from_index(resolved)

    def _silent_factory_cases(self, rng: np.random.Generator) -> list[dict]:
        """The audited apparel factory: 16 issue categories reported around its audit."""
        issues = [code for code in EMPLOYMENT_ISSUES if code != "recruitment_fees"]
        issues = issues[:SILENT_ISSUES]
        audit = contract.month_index(SILENT_AUDIT_MONTH)
        rows = []
        for j in range(SILENT_ISSUES * 2):
            m = audit - 9 + (j * 18) // (SILENT_ISSUES * 2)
            nat = "MM" if j % 3 else "KH"
            row = {
                "case_id": f"F{j + 1:08d}",
                "month_received": contract.month_from_index(m),
                "channel": "line" if j % 2 else "facebook",
                "language": NAT_LANGUAGE[nat],
                "stage": "employment",
                "nationality": nat,
                "sex": "female" if j % 4 else "male",
                "origin": nat,
                "destination": "TH",
                "worksite_id": SILENT_AUDIT_WORKSITE,
                "industry": "apparel_footwear",
                "workers_affected": 1 + (j % 5) * 12,
                "record_key": int(rng.integers(0, 256)),
                "issues": [issues[j % SILENT_ISSUES], issues[(j + 5) % SILENT_ISSUES]],
            }
            self._outcome(row, m, 2 + j % 4, rng.random(), 0.0, "yes", rng)
            rows.append(row)
        return rows

    # -- calibration --------------------------------------------------------------
    @staticmethod
    def _in_target(row: dict) -> bool:
        return (
            row["status"] == "remediated" and TARGET_FIRST <= row["month_resolved"] <= TARGET_LAST
        )

    def _calibrate(self) -> None:
        eligible, extra = 0, 0
        for b in range(self._n_batches()):
            for row in self._raw_batch(b):
                if self._in_target(row):
                    eligible += 1
                    extra += row["workers_remediated"] - 1
        target_extra = self.spec.remediated_target - eligible
        if target_extra < 0 or extra == 0:
            raise ValueError("demo size and target cannot be calibrated together")
        self._scale = (target_extra, extra)

    def case_batches(self, progress: Callable[[int], None] | None = None) -> Iterator[list[dict]]:
        """Calibrated case rows (each with its `issues` list), one batch at a time."""
        if self._scale is None:
            self._calibrate()
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
            if progress:
                progress(len(rows))
            yield rows
