"""The one home of component ids, URL paths and URL query parameter names."""

from __future__ import annotations

# Shell
URL = "url"
FILTERS = "filters-store"
NOTICE = "url-notice"
PAGE = "page-content"
# The current view's <title>, written by the server with the view and set by the browser.
PAGE_TITLE = "page-title"
AS_OF = "as-of"
SYNTHETIC_BANNER = "synthetic-banner"
FOOTER_SOURCE = "footer-source"
RESET = "filters-reset"
ACTIVE_FILTERS = "active-filters"
# On phones the filter fields fold away behind this button (assets/02_dashboard.css).
FILTER_TOGGLE = "filters-toggle"
FILTER_FIELDS = "filter-fields"

OPTIONS = "view-options-store"
# Views write {filter parameter: value} here to set a filter (cross-filtering).
FILTER_PATCH = "filter-patch-store"
# Pattern-matching id type of every view-option control: {"type": OPTION, "name": ...}.
OPTION = "view-option"


def option(name: str) -> dict:
    return {"type": OPTION, "name": name}


# Filter controls: URL parameter -> control id.
FILTER_CONTROLS = {
    "period": "filter-period",
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


def language_link(code: str) -> str:
    """The language switcher's link to the page in the language `code`."""
    return "language-" + code


def nav_link(path: str) -> str:
    """The navigation's link to the view at `path`."""
    return "nav-" + (path.strip("/") or "overview")


def graph(chart: str) -> str:
    return f"{chart}-graph"


def table(chart: str) -> str:
    return f"{chart}-table"


def note(chart: str) -> str:
    return f"{chart}-note"


def summary(chart: str) -> str:
    """A chart's one-sentence summary: what assistive technology says the figure shows."""
    return f"{chart}-summary"


def table_toggle(chart: str) -> str:
    """The "View as table" summary: its clicks open and close the chart's table."""
    return f"{chart}-table-toggle"


def table_data(chart: str) -> str:
    """The store holding a chart's table as strings; the browser renders it."""
    return f"{chart}-table-data"


# Ethical Supply Chains view
SC_ISSUES_CHART = "supply-issues"
SC_HEATMAP_CHART = "supply-heatmap"
SC_TREND_CHART = "supply-trend"
SC_MAP_CHART = "supply-map"
SC_THEME_CHART = "supply-themes"
SC_TIER_CHART = "supply-tiers"
# Pattern-matching id type of a removable filter chip: {"type": CHIP, "view": ..., "param": ...}.
CHIP = "filter-chip"


# Audits vs Worker Voice view
AU_KPI = "audits-kpis"
AU_BINS_CHART = "audits-bins"
AU_ISSUE_CHART = "audits-by-issue"
AU_INDUSTRY_CHART = "audits-by-industry"
AU_COUNTRY_CHART = "audits-by-country"
AU_EXPLANATION = "audits-explanation"


# Ethical Recruitment view
RECRUITMENT_MAP = "recruitment-map"
RECRUITMENT_SANKEY = "recruitment-sankey"
RECRUITMENT_FEES = "recruitment-fees"
RECRUITMENT_CORRIDORS = "recruitment-corridors"  # the sortable corridor table
RECRUITMENT_COMPARE = "recruitment-compare"  # the compare section
RECRUITMENT_COMPARE_TREND = "recruitment-compare-trend"
RECRUITMENT_COMPARE_THEMES = "recruitment-compare-themes"
RECRUITMENT_COMPARE_CHARTS = "recruitment-compare-charts"  # both compare cards


# Remediation view
REMEDIATION_KPI = "remediation-kpis"
REMEDIATION_MONTHLY = "remediation-monthly"
REMEDIATION_FUNNEL = "remediation-funnel"
REMEDIATION_ROUTES = "remediation-routes"
REMEDIATION_TTR_MEDIAN = "remediation-ttr-median"
REMEDIATION_TTR_DISTRIBUTION = "remediation-ttr-distribution"
REMEDIATION_RATE = "remediation-rate"
REMEDIATION_VALIDATED = "remediation-validated"


# Share, cite, download, embed
SHARE = "share-permalink"
SHARE_STATUS = "share-status"
PERMALINK = "share-permalink-text"
CITE = "cite-details"
CITE_TEXT = "cite-text"
CITE_BIBTEX = "cite-bibtex"
# Download buttons of a chart card carry these classes; assets/03_downloads.js acts on them.
DOWNLOAD_CSV = "chart-download-csv"
DOWNLOAD_IMAGE = "chart-download-image"
EMBED_LINK = "chart-embed-link"
PATH_EMBED = "/embed/"
# Profile pages, one per subject (dashboard/profiles.py): /country/TH, /corridor/NP-KW.
PROFILE_KINDS = ("country", "nationality", "industry", "corridor")
PATH_PROFILES = tuple(f"/{kind}/" for kind in PROFILE_KINDS)
PATH_SITEMAP = "/sitemap.xml"
PATH_API = "/api/v1"
# Release notes (a page, an Atom feed) and the whole publication as a data package.
PATH_RELEASES = "/releases"
PATH_RELEASES_FEED = "/releases.atom"
PATH_PACKAGE = "/download/package.zip"


# Paths of the views: the navigation grows as views land.
PATH_OVERVIEW = "/"
PATH_METHODOLOGY = "/methodology"
PATH_SUPPLY_CHAINS = "/supply-chains"
PATH_AUDITS = "/audits"
PATH_RECRUITMENT = "/recruitment"
PATH_REMEDIATION = "/remediation"


# Supply-chain exposure view
PATH_EXPOSURE = "/exposure"
EX_FOOTPRINT = "exposure-footprint"  # the footprint, kept in this browser tab only
EX_COUNTRY = "exposure-country"
EX_INDUSTRY = "exposure-industry"
EX_NATIONALITIES = "exposure-nationalities"
EX_WEIGHT = "exposure-weight"
EX_ADD = "exposure-add"
EX_CLEAR = "exposure-clear"
EX_UPLOAD = "exposure-upload"
EX_MESSAGE = "exposure-message"
EX_ROWS = "exposure-rows"
EX_PROFILE = "exposure-profile"
EX_DOWNLOAD = "exposure-download"
EX_DOWNLOAD_FILE = "exposure-download-file"
EX_PRINT = "exposure-print"
EX_RANKING = "exposure-ranking"
EX_SEGMENTS = "exposure-segments"
EX_TREND = "exposure-trend"
EX_ISSUES = "exposure-issues"
EX_THEMES = "exposure-themes"
EX_CORRIDORS = "exposure-corridors"
# Pattern-matching id type of a footprint row's remove button: {"type": ..., "index": n}.
EX_REMOVE = "exposure-remove"
# The footprint template, served as a file (it holds no reader's data).
PATH_TEMPLATE = "/download/exposure/footprint-template"

# The page shown while the data cannot be read reloads itself on this timer.
RETRY = "unavailable-retry"
