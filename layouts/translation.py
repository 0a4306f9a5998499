"""The methodology page's note on the state of the translations, in every language."""

from __future__ import annotations

from dash import html

from layouts.i18n import _


def translation_status() -> html.Section:
    """Says, in the reader's language, that the translations are drafts awaiting review by
    native speakers (docs/translation-review.md), and that missing text shows in English."""
    return html.Section(
        id="translation-status",
        className="alert alert-secondary py-2 mt-3",
        children=[
            html.H2(_("Translation status"), className="h6"),
            html.P(
                _(
                    "The Burmese, Khmer, Nepali, Bengali and Thai versions of this dashboard "
                    "are drafts. They still need review by native speakers from our partner "
                    "organisations. Where a translation is missing, the English text is shown."
                ),
                className="mb-1",
            ),
            html.P(
                _(
                    "If a word is wrong or hard to understand, please tell the ILM network, "
                    "so that it can be corrected."
                ),
                className="mb-0",
            ),
        ],
    )
