"""Share and Cite: copy the permalink of the view, or a citation of it."""

from __future__ import annotations

from dash import html

from layouts import ids
from layouts.i18n import _


def share_bar() -> html.Div:
    """The Share button (copies the page's URL) and the Cite panel (plain text and BibTeX)."""
    return html.Div(
        className="container-xl mb-2 share-bar d-flex flex-wrap align-items-start gap-2",
        children=[
            html.Button(
                _("Share"),
                id=ids.SHARE,
                type="button",
                n_clicks=0,
                title=_("Copy the link to this view"),
                className="btn btn-outline-primary btn-sm",
                # Read by the clientside callback, so its messages are translated too.
                **{
                    "data-copied": _("Link copied:"),
                    "data-copy-this": _("Copy this link:"),
                },
            ),
            html.Span(id=ids.SHARE_STATUS, className="small align-self-center", role="status"),
            html.Details(
                id=ids.CITE,
                className="cite flex-grow-1",
                children=[
                    html.Summary(_("Cite"), className="btn btn-outline-primary btn-sm"),
                    html.Div(
                        className="card card-body mt-2 small",
                        children=[
                            html.H2(_("Cite this view"), className="h6"),
                            html.P(id=ids.CITE_TEXT, className="cite-text"),
                            html.H3(_("BibTeX"), className="h6"),
                            html.Pre(id=ids.CITE_BIBTEX, className="cite-bibtex mb-0"),
                            html.P(
                                [
                                    _("Permalink: "),
                                    html.Code(id=ids.PERMALINK),
                                ],
                                className="mt-2 mb-0",
                            ),
                        ],
                    ),
                ],
            ),
        ],
    )
