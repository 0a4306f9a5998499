"""The result cache: a result computed once is served from the cache, to another
DataAccess (another process) too, and a new data version misses it.

Runs with Redis (db 15, keys under a prefix unique to the test, removed afterwards) and
with Flask-Caching's in-process SimpleCache.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import redis
from flask_caching.backends import RedisCache, SimpleCache
from sqlalchemy import create_engine, func, insert, select

from callbacks import charts, overview
from data_access import schema
from data_access.disclosure import DisclosureParams
from data_access.filters import Filters
from data_access.query import DataAccess

QUERY = ("workers_affected", ("quarter",), Filters(country="TH", stage="employment"))


@pytest.fixture
def redis_client(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def redis_cache(redis_client):
    """A factory of RedisCache clients on one key prefix, as two processes would use."""
    prefix = f"ilm-test-{uuid.uuid4().hex}:"
    kwargs = redis_client.connection_pool.connection_kwargs
    yield lambda: RedisCache(
        host=kwargs.get("host", "127.0.0.1"),
        port=kwargs.get("port", 6379),
        db=kwargs.get("db", 15),
        key_prefix=prefix,
    )
    for key in redis_client.scan_iter(match=f"{prefix}*"):
        redis_client.delete(key)
    assert not list(redis_client.scan_iter(match=f"{prefix}*"))


@pytest.fixture
def simple_cache():
    store = SimpleCache(threshold=10_000)
    yield lambda: store
    store.clear()


@pytest.fixture(params=["redis", "simple"])
def make_cache(request):
    """A factory of cache clients that share one store."""
    return request.getfixturevalue(f"{request.param}_cache")


class Untouchable(DataAccess):
    """A DataAccess that fails if it has to compute a result from the database."""

    def _exact(self, sums, cells):
        if any(cell not in sums for cell in cells):
            raise AssertionError("the database was queried for cells")


class Counting(DataAccess):
    """Counts the answers it had to compute from the database (reads of exact sums)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.computed = 0

    def _answer(self, requests):
        before = self.reads
        out = super()._answer(requests)
        self.computed += self.reads > before
        return out

    reads = 0

    def _exact(self, sums, cells):
        if any(cell not in sums for cell in cells):
            self.reads += 1
        return super()._exact(sums, cells)


@pytest.fixture
def db_copy(small_url, tmp_path) -> str:
    """A writable copy of the small demo, so its data version can be bumped."""
    target = tmp_path / "copy.sqlite3"
    shutil.copyfile(Path(small_url.removeprefix("sqlite:///")), target)
    return f"sqlite:///{target}"


def bump_version(url: str) -> int:
    engine = create_engine(url)
    dv = schema.data_versions
    with engine.begin() as conn:
        latest = conn.execute(select(dv).order_by(dv.c.version.desc())).mappings().first()
        version = latest["version"] + 1
        conn.execute(insert(dv).values({**latest, "version": version}))
    engine.dispose()
    return version


def test_cc001_result_is_stored_and_served_to_another_instance(small_url, make_cache):
    first = Counting(small_url, cache=make_cache())
    stored = first.aggregate(*QUERY)
    assert first.computed == 1
    assert first.aggregate(*QUERY) == stored
    assert first.computed == 1  # the second ask came from the cache
    second = Untouchable(small_url, cache=make_cache())  # "another process"
    assert second.aggregate(*QUERY) == stored
    assert stored.rows and any(p.value for _, p in stored.rows)


def test_cc002_redis_holds_the_result_under_the_prefix(small_url, redis_client, redis_cache):
    cache = redis_cache()
    stored = DataAccess(small_url, cache=cache).aggregate(*QUERY)
    keys = list(redis_client.scan_iter(match=f"{cache.key_prefix}*"))
    assert len(keys) == 1
    assert keys[0].decode().startswith(f"{cache.key_prefix}ilm:agg:")
    assert 0 < redis_client.ttl(keys[0]) <= 3600
    assert cache.get(keys[0].decode().removeprefix(cache.key_prefix)) == stored


def test_cc003_new_data_version_misses_the_cache(db_copy, make_cache):
    access = Counting(db_copy, cache=make_cache(), version_ttl=0)
    before = access.aggregate(*QUERY)
    access.aggregate(*QUERY)
    assert access.computed == 1
    version = bump_version(db_copy)
    after = access.aggregate(*QUERY)
    assert access.computed == 2  # a miss: computed again for the new version
    assert (before.version, after.version) == (version - 1, version)
    assert after.rows == before.rows  # same rows, same keys: same published values
    other = Untouchable(db_copy, cache=make_cache(), version_ttl=0)
    assert other.aggregate(*QUERY) == after


def test_cc004_results_under_other_disclosure_params_are_not_shared(small_url, make_cache):
    DataAccess(small_url, cache=make_cache()).aggregate(*QUERY)
    stricter = Counting(small_url, params=DisclosureParams(k=20, c=5), cache=make_cache())
    result = stricter.aggregate(*QUERY)
    assert stricter.computed == 1
    assert all(p.value is None or p.value == 0 or p.value >= 20 for _, p in result.rows)


def test_cc005_different_queries_get_different_entries(small_url, make_cache):
    access = Counting(small_url, cache=make_cache())
    measure, by, filters = QUERY
    results = [
        access.aggregate(measure, by, filters),
        access.aggregate(measure, ("month",), filters),
        access.aggregate("cases", by, filters),
        access.aggregate(measure, by, Filters(country="MY", stage="employment")),
    ]
    assert access.computed == len(results)
    assert len({(r.measure, r.by, r.rows) for r in results}) == len(results)


def test_cc006_version_is_read_fresh_after_ttl_only(db_copy, make_cache):
    """Within version_ttl the cached version is used; the raw count is unchanged."""
    access = Counting(db_copy, cache=make_cache(), version_ttl=3600)
    access.aggregate(*QUERY)
    bump_version(db_copy)
    assert access.aggregate(*QUERY).version == 1
    assert access.computed == 1
    engine = create_engine(db_copy)
    with engine.connect() as conn:
        versions = conn.execute(select(func.count()).select_from(schema.data_versions))
        assert versions.scalar_one() == 2
    engine.dispose()


class _Recording:
    """A cache that remembers every key written to it."""

    def __init__(self) -> None:
        self.store: dict = {}

    def get(self, key):
        return self.store.get(key)

    def get_many(self, *keys):
        return [self.store.get(k) for k in keys]

    def set(self, key, value, timeout=None):
        self.store[key] = value

    def set_many(self, mapping, timeout=None):
        self.store.update(mapping)


@pytest.mark.parametrize(
    "forged",
    [
        {"measure": "bogus"},
        {"unknown": "x" * 1000},
        {"fp": "TH:seafood::"},
        {"theme": ["all"]},
        "junk",
    ],
)
def test_cc007_forged_view_options_make_no_cache_entry_of_their_own(small_url, forged):
    cache = _Recording()
    data = DataAccess(small_url, DisclosureParams(), cache=cache)
    chart = overview.charts()[0]
    plain = charts.run(chart, data, {}, {})
    before = set(cache.store)
    assert charts.run(chart, data, {}, forged) == plain
    assert set(cache.store) == before
