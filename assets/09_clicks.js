/* Clicks that set a filter, answered in the browser: a filter chip's × and a button of
   the recruitment view's corridor table. Dash calls a pattern-matching callback again
   whenever a re-render adds such buttons (they arrive with no clicks), even with
   prevent_initial_call: answered by the server, that was one more round trip after
   every filter change, and on /recruitment the last one, about a second after the
   charts. Here the same decision costs no request. */
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

  /* A corridor table's button: the patch that picks its corridor. */
  function pickCorridor() {
    var id = clickedId();
    if (!id || typeof id.corridor !== "string") {
      return window.dash_clientside.no_update;
    }
    return { corridor: id.corridor };
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    ilm: Object.assign({}, (window.dash_clientside || {}).ilm, {
      removeChip: removeChip,
      pickCorridor: pickCorridor,
    }),
  });
})();
