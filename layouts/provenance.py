"""Where published numbers come from, in words: source line, disclosure rule, citation.

Pure text builders shared by pages, downloads, embeds and the API, so every surface
says the same about a number's provenance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data_access.disclosure import EZS_HIGH, EZS_LOW, DisclosureParams
from data_access.filters import MAX_FINE_FILTERS, Filters
from data_access.query import VersionInfo
from layouts.format import month_label
from layouts.i18n import _
from layouts.selection import describe

DASHBOARD_NAME = "ILM Community Dashboard"
PUBLISHER = "Inclusive Labor Monitoring (ILM) network"
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def source_line(version: int) -> str:
    return _(
        "Source: Inclusive Labor Monitoring (ILM) network worker-voice channels, data version "
        "{version}."
    ).format(version=version)


def disclosure_rule(params: DisclosureParams) -> str:
    return _(
        "Counts below {k}, zero included, are withheld and shown as “<{k}”; any number "
        "built from fewer than {c} cases is withheld; a number within {k} of a larger one it "
        "nests in is withheld (“withheld”) or shown as that number (“≈”); counts carry "
        "noise of at most ±{noise}, and every case's workers a fixed noise of {low:.0%} to "
        "{high:.0%}; periods are whole years and at most {fine} of country, nationality, "
        "industry, corridor, issue and channel are combined."
    ).format(
        k=params.k,
        c=params.c,
        noise=params.noise,
        low=EZS_LOW,
        high=EZS_HIGH,
        fine=MAX_FINE_FILTERS,
    )


@dataclass(frozen=True)
class Citation:
    text: str
    bibtex: str


def citation(
    view_label: str, filters: Filters, info: VersionInfo, url: str, accessed: dt.date
) -> Citation:
    """A citation of one view with its selection, in plain text and BibTeX."""
    words = describe(filters)
    as_of = month_label(info.as_of)
    year = info.as_of[:4]
    text = _(
        "{publisher} ({year}). {name}: {view}. {filters} Data version {version}, data as of "
        "{as_of}. {url} (accessed {accessed})."
    ).format(
        publisher=PUBLISHER,
        year=year,
        name=DASHBOARD_NAME,
        view=view_label,
        filters=words,
        version=info.version,
        as_of=as_of,
        url=url,
        accessed=accessed.isoformat(),
    )
    key = f"ilm_dashboard_v{info.version}_{info.as_of.replace('-', '')}"

    def tex(value: str) -> str:
        for char in "\\{}&%$#_":
            value = value.replace(char, "\\" + char)
        return value

    bibtex = "\n".join(
        [
            f"@misc{{{key},",
            f"  author       = {{{{{tex(PUBLISHER)}}}}},",
            f"  title        = {{{{{tex(DASHBOARD_NAME)}: {tex(view_label)}}}}},",
            f"  year         = {{{year}}},",
            f"  howpublished = {{\\url{{{url}}}}},",
            f"  note         = {{{tex(words)} Data version {info.version}, "
            f"data as of {tex(as_of)}. Licence {tex(LICENCE)}.}},",
            f"  urldate      = {{{accessed.isoformat()}}}",
            "}",
        ]
    )
    return Citation(text, bibtex)
