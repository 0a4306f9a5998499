"""The registry of views: each view is one entry (path, label, layout, callbacks).

Adding a view means adding its entry to `all_views()`; navigation, routing, the
validation layout and callback registration all follow from this list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from callbacks import audits as audits_callbacks
from callbacks import exposure as exposure_callbacks
from callbacks import overview as overview_callbacks
from callbacks import recruitment as recruitment_callbacks
from callbacks import remediation as remediation_callbacks
from callbacks import supply_chains as supply_chains_callbacks
from data_access.disclosure import DisclosureParams
from layouts import ids
from layouts.audits import audits_page
from layouts.context import PageContext
from layouts.exposure import exposure_page
from layouts.i18n import _
from layouts.methodology import methodology_page
from layouts.overview import overview_page
from layouts.recruitment import recruitment_page
from layouts.remediation import remediation_page
from layouts.supply_chains import supply_chains_page


@dataclass(frozen=True)
class View:
    path: str
    label: Callable[[], str]
    layout: Callable[[PageContext], Any]
    register: Callable[[Any, Any], None] | None = None  # register(app, data)
    charts: Callable[[], list] | None = None  # the view's callbacks.charts.Chart list
    in_navigation: bool = True


def all_views() -> list[View]:
    return [
        View(
            ids.PATH_OVERVIEW,
            lambda: _("Overview"),
            overview_page,
            overview_callbacks.register,
            overview_callbacks.charts,
        ),
        # New views go here, in navigation order.
        View(
            ids.PATH_SUPPLY_CHAINS,
            lambda: _("Ethical supply chains"),
            supply_chains_page,
            supply_chains_callbacks.register,
            supply_chains_callbacks.charts,
        ),
        View(
            ids.PATH_AUDITS,
            lambda: _("Audits vs worker voice"),
            audits_page,
            audits_callbacks.register,
            audits_callbacks.charts,
        ),
        View(
            ids.PATH_RECRUITMENT,
            lambda: _("Ethical recruitment"),
            recruitment_page,
            recruitment_callbacks.register,
            recruitment_callbacks.charts,
        ),
        View(
            ids.PATH_REMEDIATION,
            lambda: _("Remediation"),
            remediation_page,
            remediation_callbacks.register,
            remediation_callbacks.charts,
        ),
        View(
            ids.PATH_EXPOSURE,
            lambda: _("Supply-chain exposure"),
            exposure_page,
            exposure_callbacks.register,
        ),
        View(ids.PATH_METHODOLOGY, lambda: _("Methodology"), methodology_page),
    ]


def find_view(pathname: str | None) -> View | None:
    path = (pathname or "/").rstrip("/") or "/"
    for view in all_views():
        if view.path == path:
            return view
    return None


def find_chart(view: View, chart_id: str):
    """A chart of a view by its id, or None."""
    for chart in view.charts() if view.charts else []:
        if chart.id == chart_id:
            return chart
    return None


def sample_context() -> PageContext:
    """A context for the validation layout, built without a database."""
    return PageContext("", 0, DisclosureParams())
