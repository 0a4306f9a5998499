"""The page frame: header with the data-as-of date, navigation, the global filter panel."""

from __future__ import annotations

from dash import dcc, html

from layouts import ids
from layouts.i18n import LANGUAGES, _, dropdown_labels, language
from layouts.provenance import source_line, synthetic_explanation, synthetic_label
from layouts.share import share_bar


def synthetic_banner() -> html.Div:
    """The demo's label, on every page while the loaded data version is synthetic.

    Sticky at the top of the window, so a screenshot of any part of a page carries it.
    """
    return html.Div(
        id=ids.SYNTHETIC_BANNER,
        className="synthetic-banner",
        # A landmark of its own: it sits above the header, and a screen reader's list of
        # regions should still lead to it.
        role="region",
        **{"aria-label": synthetic_label()},
        children=html.Div(
            className="container-xl",
            children=[
                html.Strong(synthetic_label() + "."),
                " ",
                html.Span(synthetic_explanation(), className="synthetic-explanation"),
                " ",
                dcc.Link(_("About the demo"), href=f"{ids.PATH_METHODOLOGY}#demo"),
            ],
        ),
    )


def header(as_of_label: str) -> html.Header:
    return html.Header(
        className="site-header py-2 py-md-3 mb-2 mb-md-3",
        children=html.Div(
            className="container-xl d-flex flex-wrap align-items-baseline column-gap-2 "
            "column-gap-md-3 row-gap-1",
            children=[
                html.A(
                    _("ILM Community Dashboard"),
                    href=ids.PATH_OVERVIEW,
                    className="site-title h4 mb-0 text-decoration-none",
                ),
                html.Span(
                    _("What migrant workers report through worker-voice channels"),
                    className="site-tagline small",
                ),
                html.Span(
                    _("Data as of {month}").format(month=as_of_label),
                    id=ids.AS_OF,
                    className="badge text-bg-light ms-md-auto",
                ),
            ],
        ),
    )


def language_switcher() -> html.Nav:
    """A link per language, each named in its own script and marked with its `lang`;
    callbacks.shell points them at the current view with its filters. Plain links: a
    new language is a new page load (the whole page is built in the language)."""
    current = language()
    return html.Nav(
        className="container-xl language-switcher",
        **{"aria-label": _("Language")},
        children=html.Ul(
            className="list-inline mb-0 small",
            children=[
                html.Li(
                    html.A(
                        name,
                        href=f"?lang={code}",
                        id=ids.language_link(code),
                        lang=code,
                        hrefLang=code,
                        **({"aria-current": "true"} if code == current else {}),
                    ),
                    className="list-inline-item",
                )
                for code, name in LANGUAGES.items()
            ],
        ),
    )


def page_title(view: str) -> str:
    """The window's title on a view: the view first, so tabs and history tell views apart."""
    return _("{view} · {site}").format(view=view, site=_("ILM Community Dashboard"))


def navigation(views: list[tuple[str, str]]) -> html.Nav:
    """Links to the views, as (path, label); callbacks.shell keeps the filters on them
    and marks the current one.

    On phones the links stay on one line that scrolls sideways, so the view's numbers
    are not pushed below the first screen by five lines of navigation.
    """
    return html.Nav(
        className="container-xl mb-2 mb-md-3 site-nav",
        **{"aria-label": _("Views")},
        children=html.Ul(
            className="nav nav-pills flex-nowrap flex-md-wrap",
            children=[
                html.Li(
                    dcc.Link(label, href=path, className="nav-link", id=ids.nav_link(path)),
                    className="nav-item",
                )
                for path, label in views
            ],
        ),
    )


def _dropdown(param: str, label: str, options: list[dict], placeholder: str) -> html.Div:
    control_id = ids.FILTER_CONTROLS[param]
    width = "col-12 col-sm-6 col-lg-3"
    return html.Div(
        className=f"{width} filter-field",
        children=[
            html.Label(label, htmlFor=control_id, className="form-label small mb-1"),
            dcc.Dropdown(
                labels=dropdown_labels(),
                id=control_id,
                options=options,
                placeholder=placeholder,
                clearable=True,
                searchable=True,
            ),
        ],
    )


RESET_CLASS = "btn btn-link btn-sm p-0"
# The filter fields' class; below 768 px "open" is added while the reader unfolds them.
FILTER_FIELDS_CLASS = "row g-2 filter-fields"


def filter_toggle_label(active: int) -> list:
    """The phone's filter button: "Filters" and how many are active."""
    if not active:
        return [_("Filters")]
    return [
        _("Filters"),
        " ",
        html.Span(
            str(active), className="badge rounded-pill text-bg-primary", **{"aria-hidden": "true"}
        ),
        html.Span(
            _("({n} active)").format(n=active),
            className="visually-hidden",
        ),
    ]


def filter_panel(options: dict[str, list[dict]]) -> html.Section:
    """The global filters; `options` maps each URL parameter to its dropdown options.

    Below 768 px the fields fold behind one button (the count of active filters on it)
    and only the chips of the active filters stay in view; wider screens show the fields.
    """
    everything = _("All")
    fields = [
        ("period", _("Period"), _("All years")),
        ("country", _("Country of work"), everything),
        ("nationality", _("Worker nationality"), everything),
        ("industry", _("Industry"), everything),
        ("corridor", _("Recruitment corridor"), everything),
        ("issue", _("Issue category"), everything),
        ("channel", _("Channel"), everything),
    ]
    return html.Section(
        className="container-xl mb-2 mb-md-3 filter-panel",
        **{"aria-labelledby": "filters-title"},
        children=html.Div(
            className="card",
            children=html.Div(
                className="card-body",
                children=[
                    html.Div(
                        className="d-flex align-items-center gap-3 mb-md-2",
                        children=[
                            html.H2(
                                _("Filters"),
                                id="filters-title",
                                className="h6 mb-0 d-none d-md-block",
                            ),
                            html.Button(
                                filter_toggle_label(0),
                                id=ids.FILTER_TOGGLE,
                                type="button",
                                n_clicks=0,
                                className="btn btn-outline-primary btn-sm d-md-none",
                                **{"aria-expanded": "false", "aria-controls": ids.FILTER_FIELDS},
                            ),
                            html.Button(
                                _("Clear all filters"),
                                id=ids.RESET,
                                className=RESET_CLASS,
                                n_clicks=0,
                            ),
                        ],
                    ),
                    html.Div(
                        id=ids.FILTER_FIELDS,
                        className=FILTER_FIELDS_CLASS,
                        children=[
                            _dropdown(param, label, options[param], placeholder)
                            for param, label, placeholder in fields
                        ],
                    ),
                    html.P(
                        id=ids.ACTIVE_FILTERS,
                        className="small mt-2 mb-0 text-body-secondary",
                        **{"aria-live": "polite"},
                    ),
                ],
            ),
        ),
    )


def footer(k: int, version: int, synthetic: bool = False) -> html.Footer:
    return html.Footer(
        className="container-xl small text-body-secondary py-4",
        children=[
            html.P(
                [
                    source_line(version, synthetic),
                    " ",
                    _(
                        "Numbers are protected: counts below {k} are withheld and all numbers "
                        "carry small consistent noise."
                    ).format(k=k),
                ],
                id=ids.FOOTER_SOURCE,
            ),
            dcc.Link(_("How these numbers are made"), href=ids.PATH_METHODOLOGY),
            " · ",
            # Pages served by the server itself, not views: a full page load.
            html.A(_("What changed (release notes)"), href=ids.PATH_RELEASES),
            " · ",
            html.A(_("Download the whole publication"), href=ids.PATH_PACKAGE),
        ],
    )


def shell(
    as_of_label: str,
    views: list[tuple[str, str]],
    options: dict[str, list[dict]],
    k: int,
    version: int,
    synthetic: bool = False,
) -> html.Div:
    """The whole page frame; the current view is rendered into `ids.PAGE`.

    `synthetic` (the loaded data version is the demo) puts the demo's label on the page.
    """
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.FILTERS),
            dcc.Store(id=ids.OPTIONS),
            dcc.Store(id=ids.FILTER_PATCH),
            dcc.Store(id=ids.PAGE_TITLE),
            html.A(_("Skip to content"), href="#main", className="visually-hidden-focusable"),
            synthetic_banner() if synthetic else None,
            language_switcher(),
            header(as_of_label),
            navigation(views),
            filter_panel(options),
            html.Div(id=ids.NOTICE, className="container-xl", role="status"),
            share_bar(),
            # tabIndex: the skip link moves the focus here, not only the scroll position.
            html.Main(
                id="main", className="container-xl", tabIndex="-1", children=html.Div(id=ids.PAGE)
            ),
            footer(k, version, synthetic),
        ]
    )
