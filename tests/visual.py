"""What a reader would see wrong on a drawn page, found in the browser (no pixels compared).

`PROBLEMS` runs in the page and lists:
- `overflow`: the page is wider than the window (a reader must scroll sideways);
- `clipped`: text cut by its container: an HTML element that hides what overflows it
  while its text is wider or taller than its box, or a chart's tick, legend, title or
  annotation text that runs past the edge of the chart's drawing;
- `overlap`: a chart's legend on top of its tick labels or axis titles, a y axis's title
  within 3 px of its own tick labels (an x axis's on them), or a note written on its colour bar.
Each problem names the element ("#id" of the chart or a CSS path) and what it says.
"""

from __future__ import annotations

import base64
from pathlib import Path

PROBLEMS = r"""
function describe(el) {
  var graph = el.closest && el.closest('.dash-graph, .js-plotly-plot');
  var where = graph ? '#' + (graph.id || (graph.parentElement && graph.parentElement.id) || '?')
                    : (el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + (el.className || ''));
  return where;
}
function box(el) { var r = el.getBoundingClientRect(); return r; }
function meets(a, b, slack) {
  return a.left < b.right - slack && b.left < a.right - slack &&
         a.top < b.bottom - slack && b.top < a.bottom - slack;
}
var found = [];
var doc = document.documentElement;
if (doc.scrollWidth > window.innerWidth + 1) {
  found.push({kind: 'overflow', where: 'page', text: doc.scrollWidth + ' px wide in a ' +
              window.innerWidth + ' px window'});
}
var cutting = ['hidden', 'clip'];
document.querySelectorAll('main *, header *, nav *').forEach(function (el) {
  if (el.closest('svg') || !el.textContent.trim() || el.children.length > 2) { return; }
  var style = getComputedStyle(el);
  if (style.display === 'none' || style.visibility === 'hidden') { return; }
  if (el.closest('details:not([open])')) { return; }
  if (el.closest('.visually-hidden, .sr-only')) { return; }
  var cutsX = cutting.indexOf(style.overflowX) >= 0 || style.textOverflow === 'ellipsis';
  var cutsY = cutting.indexOf(style.overflowY) >= 0;
  if ((cutsX && el.scrollWidth > el.clientWidth + 1) ||
      (cutsY && el.scrollHeight > el.clientHeight + 1)) {
    found.push({kind: 'clipped', where: describe(el), text: el.textContent.trim().slice(0, 60)});
  }
});
document.querySelectorAll('.js-plotly-plot').forEach(function (plot) {
  var svg = plot.querySelector('svg.main-svg');
  if (!svg) { return; }
  var edge = box(svg);
  var texts = plot.querySelectorAll(
    'g.xtick text, g.ytick text, g.legend text, g.infolayer .gtitle, g.annotation-text-g text, ' +
    'g.g-xtitle text, g.g-ytitle text, g.colorbar text');
  texts.forEach(function (t) {
    if (!t.textContent.trim()) { return; }
    var r = box(t);
    if (r.width === 0) { return; }
    if (r.left < edge.left - 1 || r.right > edge.right + 1 ||
        r.top < edge.top - 1 || r.bottom > edge.bottom + 1) {
      found.push({kind: 'clipped', where: describe(plot), text: t.textContent.trim()});
    }
  });
  var bar = plot.querySelector('g.colorbar');
  if (bar && bar.getBoundingClientRect().width > 0) {
    plot.querySelectorAll('g.annotation').forEach(function (note) {
      if (note.textContent.trim() && meets(box(bar), box(note), 1)) {
        found.push({kind: 'overlap', where: describe(plot),
                    text: 'colour bar under "' + note.textContent.trim() + '"'});
      }
    });
  }
  // A turned y title must stand clear of its own tick labels by a few px more than their
  // boxes: Burmese glyphs reach past their box, so boxes that merely touch look overlaid.
  // An x title only clear of them: turned month labels' boxes hold empty corners.
  [['g.g-ytitle text', 'g.ytick text', 3], ['g.g-xtitle text', 'g.xtick text', 0]].forEach(
    function (pair) {
      var title = plot.querySelector(pair[0]);
      if (!title || !title.textContent.trim() || box(title).width === 0) { return; }
      var tr = box(title);
      var pad = pair[2];
      var near = {left: tr.left - pad, right: tr.right + pad, top: tr.top - pad,
                  bottom: tr.bottom + pad};
      plot.querySelectorAll(pair[1]).forEach(function (t) {
        if (t.textContent.trim() && meets(near, box(t), 0)) {
          found.push({kind: 'overlap', where: describe(plot),
                      text: 'axis title "' + title.textContent.trim() + '" on "' +
                            t.textContent.trim() + '"'});
        }
      });
    });
  var legend = plot.querySelector('g.legend');
  if (legend && legend.getBoundingClientRect().width > 0) {
    var lr = box(legend.querySelector('rect.bg') || legend);
    plot.querySelectorAll('g.xtick text, g.ytick text, g.g-xtitle text, g.g-ytitle text')
      .forEach(function (t) {
        if (t.textContent.trim() && meets(lr, box(t), 1)) {
          found.push({kind: 'overlap', where: describe(plot),
                      text: 'legend over "' + t.textContent.trim() + '"'});
        }
      });
  }
});
return found;
"""


def problems(driver) -> list[dict]:
    return driver.execute_script(PROBLEMS)


def draw_everything(driver) -> None:
    """Draw the charts a phone leaves undrawn until scrolled near (05_phone_charts.js), as
    printing does, so a capture and the checks see every chart; wait with `settled`."""
    driver.execute_script("window.dispatchEvent(new Event('beforeprint'))")


def save_page(driver, path: Path) -> None:
    """The whole page, not only the window, as one PNG (Chromium's DevTools capture)."""
    # The capture lays the page out without a vertical scroll bar: as wide as the window.
    size = driver.execute_script(
        "var d = document.documentElement;"
        "return [Math.max(d.scrollWidth, window.innerWidth), d.scrollHeight]"
    )
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1},
        },
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def settled(driver, seen: list, heading: str = "main h1") -> bool:
    """Nothing loading, `heading` drawn, and the page unchanged (its height and number of
    drawn charts) since the last look: call it until it says so, keeping `seen`."""
    state = driver.execute_script(
        "return [document.querySelectorAll('[data-dash-is-loading=\"true\"]').length,"
        " !!document.querySelector(arguments[0]),"
        " document.documentElement.scrollHeight,"
        " document.querySelectorAll('.js-plotly-plot .main-svg').length]",
        heading,
    )
    ready = state[0] == 0 and state[1]
    stable = ready and bool(seen) and seen[-1] == state
    seen.append(state)
    return stable
