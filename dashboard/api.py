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
from dashboard import api_models as models
from dashboard import exposure_api as xa
from dashboard import headers, templating
from data_access import query as q
from data_access import taxonomy
from data_access.disclosure import (
    EZS_HIGH,
    EZS_LOW,
)
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

ALIASES = models.ALIASES
CONTROL = ("measure", "by", "format")
FORMATS = models.FORMATS
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


def parse_request(args: list[tuple[str, str]]) -> tuple[str, tuple[str, ...], Filters, str]:
    """measure, by, filters and format from query pairs; BadRequest on anything wrong.

    Each value is checked by its field of the API's model (the one the OpenAPI document
    is generated from), then the combination by the release's Filters."""
    model = models.aggregates_query()
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
        raise BadRequest("measure", measure, models.allowed(model, "measure"), "required")
    for name in ("measure", "format"):
        if name in seen and models.check(model, name, seen[name]):
            raise BadRequest(name, seen[name], models.allowed(model, name))
    fmt = seen.get("format", "json")
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
        allowed = models.allowed(model, name)
        if value == "":
            raise BadRequest(used, value, allowed, "empty value")
        broken = models.check(model, name, value)
        if broken:
            raise BadRequest(used, value, allowed, rule=broken)
        try:
            candidate = field_values(name, value)
            Filters(**candidate)
        except InvalidParameter as exc:
            raise BadRequest(used, value, allowed, rule=exc.rule) from None
        values.update(candidate)
    if any(name in seen for name in LEGACY_PERIOD):
        year = legacy_period(seen.get("from"), seen.get("to"))
        if year is None or "period" in values:
            raise BadRequest(
                "from" if "from" in seen else "to",
                seen.get("from") or seen.get("to"),
                models.allowed(model, "period"),
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
    """The OpenAPI 3 document, generated from the API's models (dashboard.api_models)."""
    description = (
        _synthetic_prefix(data)
        + "Protected aggregates of what migrant workers report through the ILM network's "
        "worker-voice channels: the same numbers as the dashboard, through the same "
        "disclosure control. "
        + (disclosure_rule(data.params) if data else "")
        + " Every answer says whether its data version is synthetic (`synthetic`); "
        "demonstration data also carries a `notice` (a first `#` line in CSV)."
    )
    return models.document(description, {"name": LICENCE, "url": LICENCE_URL})


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
        options_model = models.exposure_query()
        if not isinstance(kind, str) or models.check(options_model, "weights", kind):
            raise BadRequest("weights", kind, models.allowed(options_model, "weights"))
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
