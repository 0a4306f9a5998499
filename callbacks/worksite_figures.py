"""Plain-dict figures for the worksite views (supply chains, audits).

Every clickable mark carries `customdata`: a query string of the filter (or view
option) a click on it sets, e.g. "issue=deception" or "issue=deception&industry=seafood";
`callbacks.crossfilter` turns a click into a filter patch.
"""

from __future__ import annotations

from callbacks.figures import PALETTE, base_layout


def hbars(
    labels: list[str],
    series: list[tuple[str, list]],
    x_title: str,
    customdata: list[str] | None = None,
    percent: bool = False,
    bounds: list[bool] | None = None,
    bound_text: str = "",
) -> dict:
    """Horizontal bars, stacked when there are several series; first label at the top.

    `bounds` marks bars whose value is only a bound (hatched, and said so on hover).
    """
    data = []
    for i, (name, values) in enumerate(series):
        value_format = "%{x:" + (".0%" if percent else ",") + "}"
        trace = {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "x": values[::-1],
            "y": labels[::-1],
            "marker": {"color": PALETTE[i % len(PALETTE)]},
            "hovertemplate": "%{y}: "
            + value_format
            + "<extra>"
            + (name if len(series) > 1 else "")
            + "</extra>",
        }
        if bounds and any(bounds):
            marks = bounds[::-1]
            trace["marker"]["pattern"] = {"shape": ["/" if b else "" for b in marks]}
            trace["text"] = [f"{bound_text} " if b else "" for b in marks]
            trace["textposition"] = "none"
            trace["hovertemplate"] = (
                "%{y}: %{text}"
                + value_format
                + "<extra>"
                + (name if len(series) > 1 else "")
                + "</extra>"
            )
        if customdata is not None:
            trace["customdata"] = customdata[::-1]
        data.append(trace)
    axis = {"title": {"text": x_title}, "gridcolor": "#ddd"}
    axis["tickformat"] = ".0%" if percent else ",d"
    if percent:
        axis["range"] = [0, 1]
    layout = base_layout(
        height=max(220, 30 * len(labels) + 90),
        xaxis=axis,
        yaxis={"automargin": True},
        barmode="stack",
        showlegend=len(series) > 1,
    )
    layout["margin"]["l"] = 8
    return {"data": data, "layout": layout}


def heatmap(
    x: list[str], y: list[str], z: list[list], customdata: list[list[str]], title: str
) -> dict:
    """Shares in [0, 1]; a withheld cell is None and shows as a gap."""
    data = [
        {
            "type": "heatmap",
            "x": x,
            "y": y,
            "z": z,
            "customdata": customdata,
            "colorscale": "Blues",
            "zmin": 0,
            "hoverongaps": False,
            "colorbar": {"title": {"text": title}, "tickformat": ".0%"},
            "hovertemplate": "%{y} · %{x}: %{z:.0%}<extra></extra>",
        }
    ]
    layout = base_layout(
        height=max(300, 26 * len(y) + 140),
        xaxis={"automargin": True, "tickangle": -30},
        yaxis={"automargin": True, "autorange": "reversed"},
    )
    layout["margin"]["l"] = 8
    return {"data": data, "layout": layout}


def lines(x: list[str], series: list[tuple[str, list, str]], y_title: str) -> dict:
    """One line per (name, values, customdata); None values leave a gap."""
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": x,
            "y": values,
            "customdata": [custom] * len(x),
            "connectgaps": False,
            "marker": {"color": PALETTE[i % len(PALETTE)], "size": 5},
            "line": {"color": PALETTE[i % len(PALETTE)]},
            "hovertemplate": "%{x}: %{y:,}<extra>" + name + "</extra>",
        }
        for i, (name, values, custom) in enumerate(series)
    ]
    return {"data": data, "layout": base_layout(y_title=y_title)}


def choropleth(
    locations: list[str], values: list, names: list[str], customdata: list[str], title: str
) -> dict:
    data = [
        {
            "type": "choropleth",
            "locationmode": "ISO-3",
            "locations": locations,
            "z": values,
            "text": names,
            "customdata": customdata,
            "colorscale": "Blues",
            "zmin": 0,
            "marker": {"line": {"color": "#666", "width": 0.5}},
            "colorbar": {"title": {"text": title}, "tickformat": ",d"},
            "hovertemplate": "%{text}: %{z:,}<extra></extra>",
        }
    ]
    layout = base_layout(
        height=380,
        geo={
            "scope": "asia",
            "showframe": False,
            "showcountries": True,
            "countrycolor": "#bbb",
            "fitbounds": "locations",
            "projection": {"type": "natural earth"},
        },
    )
    layout["margin"] = {"l": 0, "r": 0, "t": 0, "b": 0}
    return {"data": data, "layout": layout}


def vbars(labels: list[str], values: list, y_title: str) -> dict:
    data = [
        {
            "type": "bar",
            "x": labels,
            "y": values,
            "marker": {"color": PALETTE[0]},
            "hovertemplate": "%{x}: %{y:,}<extra></extra>",
            "name": y_title,
        }
    ]
    return {"data": data, "layout": base_layout(y_title=y_title, showlegend=False)}
