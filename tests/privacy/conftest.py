"""The database the attack suite attacks: the small demo, plus planted victims.

The small demo has many small groups of its own. Planted on top of it are the patterns
the disclosure notes single out as the easiest to attack, so every attack has targets
whatever the demo's shape: nationalities that work almost all in one country, with a
few (1-9) of them elsewhere each year (filter A against A+B, parent minus children).
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import create_engine, insert, select

from data_access import disclosure, schema, taxonomy
from data_access.load import build_cubes, build_demo
from data_access.query import DataAccess
from tests.conftest import SMALL
from tests.privacy import oracle

# (nationality, main country, main industry, other country, other industry): workers of
# the nationality are in the main segment but for a few each year.
PLANTED = (
    ("VN", "MY", "electronics", "TH", "food_beverage"),
    ("IN", "SA", "construction", "QA", "construction"),
    ("ID", "MY", "apparel_footwear", "TH", "seafood"),
    ("LA", "TH", "agriculture", "MY", "electronics"),
)
PLANTED_YEARS = ("2020", "2021", "2022", "2023", "2024", "2025")


def _worksites(conn) -> dict[tuple[str, str], str]:
    w = schema.worksites.c
    out = {}
    for wid, country, industry in conn.execute(select(w.worksite_id, w.country, w.industry)):
        out.setdefault((country, industry), wid)
    return out


def plant(url: str, seed: int = 11) -> dict[tuple, int]:
    """Add the planted cases; returns {(nationality, other country, year): size}."""
    rng = random.Random(seed)
    engine = create_engine(url)
    sizes = {}
    with engine.begin() as conn:
        sites = _worksites(conn)
        rows, issues = [], []
        n = 0
        for nationality, main, main_industry, other, other_industry in PLANTED:
            for year in PLANTED_YEARS:
                small = rng.randint(1, 9)
                sizes[(nationality, other, year)] = small
                for country, industry, count in (
                    (main, main_industry, rng.randint(25, 45)),
                    (other, other_industry, small),
                ):
                    site = sites.get((country, industry))
                    for _ in range(count):
                        n += 1
                        case_id = f"P{n:06d}"
                        month = f"{year}-{rng.randint(1, 12):02d}"
                        rows.append(
                            {
                                "case_id": case_id,
                                "month_received": month,
                                "channel": rng.choice(list(taxonomy.CHANNELS)),
                                "language": "en",
                                "stage": "employment" if site else "recruitment",
                                "nationality": nationality,
                                "sex": rng.choice(list(taxonomy.SEXES)),
                                "origin": nationality,
                                "destination": country,
                                "worksite_id": site,
                                "industry": industry,
                                "workers_affected": rng.randint(1, 6),
                                "status": "open",
                                "month_resolved": None,
                                "workers_remediated": 0,
                                "validated": "unknown",
                                "route": None,
                                "record_key": rng.randrange(2**32),
                            }
                        )
                        for issue in rng.sample(list(taxonomy.ISSUES), rng.randint(1, 3)):
                            issues.append({"case_id": case_id, "issue": issue})
        conn.execute(insert(schema.cases), rows)
        conn.execute(insert(schema.case_issues), issues)
        build_cubes(conn)
    engine.dispose()
    return sizes


@pytest.fixture(scope="session")
def attacked(tmp_path_factory):
    """(url, planted sizes, truth) of the attacked database, built once per session."""
    path = tmp_path_factory.mktemp("attacked") / "ilm.sqlite3"
    url = f"sqlite:///{path}"
    build_demo(url, SMALL)
    sizes = plant(url)
    return url, sizes, oracle.load(url)


@pytest.fixture(scope="session")
def release(attacked):
    """The protected query layer over the attacked database, with the shipped rules."""
    url, _sizes, _truth = attacked
    return DataAccess(url, disclosure.DisclosureParams())
