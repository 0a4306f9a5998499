"""Plain-dict Plotly figures (cheaper to build and serialise than validated objects)."""

from __future__ import annotations

from layouts.i18n import _

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)


def base_layout(height: int = 340, y_title: str | None = None, **extra) -> dict:
    """The common layout; `extra` replaces top-level keys, `y_title` titles the y axis.

    Keys are plotly.js's own (nested dicts): plotly.py's "magic underscore" shorthands
    such as `yaxis_title` mean nothing to plotly.js, which drops them silently
    (tests/test_browser_plotly.py validates every figure in the browser).
    """
    layout = {
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "y": -0.2},
        "separators": ".,",
        "yaxis": {"tickformat": ",d", "gridcolor": "#ddd", "rangemode": "tozero"},
        "xaxis": {"gridcolor": "#eee"},
        "hoverlabel": {"namelength": -1},
    }
    layout.update(extra)
    if y_title:
        layout["yaxis"] = {**layout.get("yaxis", {}), "title": {"text": y_title}}
    return layout


def empty_figure() -> dict:
    return {
        "data": [],
        "layout": base_layout(
            height=120,
            xaxis={"visible": False},
            yaxis={"visible": False},
        ),
    }


def stacked_bars(x: list, series: list[tuple[str, list]], y_title: str) -> dict:
    data = [
        {
            "type": "bar",
            "name": name,
            "x": x,
            "y": y,
            "marker": {"color": PALETTE[i % len(PALETTE)]},
            "hovertemplate": "%{x}: %{y:,}<extra>" + name + "</extra>",
        }
        for i, (name, y) in enumerate(series)
    ]
    return {"data": data, "layout": base_layout(barmode="stack", y_title=y_title)}


def bars_and_line(x: list, bars: tuple[str, list], line: tuple[str, list]) -> dict:
    data = [
        {
            "type": "bar",
            "name": bars[0],
            "x": x,
            "y": bars[1],
            "marker": {"color": PALETTE[0]},
            "hovertemplate": "%{x}: %{y:,}<extra>" + bars[0] + "</extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": line[0],
            "x": x,
            "y": line[1],
            "yaxis": "y2",
            "marker": {"color": PALETTE[5], "symbol": "diamond", "size": 5},
            "line": {"color": PALETTE[5], "dash": "dot"},
            "connectgaps": False,
            "hovertemplate": "%{x}: %{y:,}<extra>" + line[0] + "</extra>",
        },
    ]
    layout = base_layout(
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


def ranked_bars(labels: list[str], values: list[int], x_title: str) -> dict:
    # Largest at the top: plotly draws horizontal categories bottom-up.
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "x": values[::-1],
            "y": labels[::-1],
            "marker": {"color": PALETTE[0]},
            "hovertemplate": "%{y}: %{x:,}<extra></extra>",
            "name": x_title,
        }
    ]
    layout = base_layout(
        height=max(220, 34 * len(labels) + 60),
        xaxis={"title": {"text": x_title}, "tickformat": ",d", "gridcolor": "#ddd"},
        yaxis={"automargin": True},
        showlegend=False,
    )
    layout["margin"]["l"] = 8
    return {"data": data, "layout": layout}


def no_data_note() -> str:
    return _("Nothing to show for this selection.")
