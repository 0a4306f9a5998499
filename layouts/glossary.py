"""Plain-language definitions of the key terms, shown beside them where a view uses them.

Short on purpose: one sentence each, everyday words, an example where it helps. The
methodology page keeps the full definitions; these must not contradict them.
"""

from __future__ import annotations

from dash import html

from layouts.i18n import _


def definitions() -> dict[str, tuple[str, str]]:
    """Each key term's (word, definition), translated when asked for."""
    return {
        "corridor": (
            _("Corridor"),
            _(
                "the route from the workers' home country to the country where they work, "
                "such as Nepal → Kuwait."
            ),
        ),
        "remediated": (
            _("Remediated"),
            _(
                "the problem was put right for the workers: for example unpaid wages paid, "
                "fees refunded, documents returned."
            ),
        ),
        "validated": (
            _("Validated"),
            _("the workers themselves confirmed that the problem was put right."),
        ),
        "median": (
            _("Median"),
            _("the middle value: half of the cases took less time, half took more."),
        ),
        "withheld": (
            _("Withheld"),
            _(
                "a number from too few cases is not shown, so that no worker who reported "
                "can be singled out."
            ),
        ),
    }


def key_terms(*terms: str) -> html.Details:
    """The definitions of `terms`, beside the charts that use them: one line that names
    the words (so the headline numbers and the first chart keep a phone's first screen),
    opening on the definitions."""
    known = definitions()
    words = ", ".join(known[term][0].lower() for term in terms)
    return html.Details(
        className="key-terms small mb-2",
        children=[
            html.Summary(_("Words used here: {words}").format(words=words)),
            html.Dl(
                className="mb-0 mt-1",
                children=[
                    html.Div(
                        [html.Dt(known[term][0]), html.Dd(known[term][1])],
                        className="key-term",
                    )
                    for term in terms
                ],
            ),
        ],
    )
