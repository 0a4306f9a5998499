"""The Jinja environment of the server-rendered pages that are not the profiles': the
embed page (dashboard.exports), the API's human page (dashboard.api) and the release
notes (dashboard.releases_web), from the templates in dashboard/templates.

A module-level environment rather than Flask's `render_template`, so that a page renders
outside a request too (tests; the Atom feed's entries are release_entry.html). Autoescaping
is on: every value is escaped unless a template marks it `|safe` (only HTML the app makes
itself: the language switcher, the embed's fixed inline script). `_` and `ngettext` are
layouts.i18n's, so a template translates in the request's language, and pybabel extracts
its strings (babel.cfg).
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

from layouts.i18n import _, ngettext

ENV = Environment(
    loader=PackageLoader("dashboard", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.globals.update(_=_, ngettext=ngettext)
# `tojson` keeps the figure's keys in their order (Jinja sorts them by default).
ENV.policies["json.dumps_kwargs"] = {}


def render(name: str, **context: object) -> str:
    """The template `name` rendered with `context`."""
    return ENV.get_template(name).render(**context)
