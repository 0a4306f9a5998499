"""The Supply-chain exposure view: a footprint in, what workers report there out.

Pure builders: the footprint editor, the privacy promise, the score's formula, and
the profile's sections, filled with what callbacks.exposure computes.
"""

from __future__ import annotations

from dash import dcc, html

from data_access import taxonomy
from data_access.exposure import MAX_BYTES, MAX_ROWS, MAX_URL_ROWS
from layouts import ids
from layouts.components import ChartMeta, option_radios, scroll_region
from layouts.format import nationality_option
from layouts.glossary import key_terms
from layouts.i18n import _, dropdown_labels


def weight_choices() -> list[tuple[str, str]]:
    return [
        ("sites", _("Supplier sites")),
        ("workers", _("Migrant workers")),
        ("spend", _("Spend")),
    ]


def weight_label(kind: str) -> str:
    """The column heading of a row's share, by what the weights count."""
    return {
        "sites": _("Share of your supplier sites"),
        "workers": _("Share of your migrant workers"),
        "spend": _("Share of your spend"),
    }.get(kind, _("Share of your footprint"))


def score_formula() -> str:
    """The exposure score in words: shown in the view, the report and the methodology."""
    return _(
        "Exposure score = 100 × (row share × open reports) ÷ (the same for the highest row). "
        "Row share = the row's weight ÷ all your weights (equal shares when no weights are "
        "given). Open reports = cases reported in the segment in the period − those of them "
        "remediated so far, which is cases × (1 − remediation rate): reports still without "
        "remedy. A row whose cases or remediated cases are withheld gets no score."
    )


def privacy_note() -> html.Div:
    return html.Div(
        className="alert alert-info small",
        role="note",
        children=[
            html.Strong(_("Nothing about your footprint is stored. ")),
            _(
                "An uploaded file is read in memory to check it and is kept only in this "
                "browser tab; it is never written to the server's disk, logs or cache, and "
                "never put in the link. A footprint you build with the menus (up to {n} rows) "
                "is kept in the link so that you can share it."
            ).format(n=MAX_URL_ROWS),
        ],
    )


def _select(control_id: str, label: str, options: dict[str, str], multi: bool = False):
    """A menu of `options` ({code: label}, labels already translated)."""
    return html.Div(
        className="col-12 col-md-3",
        children=[
            html.Label(label, htmlFor=control_id, className="form-label small mb-1"),
            dcc.Dropdown(
                labels=dropdown_labels(),
                id=control_id,
                options=[{"value": code, "label": name} for code, name in options.items()],
                multi=multi,
                placeholder=_("Choose…"),
            ),
        ],
    )


def _translated(names: dict[str, str]) -> dict[str, str]:
    return {code: _(name) for code, name in names.items()}


def row_form() -> html.Div:
    """One footprint row built with menus, and the button that adds it."""
    return html.Div(
        className="row g-2 align-items-end mb-2 exposure-editor",
        role="group",
        **{"aria-label": _("Add a row to your footprint")},
        children=[
            _select(ids.EX_COUNTRY, _("Worksite country"), _translated(taxonomy.COUNTRIES)),
            _select(ids.EX_INDUSTRY, _("Industry"), _translated(taxonomy.INDUSTRIES)),
            _select(
                ids.EX_NATIONALITIES,
                _("Worker nationalities (optional)"),
                {code: nationality_option(code) for code in taxonomy.NATIONALITIES},
                multi=True,
            ),
            html.Div(
                className="col-6 col-md-1",
                children=[
                    html.Label(
                        _("Weight"), htmlFor=ids.EX_WEIGHT, className="form-label small mb-1"
                    ),
                    dcc.Input(
                        id=ids.EX_WEIGHT,
                        type="number",
                        min=0,
                        className="form-control form-control-sm",
                    ),
                ],
            ),
            html.Div(
                className="col-6 col-md-2",
                children=html.Button(
                    _("Add row"), id=ids.EX_ADD, type="button", className="btn btn-primary btn-sm"
                ),
            ),
        ],
    )


def upload_area() -> html.Div:
    """The file upload, its rules, and the template in both formats."""
    return html.Div(
        className="mb-2 exposure-editor",
        children=[
            dcc.Upload(
                id=ids.EX_UPLOAD,
                accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument"
                ".spreadsheetml.sheet",
                multiple=False,
                className="exposure-upload upload-zone border border-2 rounded p-3 text-center",
                children=html.Div(
                    [_("Drag a CSV or XLSX file here, or "), html.U(_("choose a file"))]
                ),
            ),
            html.P(
                [
                    _(
                        "Columns: country, industry, weight (optional), nationalities "
                        "(optional, separated by “;”). Names or ISO codes. At most {rows} rows "
                        "and {mb} MB. "
                    ).format(rows=f"{MAX_ROWS:,}", mb=MAX_BYTES // 1024 // 1024),
                    _("Template: "),
                    html.A(
                        _("CSV"),
                        href=f"{ids.PATH_TEMPLATE}.csv",
                        download="footprint-template.csv",
                        id="exposure-template-csv",
                    ),
                    " · ",
                    html.A(
                        _("XLSX"),
                        href=f"{ids.PATH_TEMPLATE}.xlsx",
                        download="footprint-template.xlsx",
                        id="exposure-template-xlsx",
                    ),
                ],
                className="small text-body-secondary mt-1 mb-0",
            ),
        ],
    )


def footprint_section(options: dict) -> html.Section:
    return html.Section(
        className="card mb-3",
        **{"aria-labelledby": "exposure-footprint-title"},
        children=html.Div(
            className="card-body",
            children=[
                html.H2(_("Your footprint"), id="exposure-footprint-title", className="h5"),
                option_radios(
                    "weight",
                    _("Weights count"),
                    weight_choices(),
                    options.get("weight", "sites"),
                    "mb-2 exposure-editor",
                ),
                row_form(),
                upload_area(),
                html.Div(id=ids.EX_MESSAGE, role="alert", **{"aria-live": "assertive"}),
                html.Div(
                    id=ids.EX_ROWS,
                    className="table-responsive",
                    **scroll_region(_("Your footprint's rows")),
                ),
                html.Button(
                    _("Clear the footprint"),
                    id=ids.EX_CLEAR,
                    type="button",
                    className="btn btn-outline-secondary btn-sm exposure-editor",
                ),
                # Holds a menu-built footprint for the URL; the shell writes it there.
                dcc.Input(id=ids.option("fp"), type="hidden", value=options.get("fp", "")),
            ],
        ),
    )


def rows_table(labels: list[tuple[str, str, str, str]], weight_heading: str) -> html.Div:
    """The footprint's rows (label, nationalities, weight, share) with remove buttons."""
    if not labels:
        return html.P(
            _("No rows yet: add one with the menus above, or upload a file."),
            className="small text-body-secondary mb-0",
        )
    return html.Div(
        [
            html.Table(
                className="table table-sm align-middle mb-2",
                children=[
                    html.Caption(_("The rows of your footprint")),
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(_("Country · industry"), scope="col"),
                                html.Th(_("Nationalities"), scope="col"),
                                html.Th(_("Weight"), scope="col", className="text-end"),
                                html.Th(weight_heading, scope="col", className="text-end"),
                                html.Th(html.Span(_("Remove"), className="visually-hidden")),
                            ]
                        )
                    ),
                    html.Tbody(
                        [
                            html.Tr(
                                [
                                    html.Th(label, scope="row"),
                                    html.Td(nationalities),
                                    html.Td(weight, className="text-end"),
                                    html.Td(share, className="text-end"),
                                    html.Td(
                                        html.Button(
                                            "×",
                                            id={"type": ids.EX_REMOVE, "index": i},
                                            type="button",
                                            className="btn btn-sm btn-link p-0",
                                            title=_("Remove {row}").format(row=label),
                                            **{"aria-label": _("Remove {row}").format(row=label)},
                                        )
                                    ),
                                ]
                            )
                            for i, (label, nationalities, weight, share) in enumerate(labels)
                        ]
                    ),
                ],
            ),
        ]
    )


def trend_meta() -> ChartMeta:
    return ChartMeta(
        ids.EX_TREND,
        _("Cases reported per quarter in your segments"),
        _(
            "Cases received per quarter in each footprint row's segment (its worksite country "
            "and industry); the footprint line adds the rows up and is left out in a quarter "
            "where a row's number is withheld."
        ),
    )


def issues_meta() -> ChartMeta:
    return ChartMeta(
        ids.EX_ISSUES,
        _("Issues reported in your footprint, against the whole network"),
        _(
            "Share of cases reporting each issue: in your footprint (rows weighted by your "
            "weights) and across the network in the same period. Issues well above the network "
            "share are over-represented where you source."
        ),
    )


def themes_meta() -> ChartMeta:
    return ChartMeta(
        ids.EX_THEMES,
        _("Issue themes in your footprint, against the whole network"),
        _(
            "Share of cases reporting at least one issue of each theme, weighted as above, "
            "against the network-wide share."
        ),
    )


def scrolling(table, name: str) -> html.Div:
    """A wide table in its own sideways scroll, so a phone scrolls the table, not the page;
    `name` is the scroll box's name (the section's title)."""
    return html.Div(
        table,
        className="table-responsive",
        **scroll_region(_("Table: {title}").format(title=name)),
    )


def section(title: str, section_id: str, children: list, definition: str = "") -> html.Section:
    """A titled section of the profile (a table with its explanation)."""
    heading = f"{section_id}-title"
    return html.Section(
        className="card mb-3",
        id=section_id,
        **{"aria-labelledby": heading},
        children=html.Div(
            className="card-body",
            children=[
                html.H2(title, id=heading, className="h5 card-title"),
                html.P(definition, className="small text-body-secondary") if definition else None,
                *children,
            ],
        ),
    )


def report_actions() -> html.Div:
    return html.Div(
        className="d-flex flex-wrap gap-2 mb-3 d-print-none",
        children=[
            html.Button(
                _("Download the exposure report (CSV)"),
                id=ids.EX_DOWNLOAD,
                type="button",
                className="btn btn-outline-primary btn-sm",
            ),
            html.Button(
                _("Print the report"),
                id=ids.EX_PRINT,
                type="button",
                className="btn btn-outline-secondary btn-sm",
            ),
        ],
    )


def exposure_page(context) -> html.Div:
    """The whole view: what it is, the footprint editor, and the profile."""
    return html.Div(
        [
            html.H1(_("Supply-chain exposure"), className="h3 mb-2"),
            html.P(
                _(
                    "Describe where you source, by worksite country and industry, and see what "
                    "workers report in exactly those parts of the supply chain: how much, which "
                    "issues, how much gets fixed, what audits there miss, and the recruitment "
                    "corridors that feed them. For brands, investors and journalists."
                ),
                className="view-intro",
            ),
            key_terms("corridor", "median", "withheld"),
            privacy_note(),
            footprint_section(context.options),
            report_actions(),
            html.Div(id=ids.EX_PROFILE, **{"aria-live": "polite"}),
            dcc.Download(id=ids.EX_DOWNLOAD_FILE),
            dcc.Store(id=ids.EX_FOOTPRINT, storage_type="session"),
            html.P(
                _("Data as of {month}.").format(month=context.as_of_label),
                className="small text-body-secondary",
            ),
        ]
    )
