"""Profile pages (/country/TH, /nationality/NP, /industry/seafood, /corridor/NP-KW) and the
sitemap that lists them with the views.

Rendered on the server from a Jinja template: real HTML with a title and a description
for shared links, readable without JavaScript, no inline script or style (the page passes
the same Content-Security-Policy as the rest). Numbers come from callbacks.profiles, which
asks the protected release only.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape as xml_escape

from flask import Blueprint, Response, abort, render_template, request

from callbacks import profiles
from callbacks.protected import withheld_note
from dashboard import language as languages
from dashboard.releases_web import no_data_response
from data_access.query import DataAccess, NoData
from layouts import format as fmt
from layouts import ids
from layouts import profiles as layout
from layouts.i18n import _, html_language, language
from layouts.provenance import (
    LICENCE,
    LICENCE_URL,
    disclosure_rule,
    source_line,
    synthetic_explanation,
    synthetic_label,
)
from layouts.status import not_found_html


def blueprint(
    data: DataAccess,
    navigation: Callable[[], list[tuple[str, str]]],
    public_url: Callable[[str], str],
) -> Blueprint:
    """The profile routes; `navigation` lists the views, `public_url` makes a path absolute."""
    bp = Blueprint(
        "profiles",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/profile-static",
    )

    def page(kind: str, code: str):
        subject = profiles.subject(data, kind, code)
        if subject is None:
            abort(404)
        profile = profiles.build(data, subject)
        as_of = profile.info.as_of
        k = profile.k
        html = render_template(
            "profile.html",
            _=_,
            lang=html_language(),
            languages=languages.switcher_html(request.query_string.decode()),
            fmt=fmt,
            p=profile,
            k=k,
            kind_label=layout.kind_label(kind),
            title=_("{subject}: profile").format(subject=subject.name),
            description=layout.description(subject.name, profile.cases, k, profile.published),
            canonical=public_url(subject.path),
            headline=layout.headline_sentence(
                subject.name, profile.cases, k, (profile.years or ("",))[0]
            ),
            withheld=layout.withheld_sentence(subject.name, k),
            chart=layout.year_bars(profile.trend, k, as_of) if profile.published else None,
            audit_withheld=(
                withheld_note(profile.audit.worksites, k, _("audited worksites"))
                if profile.audit is not None
                else ""
            ),
            share_text=layout.share_text,
            explore=f"{profiles.EXPLORE[kind]}?{subject.query}",
            api=f"/api/v1/aggregates?measure=cases&by=year&{subject.query}",
            feeds_title=layout.kind_label(profile.feeds_by) if profile.feeds_by else "",
            as_of=fmt.month_label(as_of),
            navigation=navigation(),
            synthetic=profile.info.synthetic,
            synthetic_label=synthetic_label(),
            synthetic_explanation=synthetic_explanation(),
            source=source_line(profile.info.version, profile.info.synthetic),
            disclosure=disclosure_rule(data.params),
            licence=LICENCE,
            licence_url=LICENCE_URL,
        )
        return Response(html, mimetype="text/html")

    for kind in profiles.KINDS:
        bp.add_url_rule(
            f"/{kind}/<code>", f"profile_{kind}", lambda code, kind=kind: page(kind, code)
        )

    @bp.get(ids.PATH_SITEMAP)
    def sitemap():
        paths = [path for path, _label in navigation()]
        paths += [profiles.profile_path(kind, code) for kind, code in profiles.every_subject(data)]
        body = "".join(f"<url><loc>{xml_escape(public_url(path))}</loc></url>" for path in paths)
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'
        )
        return Response(xml, mimetype="application/xml")

    @bp.errorhandler(NoData)
    def _no_data(exc: NoData):
        return no_data_response(str(exc))

    @bp.errorhandler(404)
    def _not_found(_exc):
        page = not_found_html(_("ILM Community Dashboard"), navigation())
        return Response(page, status=404, mimetype="text/html")

    @bp.after_request
    def _language(response):
        response.headers.setdefault("Content-Language", language())
        return response

    return bp
