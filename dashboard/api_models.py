"""The public API's models: its query parameters and its answers, as marshmallow schemas.

The OpenAPI document (/api/v1/openapi.json) is generated from these models by apispec,
and the API checks each query parameter with the same fields (`check`), so what the
document says a parameter takes is what the endpoint takes. The allowed values come from
the query layer's allow-lists and the code lists when a model is made, so a measure,
breakdown or code added there appears in the document and the checks without an edit
here. The release's rules over combinations (fine-filter cap, periods, sparsity) stay in
`data_access.filters` and the query layer, which have the last word.
"""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, ValidationError, fields, validate

from callbacks import footprint as fp
from callbacks.urlstate import PARAMS
from dashboard.releases import HEADLINE_BY, HEADLINE_MEASURES
from data_access import query as q
from data_access import taxonomy
from data_access.disclosure import FEWER_THAN_K, NEAR_TOTAL, SAME_AS_LARGER
from data_access.exposure import MAX_SEGMENTS
from data_access.filters import RULE_PERIOD, RULE_VALUE

FORMATS = ("json", "csv")
# Names the issue text uses for the same thing the dashboard calls otherwise.
ALIASES = {"worksite_country": "country"}
PERIOD_PATTERN = r"^(all|[0-9]{4})$"
_PERIOD_ALLOWED = "all, or a calendar year as YYYY"
# The rule a bad value of a parameter breaks, when it is not simply "allowed values".
_RULE_OF = {"period": RULE_PERIOD}


def _text(description: str = "", **metadata) -> dict:
    return {"description": description, **metadata} if description else metadata


def _filter_field(name: str) -> fields.Field:
    about = f"Dashboard filter `{name}` (same code as in the dashboard URL)."
    if name == "period":
        return fields.String(
            validate=validate.Regexp(PERIOD_PATTERN, error="not all or YYYY"),
            metadata=_text(about, allowed=_PERIOD_ALLOWED),
        )
    if name == "corridor":
        # Every pair of two different countries of the code list, as Filters checks it
        # (a pattern would let through codes the API then refused).
        pairs = [
            f"{o}-{d}"
            for o in sorted(taxonomy.COUNTRIES)
            for d in sorted(taxonomy.COUNTRIES)
            if o != d
        ]
        return fields.String(
            validate=validate.OneOf(pairs),
            metadata=_text(about, allowed="ORIGIN-DESTINATION with ISO country codes, e.g. NP-KW"),
        )
    codes = taxonomy.CODE_LISTS.get(name)
    if codes:
        return fields.String(validate=validate.OneOf(sorted(codes)), metadata=_text(about))
    return fields.String(metadata=_text(about, allowed="see /api/v1/meta"))


def aggregates_query() -> Schema:
    """GET /api/v1/aggregates: the measure, its breakdowns, the filters, the format."""
    return Schema.from_dict(
        {
            "measure": fields.String(required=True, validate=validate.OneOf(list(q.MEASURES))),
            "by": fields.String(
                metadata=_text(
                    "One or two breakdowns, comma-separated; `worksite_country` is an alias "
                    "of `country`. Contacts have only month, quarter, year, nationality, "
                    "channel and language."
                )
            ),
            **{name: _filter_field(name) for name in PARAMS},
            "worksite_country": fields.String(
                validate=validate.OneOf(sorted(taxonomy.COUNTRIES)),
                metadata=_text("Alias of `country` (country of work); give one of the two."),
            ),
            "format": fields.String(load_default="json", validate=validate.OneOf(FORMATS)),
        },
        name="AggregatesQuery",
    )()


def exposure_query() -> Schema:
    """POST /api/v1/exposure's query parameters (a CSV body carries no options)."""
    return Schema.from_dict(
        {
            "period": fields.String(
                validate=validate.Regexp(PERIOD_PATTERN),
                metadata=_text(allowed=_PERIOD_ALLOWED),
            ),
            "weights": fields.String(validate=validate.OneOf(list(fp.WEIGHT_KINDS))),
        },
        name="ExposureQuery",
    )()


def allowed(schema: Schema, name: str) -> list[str] | str:
    """What a parameter of a model takes, as a 400 answer names it: its own words where
    a list would be too long to read (the corridors), else its values."""
    field = schema.fields[name]
    if "allowed" in field.metadata:
        return field.metadata["allowed"]
    for rule in field.validators:
        if isinstance(rule, validate.OneOf):
            return [str(c) for c in rule.choices]
    return "see /api/v1/openapi.json"


def check(schema: Schema, name: str, value: str) -> str | None:
    """The rule a query parameter's value breaks (RULE_*), or None when its model takes it."""
    try:
        schema.fields[name].deserialize(value)
    except ValidationError:
        return _RULE_OF.get(name, RULE_VALUE)
    return None


# -- answers -----------------------------------------------------------------------------


class Disclosure(Schema):
    k = fields.Integer(required=True)
    c = fields.Integer(required=True)
    noise = fields.Integer(required=True)
    sum_noise = fields.List(fields.Float(), required=True)
    sparsity = fields.Float(required=True)
    max_fine_filters = fields.Integer(required=True)
    fine_filters = fields.List(fields.String())
    max_breakdowns = fields.Integer()
    periods = fields.List(fields.String(), required=True)
    rule = fields.String(required=True)


class Error(Schema):
    error = fields.String(required=True)
    rule = fields.String()
    drop_one_of = fields.List(fields.String())
    parameter = fields.String(required=True, allow_none=True)
    value = fields.Raw(allow_none=True)
    allowed = fields.Raw(
        required=True,
        metadata={"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
    )
    messages = fields.List(fields.String())


def _provenance() -> dict:
    """What every answer says about its data version."""
    return {
        "synthetic": fields.Boolean(
            required=True,
            metadata=_text("true: generated demonstration data, not ILM figures"),
        ),
        "notice": fields.String(
            metadata=_text("Only on demonstration data: the label to keep with any number used")
        ),
    }


def meta_schema() -> type[Schema]:
    return Schema.from_dict(
        {
            "data_version": fields.Integer(required=True),
            "as_of": fields.String(required=True),
            "loaded_at": fields.String(),
            **_provenance(),
            "disclosure": fields.Nested(Disclosure, required=True),
            "taxonomies": fields.Dict(
                keys=fields.String(),
                values=fields.Dict(keys=fields.String(), values=fields.String()),
                required=True,
            ),
            "measures": fields.List(fields.String(), required=True),
            "breakdowns": fields.Dict(
                keys=fields.String(), values=fields.List(fields.String()), required=True
            ),
            "filters": fields.List(fields.String(), required=True),
            "corridors": fields.List(fields.String()),
            "licence": fields.String(required=True),
        },
        name="Meta",
    )


def _all_breakdowns() -> list[str]:
    names: list[str] = []
    for measure in q.MEASURES:
        names += [b for b in q.breakdowns(measure) if b not in names]
    return names


def aggregates_schema() -> type[Schema]:
    breakdowns = _all_breakdowns()
    row = Schema.from_dict(
        {
            # A row names its cell by the breakdowns asked for, each under its own name.
            **{name: fields.String() for name in breakdowns},
            "value": fields.Integer(required=True, allow_none=True),
            "suppressed": fields.Boolean(required=True),
            "reason": fields.String(
                required=True,
                allow_none=True,
                validate=validate.OneOf([FEWER_THAN_K, NEAR_TOTAL, SAME_AS_LARGER]),
            ),
        },
        name="AggregateRow",
    )
    return Schema.from_dict(
        {
            "measure": fields.String(required=True, validate=validate.OneOf(list(q.MEASURES))),
            "by": fields.List(
                fields.String(validate=validate.OneOf(breakdowns)),
                required=True,
            ),
            "filters": fields.Dict(keys=fields.String(), values=fields.String(), required=True),
            "ignored_filters": fields.List(fields.String()),
            "data_version": fields.Integer(required=True),
            "as_of": fields.String(required=True),
            **_provenance(),
            "disclosure": fields.Nested(Disclosure),
            "licence": fields.String(),
            "rows": fields.List(fields.Nested(row), required=True),
        },
        name="Aggregates",
    )


class FootprintRow(Schema):
    country = fields.String(
        required=True,
        validate=validate.Regexp(r"\S"),
        metadata=_text("Country of work: ISO code or name"),
    )
    industry = fields.String(required=True, validate=validate.Regexp(r"\S"))
    weight = fields.Float(validate=validate.Range(min=0))
    nationalities = fields.List(fields.String())


def footprint_schema() -> type[Schema]:
    return Schema.from_dict(
        {
            "rows": fields.List(
                fields.Nested(FootprintRow),
                required=True,
                validate=validate.Length(min=1, max=MAX_SEGMENTS),
            ),
            "period": fields.String(validate=validate.Regexp(PERIOD_PATTERN)),
            "weights": fields.String(validate=validate.OneOf(list(fp.WEIGHT_KINDS))),
        },
        name="Footprint",
    )


class Exposure(Schema):
    data_version = fields.Integer(required=True)
    as_of = fields.String(required=True)
    synthetic = fields.Boolean(required=True)
    notice = fields.String()
    period = fields.String(required=True)
    weights = fields.String()
    score = fields.String(required=True)
    footprint = fields.List(fields.Dict())
    segments = fields.List(fields.Dict(), required=True)
    tables = fields.Dict(required=True)
    disclosure = fields.Nested(Disclosure)
    licence = fields.String()


class Change(Schema):
    measure = fields.String(validate=validate.OneOf(HEADLINE_MEASURES))
    by = fields.String(validate=validate.OneOf(HEADLINE_BY))
    code = fields.String()
    previous = fields.Integer()
    current = fields.Integer()
    change = fields.Integer()
    beyond_noise = fields.Boolean()


class ReleaseRow(Schema):
    by = fields.String()
    code = fields.String()


class Release(Schema):
    data_version = fields.Integer(required=True)
    as_of = fields.String(required=True)
    loaded_at = fields.String()
    synthetic = fields.Boolean(required=True)
    notice = fields.String()
    notes_recorded = fields.Boolean(
        required=True,
        metadata=_text("false: this server did not publish the version, so kept no notes"),
    )
    summary = fields.List(fields.String(), required=True)
    previous_version = fields.Integer(allow_none=True)
    previous_as_of = fields.String(allow_none=True)
    compared = fields.Boolean()
    not_compared = fields.String(
        allow_none=True,
        validate=validate.OneOf(["first", "rules_changed", "previous_not_recorded"]),
    )
    noise_bound = fields.Integer(
        metadata=_text("Differences of at most this much are not called changes")
    )
    headline = fields.List(fields.Nested(Change))
    largest_changes = fields.List(fields.Nested(Change))
    newly_published = fields.List(fields.Nested(ReleaseRow))
    no_longer_published = fields.List(fields.Nested(ReleaseRow))
    revisions = fields.List(fields.Nested(Change))


class Releases(Schema):
    data_version = fields.Integer(required=True)
    as_of = fields.String()
    synthetic = fields.Boolean(required=True)
    notice = fields.String()
    licence = fields.String()
    releases = fields.List(fields.Nested(Release), required=True)


# -- the document ------------------------------------------------------------------------


def _json(schema, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document(description: str, licence: dict) -> dict:
    """The OpenAPI 3 document, generated from the models above."""
    spec = APISpec(
        title="ILM Community Dashboard public API",
        version="1",
        openapi_version="3.0.3",
        info={"description": description, "license": licence},
        plugins=[MarshmallowPlugin()],
    )
    # Nested models first: a model met inside another is registered under its own name.
    for name, schema in (
        ("Disclosure", Disclosure),
        ("Error", Error),
        ("Footprint", footprint_schema()),
        ("Exposure", Exposure),
        ("Meta", meta_schema()),
        ("Aggregates", aggregates_schema()),
        ("Release", Release),
        ("Releases", Releases),
    ):
        spec.components.schema(name, schema=schema)
    common = {
        "400": _json("Error", "A bad parameter"),
        "429": _json("Error", "Too many requests; see Retry-After"),
        "503": _json("Error", "No data version is loaded yet"),
    }
    not_modified = {"description": "Not modified (If-None-Match matched the ETag)"}
    spec.path(
        path="/api/v1/meta",
        operations={
            "get": {
                "operationId": "meta",
                "summary": "Data version, as-of month, disclosure parameters, code lists",
                "responses": {
                    "200": _json("Meta", "Metadata"),
                    "429": common["429"],
                    "503": common["503"],
                },
            }
        },
    )
    spec.path(
        path="/api/v1/exposure",
        operations={
            "post": {
                "operationId": "exposure",
                "summary": "A supply-chain footprint's protected exposure profile",
                "description": (
                    "The exposure view's profile for a footprint sent in the request: at most "
                    f"{MAX_SEGMENTS} rows of a country of work and an industry, each with an "
                    "optional weight and the worker nationalities. JSON as in the schema, or "
                    "the view's CSV template (Content-Type text/csv; then `period` and "
                    "`weights` are query parameters). Nothing is stored."
                ),
                "parameters": [{"in": "query", "schema": exposure_query()}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": "Footprint"},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                "responses": {
                    "200": _json("Exposure", "The protected profile, the score and its tables"),
                    "413": _json("Error", "The body is too large"),
                    "415": _json("Error", "Neither JSON nor CSV"),
                    **common,
                },
            }
        },
    )
    spec.path(
        path="/api/v1/aggregates",
        operations={
            "get": {
                "operationId": "aggregates",
                "summary": "A protected measure, broken down by zero, one or two dimensions",
                "parameters": [{"in": "query", "schema": aggregates_query()}],
                "responses": {
                    "200": {
                        "description": "Protected values; withheld cells have value null",
                        "content": {
                            "application/json": {"schema": "Aggregates"},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "304": not_modified,
                    **common,
                },
            }
        },
    )
    spec.path(
        path="/api/v1/releases",
        operations={
            "get": {
                "operationId": "releases",
                "summary": "Release notes: what changed in the published numbers, per data version",
                "description": (
                    "Every loaded data version, newest first, with notes comparing its "
                    "published (protected) headline numbers with the previous version's: "
                    "headline totals, the largest changes by country, nationality, industry "
                    "and issue, rows newly published or withheld, and revised months. "
                    "Differences within the noise bound are not called changes."
                ),
                "responses": {
                    "200": _json("Releases", "Release notes"),
                    "304": not_modified,
                    "429": {"description": "Too many requests; see Retry-After"},
                    "503": {"description": "No data version is loaded yet"},
                },
            }
        },
    )
    return spec.to_dict()
