"""The methodology page: where the numbers come from and how they are protected."""

from __future__ import annotations

from dash import dcc, html

from data_access.disclosure import EZS_HIGH, EZS_LOW, DisclosureParams
from data_access.filters import MAX_FINE_FILTERS
from layouts.exposure import score_formula
from layouts.format import month_label
from layouts.i18n import _


def _definition(term: str, text: str) -> list:
    return [html.Dt(term), html.Dd(text)]


def methodology_page(context) -> html.Article:
    """The methodology page for a PageContext (see dashboard.views)."""
    return methodology_layout(
        context.as_of_label,
        context.version,
        context.params,
        versions=getattr(context, "versions", ()),
    )


def version_history(versions) -> html.Table:
    """The loaded data versions (data_access VersionInfo), newest first."""
    return html.Table(
        className="table table-sm w-auto",
        children=[
            html.Caption(_("Data versions")),
            html.Thead(
                html.Tr(
                    [
                        html.Th(_("Version"), scope="col"),
                        html.Th(_("Data as of"), scope="col"),
                        html.Th(_("Loaded"), scope="col"),
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Th(str(v.version), scope="row"),
                            html.Td(month_label(v.as_of)),
                            html.Td(v.loaded_at[:10]),
                        ]
                    )
                    for v in versions
                ]
            ),
        ],
    )


def protection(params: DisclosureParams) -> list:
    """How workers are protected, with the configured values: the release's rules."""
    k, c, noise = params.k, params.c, params.noise
    rules = [
        _(
            "A bounded set of questions. Periods are all years or one calendar year, never a "
            "free range of months, and at most {fine} of country of work, nationality, "
            "industry, corridor, issue and channel can be combined (with the stage, and a "
            "breakdown by at most two more). Every other combination of numbers a reader can "
            "ask for is one of these."
        ).format(fine=MAX_FINE_FILTERS),
        _(
            "No empty cell is told from a small one. A count below {k}, zero included, reads "
            "“<{k}” everywhere: charts, tables, downloads, the API. Every value of a code list "
            "is listed, and menus list every country, nationality, industry, issue and channel "
            "whatever the data; the corridor menu lists corridors with at least {k} cases in "
            "all."
        ).format(k=k),
        _(
            "Minimum contributors: a number built from fewer than {c} cases is withheld "
            "whatever its size."
        ).format(c=c),
        _(
            "No subtraction isolates a small group. When a selection holds all but fewer than "
            "{k} of the cases of a wider one it nests in (the same with one filter dropped, a "
            "month widened to its quarter or year, an issue widened to its theme, ...), the "
            "two are not published as different numbers: the smaller shows the wider one's "
            "number, marked “≈”, or reads “withheld”. Any two published numbers whose "
            "selections nest therefore differ by at least {k} cases, or are the same."
        ).format(k=k),
        _(
            "Noise that averaging cannot remove. Each count gets a small adjustment of at most "
            "±{noise}, fixed by its definition and by secret keys of the cases behind it: "
            "asking again, by any road, gives the same number. Each case's workers carry their "
            "own fixed adjustment of {low:.0%} to {high:.0%}, so every published sum of "
            "workers is approximate and no large case can be read off it, however many "
            "numbers are combined."
        ).format(noise=noise, low=EZS_LOW, high=EZS_HIGH),
        _(
            "Tables that would be mostly withheld are refused: where the published cells of a "
            "breakdown hold less than {share:.0%} of the selection's published total, the chart "
            "says so and names the filters to remove instead of showing a row of “<{k}”."
        ).format(share=params.sparsity, k=k),
        _(
            "Shares, rates and medians are computed from published numbers only, and withheld "
            "when their parts are."
        ),
    ]
    return [
        html.H2(_("How workers are protected"), className="h5 mt-4", id="protection"),
        html.P(
            _(
                "Workers who report can face retaliation, so every number on this site, in its "
                "downloads, embeds and API is one cell of the same protected release:"
            )
        ),
        html.Ul([html.Li(rule) for rule in rules]),
        html.P(
            _(
                "Tested as an adversary would attack it. Every build of the dashboard runs an "
                "attack suite against a demo database with planted victims, through the same "
                "query layer as every page, download and the API, and fails if: any worker "
                "alone in a selection can be read; a group of 1 to {k1} cases is recovered "
                "exactly more than 20 % of the time, or within one more than half the time, "
                "averaging every route the release allows; averaging gets closer to a large "
                "case's workers than one published sum; or a subtraction isolates one "
                "audited worksite. Measured on 1 December 2026: no single case readable, "
                "small groups recovered exactly 1 % and within one 5 % of the time, a large "
                "case's workers off by 15 % on average whatever is averaged, no worksite "
                "isolated. Differential privacy was measured too, and rejected: at the "
                "budget that protects workers, typical counts would be off by half."
            ).format(k1=params.k - 1)
        ),
        html.P(
            _(
                "What this means for readers: a number may differ by a few from the exact "
                "count, totals and the sum of their parts can differ slightly, “≈” marks a "
                "number shown as that of a slightly wider selection (it may hold up to {k} "
                "cases more), and withheld values are never shown as zero."
            ).format(k=k)
        ),
    ]


def methodology_layout(
    as_of_label: str,
    version: int,
    params: DisclosureParams,
    versions=(),
) -> html.Article:
    """Definitions, the disclosure rules with their configured values, and limitations."""
    k = params.k
    definitions = []
    for term, text in (
        (
            _("Worker contact"),
            _(
                "One conversation, message thread or outreach visit with a worker through a "
                "helpline, chat app, the worker app or in person, whether or not it became a case. "
                "Contacts are counted by month, channel, language and nationality only, so the "
                "country, industry, corridor and issue filters do not apply to them."
            ),
        ),
        (
            _("Case"),
            _(
                "A situation reported by one worker or a group of workers, opened in the month "
                "it was received. A case can report several issue categories."
            ),
        ),
        (
            _("Workers affected"),
            _("The number of workers a case concerns, summed over cases received in the period."),
        ),
        (
            _("Workers remediated"),
            _(
                "Workers who received remediation (back pay, refunded fees, returned documents, "
                "reinstatement...), summed over cases closed as remediated in the period."
            ),
        ),
        (
            _("Cases remediated"),
            _("Cases closed with the status remediated, counted in the month they were closed."),
        ),
        (
            _("Remediations validated by workers"),
            _(
                "The share of remediated cases whose affected workers confirmed the remediation "
                "themselves, rather than it being reported only by the employer or recruiter."
            ),
        ),
        (
            _("Detection rate"),
            _(
                "Where audits are compared with worker voice: at an audited worksite, the share "
                "of the issue categories workers reported within 12 months before or after the "
                "audit that the audit also found. Rates are "
                "published only where enough worksites and cases stand behind them."
            ),
        ),
        (
            _("Country of work"),
            _(
                "The country of the worksite for employment-stage cases, and the destination "
                "country for recruitment-stage cases."
            ),
        ),
        (
            _("Recruitment corridor"),
            _("The pair of the workers' origin country and their (intended) country of work."),
        ),
        (
            _("Issue theme"),
            _(
                "A group of issue categories (wages, recruitment and debt, violence and "
                "harassment...). A case is counted once per theme, however many of the theme's "
                "categories it reports."
            ),
        ),
        (
            _("Supply-chain tier"),
            _(
                "The tier of the case's worksite: 1 final assembly, 2 components and "
                "processing, 3 raw materials, farms and vessels."
            ),
        ),
        (
            _("Audit detection rate"),
            _(
                "Of the issue categories workers at an audited worksite reported within a window "
                "around the audit (12 months before and after), the share the audit "
                "also found. Worksites count as the contributors: no rate covers fewer than "
                "{k} worksites, and no worksite or audit is shown on its own."
            ).format(k=k),
        ),
        (
            _("Remediation funnel and remediation rate"),
            _(
                "Of the cases received in the period: those raised with the employer or "
                "recruiter (every case past intake, including those referred on), those "
                "remediated so far, and those whose remediation the workers validated. The "
                "remediation rate is the share remediated so far."
            ),
        ),
        (
            _("Time to remediation"),
            _(
                "Whole months from the month a case was received to the month it was "
                "remediated; 24 or more are counted together. The median is read from the "
                "published counts per month (the first month at which they reach half of the "
                "published total) and shown only where that total is published."
            ),
        ),
    ):
        definitions += _definition(term, text)
    return html.Article(
        className="methodology",
        children=[
            html.H1(_("How these numbers are made"), className="h3"),
            html.P(
                _("Data version {version}, as of {month}.").format(
                    version=version, month=as_of_label
                )
            ),
            html.H2(_("Where the data comes from"), className="h5 mt-4"),
            html.P(
                _(
                    "Local NGOs and trade unions in the Inclusive Labor Monitoring network run "
                    "worker-voice channels. Cases are recorded in the network's case system; the "
                    "dashboard reads a de-identified extract of it: no names, phone numbers, "
                    "free text, worksite or agency names, and dates only to the month. A new "
                    "extract becomes a new data version."
                )
            ),
            html.P(
                _(
                    "How often it is refreshed: the extract is taken once a month, after the "
                    "month closes, and loaded as a new data version. The date “data as of” is the "
                    "last month the extract covers; the most recent months are still incomplete."
                )
            ),
            html.H3(_("Data-version history"), className="h6 mt-3"),
            version_history(versions)
            if versions
            else html.P(_("Data version {version}.").format(version=version)),
            html.H2(_("Definitions"), className="h5 mt-4"),
            html.Dl(definitions),
            *protection(params),
            html.H2(_("Supply-chain exposure"), className="h5 mt-4", id="exposure"),
            html.P(
                _(
                    "A footprint row names a worksite country and an industry; its segment is "
                    "every case received in the period at worksites there. Nationalities do not "
                    "narrow a segment: they choose which of its published numbers are shown "
                    "(its cases by those nationalities, and the corridors from those origins), "
                    "because a segment narrowed to a set of nationalities would be a new, "
                    "possibly small group. Footprint totals add up the published rows; rates, "
                    "medians and issue shares are means of the rows weighted by your weights "
                    "(equal without weights), over the rows where they are published."
                )
            ),
            html.P(score_formula()),
            html.P(
                _(
                    "Your footprint is never stored: an uploaded file is read in memory and kept "
                    "only in your browser tab; a footprint built with the menus is kept in the "
                    "link so that it can be shared."
                )
            ),
            html.H2(_("Reusing these numbers"), className="h5 mt-4"),
            html.P(
                _(
                    "Every chart can be downloaded as CSV (with its title, definition, filters, "
                    "data version and disclosure rule in a header block) or as an image, and "
                    "embedded; the same protected numbers are available from the public API at "
                    "/api/v1. They are published under the Creative Commons Attribution 4.0 "
                    "licence (CC BY 4.0): cite the dashboard, the data version and the as-of date."
                )
            ),
            html.H2(_("Known limitations"), className="h5 mt-4"),
            html.Ul(
                [
                    html.Li(
                        _(
                            "Cases reflect who reached the channels: where outreach is stronger, "
                            "more is reported. A rise in cases can mean more trust, not more abuse."
                        )
                    ),
                    html.Li(
                        _(
                            "Workers may not report every issue they face, and one case can "
                            "report several issue categories."
                        )
                    ),
                    html.Li(
                        _(
                            "Recent months are incomplete: cases opened recently may not be "
                            "resolved yet."
                        )
                    ),
                ]
            ),
            dcc.Link(_("Back to the overview"), href="/"),
        ],
    )
