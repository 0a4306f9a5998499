"""Rate limits on every surface that answers with numbers (dashboard.limits).

The API, the downloads and embeds, and the dashboard's own callbacks each answer 429
with Retry-After past their budget; budgets are per client (behind the declared number
of trusted proxies) and shared by every process through Redis when it is configured.
"""

from __future__ import annotations

import gc
import uuid

import redis

from dashboard.factory import create_app
from layouts import ids

KPI_CALL = {
    "output": f"{ids.KPI}.children",
    "outputs": {"id": ids.KPI, "property": "children"},
    "inputs": [{"id": ids.FILTERS, "property": "data", "value": {}}],
    "changedPropIds": [f"{ids.FILTERS}.data"],
}


def _client(url: str, **config):
    return create_app({"DATABASE_URL": url, **config}).server.test_client()


def test_li001_downloads_and_embeds_share_one_budget(small_url):
    client = _client(small_url, DOWNLOAD_RATE_LIMIT="3 per minute")
    assert client.get("/download/overview/overview-issues.csv").status_code == 200
    assert client.get("/embed/overview/overview-issues").status_code == 200
    assert client.get("/download/overview/overview-cases.csv").status_code == 200
    refused = client.get("/embed/overview/overview-cases")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "rate limit" in refused.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200  # not a data surface


def test_li002_callbacks_have_their_own_budget(small_url):
    client = _client(small_url, CALLBACK_RATE_LIMIT="3 per minute")
    for _ in range(3):
        assert client.post("/_dash-update-component", json=KPI_CALL).status_code == 200
    refused = client.post("/_dash-update-component", json=KPI_CALL)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # The downloads keep their budget.
    assert client.get("/download/overview/overview-issues.csv").status_code == 200


def test_li003_each_reader_behind_a_trusted_proxy_has_a_budget(small_url):
    client = _client(small_url, CALLBACK_RATE_LIMIT="2 per minute", TRUSTED_PROXIES=1)

    def ask(address: str) -> int:
        headers = {"X-Forwarded-For": address}
        return client.post("/_dash-update-component", json=KPI_CALL, headers=headers).status_code

    assert [ask("203.0.113.1") for _ in range(3)] == [200, 200, 429]
    assert ask("203.0.113.2") == 200


def test_li004_without_trusted_proxies_a_forwarded_address_is_not_believed(small_url):
    client = _client(small_url, CALLBACK_RATE_LIMIT="2 per minute")
    codes = [
        client.post(
            "/_dash-update-component", json=KPI_CALL, headers={"X-Forwarded-For": f"198.51.100.{i}"}
        ).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]


def test_li005_budgets_are_shared_by_every_process_through_redis(small_url, redis_url):
    prefix = f"ilm-test-{uuid.uuid4().hex[:8]}"
    config = {
        "CALLBACK_RATE_LIMIT": "3 per minute",
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    first, second = _client(small_url, **config), _client(small_url, **config)
    codes = [
        client.post("/_dash-update-component", json=KPI_CALL).status_code
        for client in (first, second, first, second)
    ]
    assert codes == [200, 200, 200, 429]
    store = redis.Redis.from_url(redis_url)
    keys = store.keys(f"*{prefix}*")
    assert keys, "the limiter did not write to Redis"
    store.delete(*keys)


def test_li006_limits_switched_off_still_answer_every_surface(small_url):
    """RATELIMIT_ENABLED=False (a benchmark's own client): no 429, and no 500 once the
    app factory has returned and its locals are gone."""
    client = _client(small_url, RATELIMIT_ENABLED=False, CALLBACK_RATE_LIMIT="1 per minute")
    gc.collect()
    for _ in range(3):
        assert client.post("/_dash-update-component", json=KPI_CALL).status_code == 200
    assert client.get("/download/overview/overview-issues.csv").status_code == 200
