/* Clicks that set a filter, answered in the browser: a filter chip's × and a button of
   the recruitment view's corridor table. Dash calls a pattern-matching callback again
   whenever a re-render adds such buttons (they arrive with no clicks), even with
   prevent_initial_call: answered by the server, that was one more round trip after
   every filter change, and on /recruitment the last one, about a second after the
   charts. Here the same decision costs no request. The corridor table's buttons are
   plain DOM (04_tables.js draws the table), so a click on one sets the filter patch
   directly. */
(function () {
  "use strict";

  /* The id of the button whose click fired, or null when none did (a re-render). */
  function clickedId() {
    var triggered = (window.dash_clientside.callback_context || {}).triggered || [];
    var fired = triggered.filter(function (t) {
      return t && t.value;
    });
    if (!fired.length) {
      return null;
    }
    var prop = fired[0].prop_id;
    try {
      return JSON.parse(prop.slice(0, prop.lastIndexOf(".")));
    } catch (e) {
      return null;
    }
  }

  /* A chip's ×: the patch that clears its filter (callbacks.crossfilter.chip_patch). */
  function removeChip() {
    var id = clickedId();
    if (!id || typeof id.param !== "string") {
      return window.dash_clientside.no_update;
    }
    var patch = {};
    patch[id.param] = null;
    return patch;
  }

  /* A corridor table's button (Enter and Space click it too): the patch that picks its
     corridor, set on the store its data-ilm-patch names (callbacks.recruitment). */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-ilm-corridor]");
    if (!button || !window.dash_clientside || !window.dash_clientside.set_props) {
      return;
    }
    window.dash_clientside.set_props(button.getAttribute("data-ilm-patch"), {
      data: { corridor: button.getAttribute("data-ilm-corridor") },
    });
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    ilm: Object.assign({}, (window.dash_clientside || {}).ilm, {
      removeChip: removeChip,
    }),
  });
})();
