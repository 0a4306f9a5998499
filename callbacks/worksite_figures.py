"""Plain-dict figures for the worksite views (supply chains, audits).

Every clickable mark carries `customdata`: a query string of the filter (or view
option) a click on it sets, e.g. "issue=deception" or "issue=deception&industry=seafood";
`callbacks.crossfilter` turns a click into a filter patch.
"""

from __future__ import annotations

from callbacks.figures import base_layout, count_axis
from layouts import colours


def hbars(
    labels: list[str],
    series: list[tuple[str, list]],
    x_title: str,
    customdata: list[str] | None = None,
    percent: bool = False,
    *,
    y_title: str,
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
            "marker": colours.series_marker(i),
            "hovertemplate": "%{y}: "
            + value_format
            + "<extra>"
            + (name if len(series) > 1 else "")
            + "</extra>",
        }
        if bounds and any(bounds):
            marks = bounds[::-1]
            own = colours.series_pattern(i)
            trace["marker"]["pattern"] = {"shape": ["/" if b else own for b in marks]}
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
    axis = {"title": {"text": x_title}, "gridcolor": colours.GRID}
    if percent:
        axis["tickformat"] = ".0%"
    else:
        axis.update(count_axis([v for _name, values in series for v in values]))
    if percent:
        axis["range"] = [0, 1]
    layout = base_layout(
        height=max(220, 30 * len(labels) + 90),
        xaxis=axis,
        yaxis={"automargin": True, "title": {"text": y_title}},
        barmode="stack",
        showlegend=len(series) > 1,
    )
    layout["margin"]["l"] = 8
    return {"data": data, "layout": layout}


def no_data_key(text: str, kind: str = "scatter") -> dict:
    """A legend entry saying what the grey of NO_DATA means: a trace with no points,
    only a grey square in the legend (a legend wraps on a narrow screen, where a free
    annotation would run off the chart)."""
    return {
        "type": kind,
        "mode": "markers",
        **({"lon": [None], "lat": [None]} if kind == "scattergeo" else {"x": [None], "y": [None]}),
        "marker": {"symbol": "square", "size": 12, "color": colours.NO_DATA},
        "name": text,
        "showlegend": True,
        "hoverinfo": "skip",
        "meta": "no-data",
    }


def heatmap(
    x: list[str],
    y: list[str],
    z: list[list],
    customdata: list[list[str]],
    title: str,
    withheld_text: str,
    axis_titles: tuple[str, str] = ("", ""),
) -> dict:
    """Shares in [0, 1], light (low) to dark (high); a withheld cell is None.

    Withheld cells are drawn grey by a trace of their own beneath the shares, with the
    grey named under the plot: a gap would show the page's white, which is the colour
    of "low" on most scales.
    """
    withheld = [[1 if v is None else None for v in row] for row in z]
    data = []
    if any(v is not None for row in withheld for v in row):
        data.append(
            {
                "type": "heatmap",
                "x": x,
                "y": y,
                "z": withheld,
                "colorscale": [[0, colours.NO_DATA], [1, colours.NO_DATA]],
                "showscale": False,
                "hoverongaps": False,
                "xgap": 1,
                "ygap": 1,
                "hovertemplate": "%{y} · %{x}: " + withheld_text + "<extra></extra>",
                "name": withheld_text,
                # A flag, not a number: downloads and their tests skip it.
                "meta": "no-data",
            }
        )
    data.append(
        {
            "type": "heatmap",
            "x": x,
            "y": y,
            "z": z,
            "customdata": customdata,
            "colorscale": colours.SEQUENTIAL,
            "zmin": 0,
            "xgap": 1,
            "ygap": 1,
            "hoverongaps": False,
            "colorbar": {"title": {"text": title}, "tickformat": ".0%", "thickness": 14},
            "hovertemplate": "%{y} · %{x}: %{z:.0%}<extra></extra>",
            "name": title,
        }
    )
    if len(data) > 1:
        # Last: a trace without points before a heatmap leaves plotly.js computing the
        # heatmap's image size as NaN.
        data.append(no_data_key(withheld_text))
    layout = base_layout(
        height=max(300, 26 * len(y) + 160),
        xaxis={"automargin": True, "tickangle": -30, "title": {"text": axis_titles[0]}},
        yaxis={"automargin": True, "autorange": "reversed", "title": {"text": axis_titles[1]}},
        showlegend=len(data) > 2,
        plot_bgcolor=colours.BORDER,
    )
    layout["margin"]["l"] = 8
    return {"data": data, "layout": layout}


def lines(x: list[str], series: list[tuple[str, list, str]], y_title: str, x_title: str) -> dict:
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
            "marker": {"color": colours.series(i), "size": 5},
            "line": {"color": colours.series(i)},
            "hovertemplate": "%{x}: %{y:,}<extra>" + name + "</extra>",
        }
        for i, (name, values, custom) in enumerate(series)
    ]
    return {"data": data, "layout": base_layout(y_title=y_title, x_title=x_title)}


def choropleth(
    locations: list[str],
    values: list,
    names: list[str],
    customdata: list[str],
    title: str,
    withheld: tuple[list[str], list[str]] = ([], []),
    withheld_text: str = "",
) -> dict:
    """Countries light (few) to dark (many); `withheld` (ISO-3 codes, names) grey.

    Countries outside the data keep the pale land colour; withheld ones are grey and
    named as such under the map, so neither reads as "few".
    """
    data = []
    if withheld[0]:
        data.append(
            {
                "type": "choropleth",
                "locationmode": "ISO-3",
                "locations": withheld[0],
                "z": [1] * len(withheld[0]),
                "text": withheld[1],
                "colorscale": [[0, colours.NO_DATA], [1, colours.NO_DATA]],
                "showscale": False,
                "marker": {"line": {"color": colours.BORDER, "width": 0.5}},
                "hovertemplate": "%{text}: " + withheld_text + "<extra></extra>",
                "name": withheld_text,
                "meta": "no-data",
            }
        )
    data.append(
        {
            "type": "choropleth",
            "locationmode": "ISO-3",
            "locations": locations,
            "z": values,
            "text": names,
            "customdata": customdata,
            "colorscale": colours.SEQUENTIAL,
            "zmin": 0,
            "marker": {"line": {"color": colours.BORDER, "width": 0.5}},
            "colorbar": {
                "title": {"text": title},
                "tickformat": ",d",
                "thickness": 14,
                "len": 0.8,
            },
            "hovertemplate": "%{text}: %{z:,}<extra></extra>",
            "name": title,
        }
    )
    if withheld[0]:
        data.append(no_data_key(withheld_text, "scattergeo"))
    layout = base_layout(
        height=380,
        showlegend=bool(withheld[0]),
        geo={
            "scope": "asia",
            "showframe": False,
            "showcountries": True,
            "countrycolor": colours.BORDER,
            "showland": True,
            "landcolor": colours.LAND,
            "coastlinecolor": colours.COASTLINE,
            "fitbounds": "locations",
            "projection": {"type": "natural earth"},
        },
    )
    layout["margin"] = {"l": 0, "r": 0, "t": 0, "b": 0}
    return {"data": data, "layout": layout}


def vbars(labels: list[str], values: list, y_title: str, x_title: str) -> dict:
    data = [
        {
            "type": "bar",
            "x": labels,
            "y": values,
            "marker": {"color": colours.CATEGORICAL[0]},
            "hovertemplate": "%{x}: %{y:,}<extra></extra>",
            "name": y_title,
        }
    ]
    layout = base_layout(y_title=y_title, x_title=x_title, showlegend=False)
    layout["yaxis"].update(count_axis(values))
    return {"data": data, "layout": layout}
