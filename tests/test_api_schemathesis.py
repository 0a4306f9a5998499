"""schemathesis against the API's own OpenAPI document (/api/v1/openapi.json).

Every operation gets requests generated from its schema, valid and invalid, through the
Flask app (no server, no network), and every answer is checked: never a server error,
status codes, content types, headers and bodies as the document declares them, invalid
requests refused. Bounded by hypothesis' example count per operation (API_FUZZ_EXAMPLES,
default 150), with no per-example deadline (a busy machine would trip one without cause).

A request the document allows may still get a 400 for a rule OpenAPI 3.0 cannot state,
between parameters or about the data: at most two fine filters, a breakdown that the
measure has not, a country given under both its names, the years the data covers, a
table too sparse to publish, a footprint's names (free text) and rules across its rows. Such a 400
must name its rule; any other refusal of a schema-valid request means the document says
more is allowed than the API takes, and fails.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.generation.meta import GenerationMode

from dashboard.factory import create_app
from data_access.filters import RULE_FINE_FILTERS, RULE_PERIOD, RULE_SPARSITY

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "150"))
UNSTATED_RULES = {RULE_FINE_FILTERS, RULE_PERIOD, RULE_SPARSITY}


@pytest.fixture(scope="session")
def api_schema(small_url):
    app = create_app({"DATABASE_URL": small_url})
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app.server)


schema = schemathesis.pytest.from_fixture("api_schema")


def _unstated(body: dict) -> bool:
    """A refusal for a rule the document cannot state (see the module's docstring)."""
    if body.get("rule") in UNSTATED_RULES:
        return True
    error = str(body.get("error"))
    # A footprint's names are free text (codes, names, aliases in any case): only the
    # reader's own list can say which it knows; a repeated segment or weights given for
    # some rows only are rules across rows.
    if body.get("parameter") == "rows" and body.get("messages"):
        return "header but no rows" not in error
    if body.get("parameter") == "by" and "not a breakdown of" in error:
        return True
    # `country` and its alias `worksite_country` together.
    return body.get("parameter") in ("country", "worksite_country") and "more than once" in error


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_sa001_every_api_operation_answers_as_its_openapi_document_says(case):
    # Uncompressed: the WSGI client does not decode what Flask-Compress would send.
    response = case.call(headers={"Accept-Encoding": "identity"})
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
    if case.meta.generation.mode == GenerationMode.POSITIVE and response.status_code == 400:
        body = response.json()
        assert _unstated(body), f"a schema-valid request was refused: {body}"
