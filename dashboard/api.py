"""The public read API, /api/v1: the dashboard's protected numbers for machines.

One query layer, one protection: every number comes from `DataAccess.aggregate`, the
same call the charts make, so the API and the dashboard give the same numbers for the
same selection. Filters have the names and codes of the dashboard's URL
(callbacks.urlstate.PARAMS); measures and breakdowns come from the query layer's own
allow-lists, so a breakdown added there appears here and in the OpenAPI document.
Any bad parameter is a 400 naming it and its allowed values.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from flask import Blueprint, Response, jsonify, request

from callbacks.urlstate import LEGACY_PERIOD, PARAMS, field_values, legacy_period
from dashboard import exposure_api as xa
from dashboard import headers, releases, templating
from data_access import query as q
from data_access import taxonomy
from data_access.disclosure import (
    EZS_HIGH,
    EZS_LOW,
    FEWER_THAN_K,
    NEAR_TOTAL,
    SAME_AS_LARGER,
)
from data_access.exposure import MAX_SEGMENTS
from data_access.filters import (
    FINE_FILTERS,
    MAX_FINE_FILTERS,
    RULE_PERIOD,
    RULE_SPARSITY,
    RULE_VALUE,
    Filters,
    InvalidParameter,
)
from data_access.query import DataAccess, NoData
from layouts import csvfile, ids
from layouts.format import published_csv
from layouts.provenance import (
    LICENCE,
    LICENCE_URL,
    disclosure_rule,
    file_suffix,
    synthetic_label,
)

# Names the issue text uses for the same thing the dashboard calls otherwise.
ALIASES = {"worksite_country": "country"}
CONTROL = ("measure", "by", "format")
FORMATS = ("json", "csv")
# What every answer says about its data version (see provenance()).
_PROVENANCE_PROPERTIES = {
    "synthetic": {
        "type": "boolean",
        "description": "true: generated demonstration data, not ILM figures",
    },
    "notice": {
        "type": "string",
        "description": "Only on demonstration data: the label to keep with any number used",
    },
}
# Filters fields that a URL parameter sets, to name the right parameter in a 400.
_PARAM_OF_FIELD = {"origin": "corridor", "destination": "corridor"}


class BadRequest(Exception):
    def __init__(
        self,
        parameter: str,
        value: object,
        allowed: list[str] | str,
        why: str = "",
        rule: str = RULE_VALUE,
        **extra,
    ):
        self.parameter, self.value, self.allowed, self.why = parameter, value, allowed, why
        self.rule, self.extra = rule, extra


def measures() -> list[str]:
    return list(q.MEASURES)


def breakdowns(measure: str) -> list[str]:
    """The breakdowns the query layer accepts for a measure (its allow-list, in order)."""
    return q.breakdowns(measure)


def all_breakdowns() -> list[str]:
    names: list[str] = []
    for measure in measures():
        names += [b for b in breakdowns(measure) if b not in names]
    return names


def filter_names() -> list[str]:
    return list(PARAMS)


def _allowed_values(name: str) -> list[str] | str:
    if name == "period":
        return "all, or a calendar year as YYYY"
    if name in LEGACY_PERIOD:
        return "a month as YYYY-MM; from and to together naming one whole year"
    if name == "corridor":
        return "ORIGIN-DESTINATION with ISO country codes, e.g. NP-KW"
    codes = taxonomy.CODE_LISTS.get(name)
    return sorted(codes) if codes else "see /api/v1/meta"


def parse_request(args: list[tuple[str, str]]) -> tuple[str, tuple[str, ...], Filters, str]:
    """measure, by, filters and format from query pairs; BadRequest on anything wrong."""
    known = [*CONTROL, *filter_names(), *LEGACY_PERIOD, *ALIASES]
    seen: dict[str, str] = {}
    given_as: dict[str, str] = {}  # canonical name -> the name the client used
    for name, value in args:
        if name not in known:
            raise BadRequest(name, value, known, "unknown parameter")
        canonical = ALIASES.get(name, name)
        if canonical in seen:
            raise BadRequest(name, value, known, "given more than once")
        seen[canonical] = value
        given_as[canonical] = name
    measure = seen.get("measure")
    if not measure:
        raise BadRequest("measure", measure, measures(), "required")
    if measure not in q.MEASURES:
        raise BadRequest("measure", measure, measures())
    fmt = seen.get("format", "json")
    if fmt not in FORMATS:
        raise BadRequest("format", fmt, list(FORMATS))
    by: tuple[str, ...] = ()
    if seen.get("by"):
        by = tuple(ALIASES.get(b.strip(), b.strip()) for b in seen["by"].split(","))
        allowed = breakdowns(measure)
        for name in by:
            if name not in allowed:
                raise BadRequest("by", name, allowed, f"not a breakdown of {measure}")
        if len(by) > q.MAX_BREAKDOWN or len(set(by)) != len(by):
            raise BadRequest(
                "by", seen["by"], allowed, f"at most {q.MAX_BREAKDOWN} distinct breakdowns"
            )
    values: dict[str, str] = {}
    for name in filter_names():
        value = seen.get(name)
        if value is None or (name == "period" and value == "all"):
            continue
        used = given_as[name]
        if value == "":
            raise BadRequest(used, value, _allowed_values(name), "empty value")
        try:
            candidate = field_values(name, value)
            Filters(**candidate)
        except InvalidParameter as exc:
            raise BadRequest(used, value, _allowed_values(name), rule=exc.rule) from None
        values.update(candidate)
    if any(name in seen for name in LEGACY_PERIOD):
        year = legacy_period(seen.get("from"), seen.get("to"))
        if year is None or "period" in values:
            raise BadRequest(
                "from" if "from" in seen else "to",
                seen.get("from") or seen.get("to"),
                _allowed_values("period"),
                "periods are whole calendar years: use period=YYYY",
                RULE_PERIOD,
            )
        values["period"] = year
    try:
        filters = Filters(**values)
    except InvalidParameter as exc:
        # Each value was valid alone: the combination breaks a rule of the release.
        raise BadRequest(exc.parameter, exc.value, exc.allowed, rule=exc.rule) from None
    return measure, by, filters, fmt


def url_filters(filters: Filters) -> dict[str, str]:
    """The active filters under their URL names."""
    return {name: filters.value_of(name) for name in PARAMS if filters.value_of(name)}


def disclosure(data: DataAccess) -> dict:
    """The release's parameters: what every published number went through."""
    p = data.params
    return {
        "k": p.k,
        "c": p.c,
        "noise": p.noise,
        "sum_noise": [EZS_LOW, EZS_HIGH],
        "sparsity": p.sparsity,
        "max_fine_filters": MAX_FINE_FILTERS,
        "fine_filters": list(FINE_FILTERS),
        "max_breakdowns": q.MAX_BREAKDOWN,
        "periods": ["all", *data.periods()],
        "rule": disclosure_rule(p),
    }


def provenance(info: q.VersionInfo) -> dict:
    """What every answer says about its data: synthetic (the demo) or not, and if so, so."""
    out: dict = {"synthetic": info.synthetic}
    if info.synthetic:
        out["notice"] = synthetic_label()
    return out


def csv_answer(result, k: int, synthetic: bool = False) -> str:
    """The CSV answer (also each table of the data package); demonstration data starts
    with a `#` line saying so (the only case in which the API's CSV has one: read it with
    `comment="#"`). Written at once, inside the request, so the notice is in its language."""
    notice = [f"# {synthetic_label()}\n"] if synthetic else []
    rows = ([*keys, published_csv(p, k)] for keys, p in result.rows)
    return "".join([*notice, csvfile.row([*result.by, result.measure]), *csvfile.lines(rows)])


def _synthetic(data: DataAccess | None) -> bool:
    """Whether the loaded data version is the demo's (no data loaded: nothing to label)."""
    try:
        return data is not None and data.version().synthetic
    except NoData:
        return False


def _synthetic_prefix(data: DataAccess | None) -> str:
    """The demo's label first in the API's description, when the data shown is the demo."""
    return f"{synthetic_label()}. " if _synthetic(data) else ""


def openapi(data: DataAccess | None = None) -> dict:
    """The OpenAPI 3 document, built from the same allow-lists the endpoints check."""
    error = {"$ref": "#/components/schemas/Error"}
    filter_params = []
    for name in filter_names():
        schema: dict = {"type": "string"}
        allowed = _allowed_values(name)
        if isinstance(allowed, list):
            schema["enum"] = allowed
        elif name == "period":
            schema["pattern"] = r"^(all|[0-9]{4})$"
        elif name == "corridor":
            # Every pair of two different countries of the code list, as the API checks
            # it (a pattern let through codes the API then refused).
            schema["enum"] = [
                f"{o}-{d}"
                for o in sorted(taxonomy.COUNTRIES)
                for d in sorted(taxonomy.COUNTRIES)
                if o != d
            ]
        filter_params.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": schema,
                "description": f"Dashboard filter `{name}` (same code as in the dashboard URL).",
            }
        )
    filter_params.append(
        {
            "name": "worksite_country",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": sorted(taxonomy.COUNTRIES)},
            "description": "Alias of `country` (country of work); give one of the two.",
        }
    )
    responses_common = {
        "400": {
            "description": "A bad parameter",
            "content": {"application/json": {"schema": error}},
        },
        "429": {
            "description": "Too many requests; see Retry-After",
            "content": {"application/json": {"schema": error}},
        },
        "503": {
            "description": "No data version is loaded yet",
            "content": {"application/json": {"schema": error}},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ILM Community Dashboard public API",
            "version": "1",
            "description": (
                _synthetic_prefix(data)
                + "Protected aggregates of what migrant workers report through the ILM network's "
                "worker-voice channels: the same numbers as the dashboard, through the same "
                "disclosure control. "
                + (disclosure_rule(data.params) if data else "")
                + " Every answer says whether its data version is synthetic (`synthetic`); "
                "demonstration data also carries a `notice` (a first `#` line in CSV)."
            ),
            "license": {"name": LICENCE, "url": LICENCE_URL},
        },
        "paths": {
            "/api/v1/meta": {
                "get": {
                    "operationId": "meta",
                    "summary": "Data version, as-of month, disclosure parameters, code lists",
                    "responses": {
                        "200": {
                            "description": "Metadata",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Meta"}
                                }
                            },
                        },
                        "429": responses_common["429"],
                        "503": responses_common["503"],
                    },
                }
            },
            "/api/v1/exposure": {
                "post": {
                    "operationId": "exposure",
                    "summary": "A supply-chain footprint's protected exposure profile",
                    "description": (
                        "The exposure view's profile for a footprint sent in the request: "
                        "at most 20 rows of a country of work and an industry, each with an "
                        "optional weight and the worker nationalities. JSON as in the schema, "
                        "or the view's CSV template (Content-Type text/csv; then `period` and "
                        "`weights` are query parameters). Nothing is stored."
                    ),
                    "parameters": [
                        {
                            "name": "period",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "pattern": r"^(all|[0-9]{4})$"},
                        },
                        {
                            "name": "weights",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": list(xa.WEIGHT_KINDS)},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Footprint"}
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The protected profile, the score and its tables",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Exposure"}
                                }
                            },
                        },
                        "413": {
                            "description": "The body is too large",
                            "content": {"application/json": {"schema": error}},
                        },
                        "415": {
                            "description": "Neither JSON nor CSV",
                            "content": {"application/json": {"schema": error}},
                        },
                        **responses_common,
                    },
                }
            },
            "/api/v1/aggregates": {
                "get": {
                    "operationId": "aggregates",
                    "summary": "A protected measure, broken down by zero, one or two dimensions",
                    "parameters": [
                        {
                            "name": "measure",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "enum": measures()},
                        },
                        {
                            "name": "by",
                            "in": "query",
                            "required": False,
                            "description": (
                                "One or two breakdowns, comma-separated; `worksite_country` is "
                                "an alias of `country`. Contacts have only month, quarter, "
                                "year, nationality, channel and language."
                            ),
                            "schema": {"type": "string"},
                        },
                        *filter_params,
                        {
                            "name": "format",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": list(FORMATS), "default": "json"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "Protected values; withheld cells have value null",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Aggregates"}
                                },
                                "text/csv": {"schema": {"type": "string"}},
                            },
                        },
                        "304": {"description": "Not modified (If-None-Match matched the ETag)"},
                        **responses_common,
                    },
                }
            },
            **releases.openapi_paths(),
        },
        "components": {
            "schemas": {
                "Footprint": {
                    "type": "object",
                    "required": ["rows"],
                    "properties": {
                        "rows": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_SEGMENTS,
                            "items": {
                                "type": "object",
                                "required": ["country", "industry"],
                                "additionalProperties": False,
                                "properties": {
                                    "country": {
                                        "type": "string",
                                        "pattern": r"\S",
                                        "description": "Country of work: ISO code or name",
                                    },
                                    "industry": {"type": "string", "pattern": r"\S"},
                                    "weight": {"type": "number", "minimum": 0},
                                    "nationalities": {
                                        "type": "array",
                                        "items": {"type": "string"},
                                    },
                                },
                            },
                        },
                        "period": {"type": "string", "pattern": r"^(all|[0-9]{4})$"},
                        "weights": {"type": "string", "enum": list(xa.WEIGHT_KINDS)},
                    },
                },
                "Exposure": {
                    "type": "object",
                    "required": [
                        "data_version",
                        "as_of",
                        "synthetic",
                        "period",
                        "score",
                        "segments",
                        "tables",
                    ],
                    "properties": {
                        "data_version": {"type": "integer"},
                        "as_of": {"type": "string"},
                        "synthetic": {"type": "boolean"},
                        "period": {"type": "string"},
                        "weights": {"type": "string"},
                        "score": {"type": "string"},
                        "footprint": {"type": "array", "items": {"type": "object"}},
                        "segments": {"type": "array", "items": {"type": "object"}},
                        "tables": {"type": "object"},
                        "disclosure": {"$ref": "#/components/schemas/Disclosure"},
                        "licence": {"type": "string"},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error", "parameter", "allowed"],
                    "properties": {
                        "error": {"type": "string"},
                        "rule": {"type": "string"},
                        "drop_one_of": {"type": "array", "items": {"type": "string"}},
                        "parameter": {"type": "string", "nullable": True},
                        "value": {"nullable": True},
                        "allowed": {
                            "oneOf": [
                                {"type": "array", "items": {"type": "string"}},
                                {"type": "string"},
                            ]
                        },
                    },
                },
                "Disclosure": {
                    "type": "object",
                    "required": [
                        "k",
                        "c",
                        "noise",
                        "sum_noise",
                        "sparsity",
                        "max_fine_filters",
                        "periods",
                        "rule",
                    ],
                    "properties": {
                        "k": {"type": "integer"},
                        "c": {"type": "integer"},
                        "noise": {"type": "integer"},
                        "sum_noise": {"type": "array", "items": {"type": "number"}},
                        "sparsity": {"type": "number"},
                        "max_fine_filters": {"type": "integer"},
                        "fine_filters": {"type": "array", "items": {"type": "string"}},
                        "max_breakdowns": {"type": "integer"},
                        "periods": {"type": "array", "items": {"type": "string"}},
                        "rule": {"type": "string"},
                    },
                },
                "Meta": {
                    "type": "object",
                    "required": [
                        "data_version",
                        "as_of",
                        "synthetic",
                        "disclosure",
                        "taxonomies",
                        "measures",
                        "breakdowns",
                        "filters",
                        "licence",
                    ],
                    "properties": {
                        "data_version": {"type": "integer"},
                        "as_of": {"type": "string"},
                        "loaded_at": {"type": "string"},
                        "disclosure": {"$ref": "#/components/schemas/Disclosure"},
                        "taxonomies": {
                            "type": "object",
                            "additionalProperties": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                        },
                        "measures": {"type": "array", "items": {"type": "string"}},
                        "breakdowns": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        },
                        "filters": {"type": "array", "items": {"type": "string"}},
                        "licence": {"type": "string"},
                        **_PROVENANCE_PROPERTIES,
                    },
                },
                "Aggregates": {
                    "type": "object",
                    "required": [
                        "measure",
                        "by",
                        "filters",
                        "data_version",
                        "as_of",
                        "synthetic",
                        "rows",
                    ],
                    "properties": {
                        "measure": {"type": "string", "enum": measures()},
                        "by": {
                            "type": "array",
                            "items": {"type": "string", "enum": all_breakdowns()},
                        },
                        "filters": {"type": "object", "additionalProperties": {"type": "string"}},
                        "ignored_filters": {"type": "array", "items": {"type": "string"}},
                        "data_version": {"type": "integer"},
                        "as_of": {"type": "string"},
                        "disclosure": {"$ref": "#/components/schemas/Disclosure"},
                        "licence": {"type": "string"},
                        **_PROVENANCE_PROPERTIES,
                        "rows": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["value", "suppressed", "reason"],
                                "properties": {
                                    "value": {"type": "integer", "nullable": True},
                                    "suppressed": {"type": "boolean"},
                                    "reason": {
                                        "type": "string",
                                        "nullable": True,
                                        "enum": [FEWER_THAN_K, NEAR_TOTAL, SAME_AS_LARGER, None],
                                    },
                                },
                                "additionalProperties": {"type": "string"},
                            },
                        },
                    },
                },
            }
        },
    }


def docs_page(spec: dict, notice: str = "") -> str:
    """A human page for the API (templates/api_docs.html): endpoints, parameters with
    allowed values, examples.

    `notice` (the demo's label, when the data is synthetic) heads the page in a box.
    """
    return templating.render(
        "api_docs.html",
        lang="en",
        spec=spec,
        notice=notice,
        licence=LICENCE,
        licence_url=LICENCE_URL,
    )


def _json_body(body: bytes) -> object:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: arrays nested thousands deep, which fit under the size cap.
        raise xa.FootprintRequestError(["The body is not valid JSON (UTF-8)."]) from None


def _error(parameter: str | None, value, allowed, message: str, status: int):
    return jsonify(error=message, parameter=parameter, value=value, allowed=allowed), status


def unrouted(url_map, path: str, method: str):
    """The API's answer to a request under /api/v1 that none of its routes takes (the
    dashboard's page route takes every GET): 405 naming the methods its path allows,
    else 404, both as the API's JSON error."""
    allowed = sorted(
        {m for rule in url_map.iter_rules() if rule.rule == path for m in rule.methods or ()}
    )
    if allowed:
        response, status = _error(None, method, allowed, f"{method} is not allowed here", 405)
        response.headers["Allow"] = ", ".join(allowed)
        return response, status
    return _error(None, path, [], "no such API path; see /api/v1/openapi.json", 404)


def blueprint(data: DataAccess) -> Blueprint:
    """/api/v1: its rate limit is applied by the factory (dashboard.limits)."""
    bp = Blueprint("api_v1", __name__, url_prefix=ids.PATH_API)

    @bp.errorhandler(BadRequest)
    def _bad(exc: BadRequest):
        message = f"{exc.parameter}={exc.value!r} is not allowed"
        if exc.why:
            message += f": {exc.why}"
        response, status = _error(exc.parameter, exc.value, exc.allowed, message, 400)
        body = response.get_json()
        body.update(rule=exc.rule, **exc.extra)
        return jsonify(body), status

    @bp.errorhandler(NoData)
    def _no_data(exc: NoData):
        return _error(None, None, [], str(exc), 503)

    @bp.after_request
    def _public(response):
        if request.method == "OPTIONS" and request.url_rule is not None:
            # Werkzeug lists the methods of every rule matching the path, the dashboard's
            # catch-all page route (GET) among them: an API path allows only its own.
            response.headers["Allow"] = ", ".join(sorted(request.url_rule.methods or ()))
        return response

    headers.public_reads(bp)

    @bp.get("/openapi.json")
    def _openapi():
        return jsonify(openapi(data))

    @bp.get("/")
    def _docs():
        notice = synthetic_label() if _synthetic(data) else ""
        return Response(docs_page(openapi(data), notice), mimetype="text/html")

    @bp.get("/meta")
    def _meta():
        info = data.version()
        return jsonify(
            data_version=info.version,
            as_of=info.as_of,
            **provenance(info),
            loaded_at=info.loaded_at,
            disclosure=disclosure(data),
            taxonomies=taxonomy.CODE_LISTS,
            measures=measures(),
            breakdowns={m: breakdowns(m) for m in measures()},
            filters=filter_names(),
            corridors=list(data.corridors()),
            licence=f"{LICENCE} ({LICENCE_URL})",
        )

    @bp.post("/exposure")
    def _exposure():
        if (request.content_length or 0) > xa.MAX_BODY:
            return _error(None, None, [], f"the body is over {xa.MAX_BODY // 1024} KB", 413)
        body = request.get_data(cache=False)
        if len(body) > xa.MAX_BODY:
            return _error(None, None, [], f"the body is over {xa.MAX_BODY // 1024} KB", 413)
        mimetype = request.mimetype
        options = dict(request.args)
        try:
            if mimetype == "application/json":
                parsed = _json_body(body)
                footprint = xa.footprint_from_json(parsed)
                given = {k: parsed[k] for k in ("period", "weights") if k in parsed}
                options = {**options, **given}
            elif mimetype in ("text/csv", "text/plain"):
                footprint = xa.footprint_from_csv(body)
            else:
                return _error(
                    None, mimetype, ["application/json", "text/csv"], "send JSON or CSV", 415
                )
        except xa.FootprintRequestError as exc:
            response, status = _error("rows", None, [], "; ".join(exc.messages), 400)
            return jsonify({**response.get_json(), "messages": list(exc.messages)}), status
        period = options.get("period", "all")
        kind = options.get("weights", "sites")
        if not isinstance(period, str) or (period != "all" and period not in data.periods()):
            raise BadRequest("period", period, ["all", *data.periods()], rule=RULE_PERIOD)
        if kind not in xa.WEIGHT_KINDS:
            raise BadRequest("weights", kind, list(xa.WEIGHT_KINDS))
        filters = Filters(period=None if period == "all" else period)
        _profile, answer = xa.answer(data, footprint, filters, kind)
        info = data.version()
        response = jsonify(
            data_version=info.version,
            as_of=info.as_of,
            **provenance(info),
            disclosure=disclosure(data),
            licence=f"{LICENCE} ({LICENCE_URL})",
            **answer,
        )
        # A footprint is a brand's own business: no shared cache may keep the answer.
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/aggregates")
    def _aggregates():
        pairs = parse_qsl(request.query_string.decode(errors="replace"), keep_blank_values=True)
        measure, by, filters, fmt = parse_request(pairs)

        try:
            result = data.aggregate(measure, by, filters)
        except InvalidParameter as exc:  # the query layer has the last word
            raise BadRequest(exc.parameter, exc.value, exc.allowed, rule=exc.rule) from None
        if result.refused:
            drop = [n for n in filters.fine()] + (["period"] if filters.period else [])
            raise BadRequest(
                "by",
                ",".join(by),
                breakdowns(measure),
                "too sparse to publish: most of this table's cells would be withheld; "
                "drop one of the filters, choose all years, or a coarser breakdown",
                RULE_SPARSITY,
                drop_one_of=drop,
            )
        info = data.version()
        if fmt == "csv":
            name = f"ilm-{measure}-v{info.version}{file_suffix(info.synthetic)}.csv"
            return Response(
                csv_answer(result, data.params.k, info.synthetic),
                mimetype="text/csv",
                headers={"Content-Disposition": f'inline; filename="{name}"'},
            )
        rows = [
            {
                **dict(zip(by, keys)),
                "value": p.value,
                "suppressed": p.suppressed,
                "reason": p.reason,
            }
            for keys, p in result.rows
        ]
        return jsonify(
            measure=measure,
            by=list(by),
            filters=url_filters(filters),
            ignored_filters=[_PARAM_OF_FIELD.get(f, f) for f in result.ignored_filters],
            data_version=info.version,
            as_of=info.as_of,
            **provenance(info),
            disclosure=disclosure(data),
            licence=f"{LICENCE} ({LICENCE_URL})",
            rows=rows,
        )

    return bp
