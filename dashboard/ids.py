"""The one home of component ids, URL paths and URL query parameter names."""

from __future__ import annotations

# Shell
URL = "url"
FILTERS = "filters-store"
NOTICE = "url-notice"
PAGE = "page-content"
AS_OF = "as-of"
RESET = "filters-reset"
ACTIVE_FILTERS = "active-filters"

# Filter controls: URL parameter -> control id.
FILTER_CONTROLS = {
    "from": "filter-from",
    "to": "filter-to",
    "country": "filter-country",
    "nationality": "filter-nationality",
    "industry": "filter-industry",
    "corridor": "filter-corridor",
    "issue": "filter-issue",
    "channel": "filter-channel",
}

# Overview
KPI = "overview-kpis"
CONTACTS_CHART = "overview-contacts"
CASES_CHART = "overview-cases"
ISSUES_CHART = "overview-issues"


def graph(chart: str) -> str:
    return f"{chart}-graph"


def table(chart: str) -> str:
    return f"{chart}-table"


def note(chart: str) -> str:
    return f"{chart}-note"


# Paths of the views: the navigation grows as views land.
PATH_OVERVIEW = "/"
PATH_METHODOLOGY = "/methodology"
