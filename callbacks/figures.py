"""Plain-dict Plotly figures (cheaper to build and serialise than validated objects)."""

from __future__ import annotations

from layouts import colours
from layouts.i18n import _, plotly_separators

# Legends sit above the plot area, left-aligned: below it they fell on rotated tick labels.
# Anchored to the plot area: anchored to the figure's edge ("xref": "container") it
# would wrap wider on phones, but at 360 px plotly.js then failed with "Something went
# wrong with axis scaling" on /supply-chains.
LEGEND_ON_TOP = {
    "orientation": "h",
    "x": 0,
    "xanchor": "left",
    "y": 1.02,
    "yanchor": "bottom",
}


# The page's web fonts for the workers' scripts first (assets/08_fonts.css: each is used only
# for its own script, downloaded only when a page has text in it), then the system fonts.
FONT_FAMILY = (
    "'ILM Noto Sans Myanmar', 'ILM Noto Sans Khmer', 'ILM Noto Sans Bengali', "
    "'ILM Noto Sans Devanagari', 'ILM Noto Sans Thai', "
    "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
)


# px between an axis's tick labels and its title. Without a standoff plotly.js places a
# title by moving it clear of the labels' boxes, which it measured short for long Burmese
# labels: a y title lay on the issue names (by up to 40 px on the heatmap), an x title on
# turned quarters. With one, it stands off from the labels' measured depth, as the margin
# does. 12 rather than a few px: Burmese glyphs such as the medial ra reach past their box.
TITLE_STANDOFF = 12


def base_layout(
    height: int = 340, y_title: str | None = None, x_title: str | None = None, **extra
) -> dict:
    """The common layout; `extra` replaces top-level keys, `y_title` and `x_title` title
    the axes (every drawn axis has a title: tests/test_encodings.py).

    Keys are plotly.js's own (nested dicts): plotly.py's "magic underscore" shorthands
    such as `yaxis_title` mean nothing to plotly.js, which drops them silently
    (tests/test_browser_plotly.py validates every figure in the browser).
    """
    layout = {
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "font": {"family": FONT_FAMILY},
        "paper_bgcolor": colours.TRANSPARENT,
        "plot_bgcolor": colours.TRANSPARENT,
        "legend": dict(LEGEND_ON_TOP),
        "separators": plotly_separators(),
        "yaxis": {
            "tickformat": ",d",
            "gridcolor": colours.GRID,
            "rangemode": "tozero",
            "automargin": True,
        },
        "xaxis": {"gridcolor": colours.GRID_LIGHT, "automargin": True},
        # plotly's hover labels take Arial, not the layout's font: without the scripts'
        # fonts a phone lacking them showed boxes in Burmese or Khmer labels.
        "hoverlabel": {"namelength": -1, "font": {"family": FONT_FAMILY}},
    }
    layout.update(extra)
    if y_title:
        layout["yaxis"] = {**layout.get("yaxis", {}), "title": {"text": y_title}}
    if x_title:
        layout["xaxis"] = {**layout.get("xaxis", {}), "title": {"text": x_title}}
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict) and "title" in axis:
            layout[key] = {**axis, "title": {"standoff": TITLE_STANDOFF, **axis["title"]}}
    return layout


def count_axis(values: list) -> dict:
    """Tick settings for a count axis: whole numbers only, so a short range never shows
    the same rounded number twice ("0 1 1 2 2")."""
    top = max((v for v in values if v is not None), default=0)
    return {"tickformat": ",d", "dtick": 1} if top <= 8 else {"tickformat": ",d"}


def mark_partial(figure: dict) -> dict:
    """Draw the last period of every trace as one still under way (the data stops
    partway through it): bars faded and hatched, a line's last segment dotted and faded.

    A line's last segment is a trace of its own, without legend entry, so the rest of
    the line keeps its style and every point keeps its hover.
    """
    extra = []
    for trace in figure["data"]:
        n = len(trace.get("x") or [])
        if n == 0:
            continue
        if trace.get("type") == "bar":
            marker = trace.setdefault("marker", {})
            marker["opacity"] = [1.0] * (n - 1) + [colours.PARTIAL_OPACITY]
            marker["pattern"] = {"shape": [""] * (n - 1) + [colours.PARTIAL_PATTERN]}
        elif trace.get("type") == "scatter" and n > 1:
            tail = {
                **trace,
                "x": trace["x"][-2:],
                "y": trace["y"][-2:],
                "line": {**trace.get("line", {}), "dash": "dot"},
                "opacity": colours.PARTIAL_OPACITY,
                "showlegend": False,
                "legendgroup": trace.get("name", ""),
            }
            if isinstance(trace.get("customdata"), list):
                tail["customdata"] = trace["customdata"][-2:]
            trace["x"], trace["y"] = trace["x"][:-1], trace["y"][:-1]
            if isinstance(trace.get("customdata"), list):
                trace["customdata"] = trace["customdata"][:-1]
            trace["legendgroup"] = trace.get("name", "")
            extra.append(tail)
    figure["data"] = figure["data"] + extra
    # "2026 (to Nov)" is no number: on an axis plotly typed as numbers from "2019",
    # "2020"..., it would silently drop the point.
    layout = figure.setdefault("layout", {})
    for name in [k for k in layout if k.startswith("xaxis")] or ["xaxis"]:
        layout[name] = {**layout.get(name, {}), "type": "category"}
    return figure


def empty_figure() -> dict:
    return {
        "data": [],
        "layout": base_layout(
            height=120,
            xaxis={"visible": False},
            yaxis={"visible": False},
        ),
    }


def stacked_bars(x: list, series: list[tuple[str, list]], y_title: str, x_title: str) -> dict:
    data = [
        {
            "type": "bar",
            "name": name,
            "x": x,
            "y": y,
            "marker": colours.series_marker(i),
            "hovertemplate": "%{x}: %{y:,}<extra>" + name + "</extra>",
        }
        for i, (name, y) in enumerate(series)
    ]
    return {"data": data, "layout": base_layout(barmode="stack", y_title=y_title, x_title=x_title)}


def bars_and_line(x: list, bars: tuple[str, list], line: tuple[str, list], x_title: str) -> dict:
    data = [
        {
            "type": "bar",
            "name": bars[0],
            "x": x,
            "y": bars[1],
            "marker": {"color": colours.CATEGORICAL[0]},
            "hovertemplate": "%{x}: %{y:,}<extra>" + bars[0] + "</extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": line[0],
            "x": x,
            "y": line[1],
            "yaxis": "y2",
            "marker": {"color": colours.CATEGORICAL[5], "symbol": "diamond", "size": 5},
            "line": {"color": colours.CATEGORICAL[5], "dash": "dot"},
            "connectgaps": False,
            "hovertemplate": "%{x}: %{y:,}<extra>" + line[0] + "</extra>",
        },
    ]
    layout = base_layout(
        x_title=x_title,
        yaxis={"title": {"text": bars[0]}, "tickformat": ",d", "rangemode": "tozero"},
        yaxis2={
            "title": {"text": line[0]},
            "overlaying": "y",
            "side": "right",
            "tickformat": ",d",
            "rangemode": "tozero",
            "showgrid": False,
        },
    )
    layout["margin"]["r"] = 64
    return {"data": data, "layout": layout}


def ranked_bars(labels: list[str], values: list, x_title: str, y_title: str) -> dict:
    # Largest at the top: plotly draws horizontal categories bottom-up.
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "x": values[::-1],
            "y": labels[::-1],
            "marker": {"color": colours.CATEGORICAL[0]},
            "hovertemplate": "%{y}: %{x:,}<extra></extra>",
            "name": x_title,
        }
    ]
    layout = base_layout(
        height=max(220, 34 * len(labels) + 60),
        xaxis={"title": {"text": x_title}, "gridcolor": colours.GRID, **count_axis(values)},
        yaxis={"automargin": True, "title": {"text": y_title}},
        showlegend=False,
    )
    layout["margin"]["l"] = 8
    return {"data": data, "layout": layout}


def no_data_note() -> str:
    return _("Nothing to show for this selection.")
