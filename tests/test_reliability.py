"""Leaks and lax parsing: unknown pages, digits, the Host header."""

from __future__ import annotations

import pytest

from dashboard.factory import create_app
from layouts import ids


@pytest.fixture(scope="module")
def client(imported_url):
    return create_app({"DATABASE_URL": imported_url}).server.test_client()


def test_rl001_an_unknown_page_is_a_404_that_links_every_view(client):
    response = client.get("/nowhere/at-all")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    for path in (ids.PATH_OVERVIEW, ids.PATH_RECRUITMENT, ids.PATH_METHODOLOGY):
        assert f'href="{path}"' in page


@pytest.mark.parametrize("path", [ids.PATH_OVERVIEW, ids.PATH_AUDITS, ids.PATH_AUDITS + "/"])
def test_rl002_views_still_answer_200(client, path):
    assert client.get(path).status_code == 200
