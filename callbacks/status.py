"""The reload of the "temporarily unavailable" page (layouts.status)."""

from __future__ import annotations

from dash import Input, Output

from layouts import ids


def register(app) -> None:
    # In the browser, so a page whose data cannot be read needs no server round trip to
    # try again: a reload asks for the whole layout afresh.
    app.clientside_callback(
        "function (n) { if (n) { window.location.reload(); } "
        "return window.dash_clientside.no_update; }",
        Output(ids.RETRY, "disabled"),
        Input(ids.RETRY, "n_intervals"),
        prevent_initial_call=True,
    )
