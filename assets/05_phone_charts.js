/* Charts on a phone: the server sends one figure for every screen, and this adapts its
   layout where the chart is drawn narrower than 540 px, before plotly draws it. Only
   the drawing changes: the data, the hover text, the "View as table" table and the
   downloads (built from the server's figure) stay exactly as sent.

   - A colour bar lies flat above the plot instead of standing beside it, so a map or a
     heatmap gets the whole width (a 336 px map beside a full-height bar was 150 px tall).
   - Long category labels of horizontal bars and heatmap rows wrap onto two lines, so
     they are neither cut ("ithheld, late or underpaid") nor squeeze the bars to 70 px.
   - A legend lies flat above the plot, clear of the axis labels.
   - Turned month labels get the bottom margin they need instead of being cut.
   - A funnel keeps room on its right for the numbers written beside its stages.
   - Axis titles, legend entries and notes longer than a narrow chart is wide wrap onto
     two lines instead of running past its edge ("% of cases received remedi"). */
(function () {
  "use strict";

  var NARROW = 540; // px: the chart's own width, whatever the screen
  var WRAP = 18; // characters per line of a category label
  var BAR = 56; // px: a flat colour bar with its title
  var ROW = 36; // px: a category row whose label takes two lines
  var LEGEND_ITEM = 20; // px: a legend entry's line
  var TITLE_LINE = 16; // px: a further line of an axis title
  var KEY_LINE = 17; // px: a line of a legend entry's name
  var BAR_TITLE = 22; // px: a flat colour bar's title, above the bar
  var BAR_THICKNESS = 10; // px: a flat colour bar
  var BAR_TICKS = 26; // px: a flat colour bar's tick labels, under it

  var LINE = 28; // characters per line of an axis title, legend entry or note

  /* A label on lines of at most `width` visible characters, each broken at the last
     space outside any markup (such as a coloured <span>). */
  function wrap(label, width) {
    width = width || WRAP;
    if (typeof label !== "string" || label.indexOf("<br>") >= 0) {
      return label;
    }
    var visible = 0;
    var inTag = false;
    var cut = -1;
    for (var i = 0; i < label.length; i++) {
      var ch = label.charAt(i);
      if (ch === "<") {
        inTag = true;
      } else if (ch === ">") {
        inTag = false;
      } else if (!inTag) {
        if (ch === " " && visible <= width) {
          cut = i;
        }
        visible += 1;
      }
    }
    if (visible <= width || cut <= 0) {
      return label;
    }
    // The rest is wrapped the same way, so no line is wider than the first.
    return label.slice(0, cut) + "<br>" + wrap(label.slice(cut + 1), width);
  }

  /* An axis whose title is longer than a narrow chart is wide: the title on two lines,
     and the margin grown to hold them. A y axis's turned title adds its further lines
     towards the plot, over the tick labels ("Cases remediated" in Burmese): it stands
     off by as many lines more. */
  function titled(axis, upright) {
    var text = axis && axis.title && axis.title.text;
    if (typeof text !== "string" || text.length <= LINE) {
      return axis;
    }
    var out = copy(axis);
    var wrapped = wrap(text, LINE);
    out.title = Object.assign(copy(axis.title), { text: wrapped });
    if (upright) {
      var more = wrapped.split("<br>").length - 1;
      out.title.standoff = (axis.title.standoff || 0) + more * TITLE_LINE;
    }
    out.automargin = true;
    return out;
  }

  function copy(object) {
    return Object.assign({}, object || {});
  }

  /* Categories drawn along the y axis: horizontal bars' and heatmaps' y values. */
  function rowCategories(data) {
    var seen = [];
    data.forEach(function (trace) {
      var horizontal = trace.type === "bar" && trace.orientation === "h";
      var rows = horizontal || trace.type === "heatmap" || trace.type === "funnel";
      if (rows && Array.isArray(trace.y)) {
        trace.y.forEach(function (y) {
          if (typeof y === "string" && seen.indexOf(y) < 0) {
            seen.push(y);
          }
        });
      }
    });
    return seen;
  }

  /* A map a phone's width holds no room for every country's name: with a corridor
     selected only its two ends keep their names (the rest on hover), and names are
     smaller. The selected arc's own label stays. */
  function placeNames(traces) {
    var ends = [];
    traces.forEach(function (t) {
      // The selected corridor is the one arc (a line) that carries a label.
      var arc = t.type === "scattergeo" && /lines/.test(t.mode || "");
      if (arc && /text/.test(t.mode || "") && Array.isArray(t.lon) && t.lon.length) {
        var last = t.lon.length - 1;
        ends.push([t.lon[0], t.lat[0]], [t.lon[last], t.lat[last]]);
      }
    });
    return traces.map(function (t) {
      // The places: named markers, no line.
      if (t.type !== "scattergeo" || /lines/.test(t.mode || "") || !Array.isArray(t.text)) {
        return t;
      }
      var named = copy(t);
      named.textfont = Object.assign(copy(t.textfont), { size: 10 });
      if (ends.length) {
        named.text = t.text.map(function (name, i) {
          var end = ends.some(function (e) {
            return Math.abs(e[0] - t.lon[i]) < 1e-6 && Math.abs(e[1] - t.lat[i]) < 1e-6;
          });
          return end ? name : "";
        });
      }
      return named;
    });
  }

  /* How many lines a figure's legend takes when its entries lie one under another:
     traces that show in it by default (scatter, bar...) unless hidden, colour-scaled
     ones only when asked, each as many lines as its (wrapped) name. */
  function legendLines(traces) {
    return traces.reduce(function (sum, t) {
      var scaled = t.type === "heatmap" || t.type === "choropleth" || t.type === "sankey";
      var shown = t.showlegend === true || (!scaled && t.showlegend !== false);
      return shown ? sum + String(t.name || "").split("<br>").length : sum;
    }, 0);
  }

  function adapt(data, layout, width) {
    var out = copy(layout);
    var margin = (out.margin = copy(out.margin));
    var extra = 0;
    var traces = data.map(function (trace) {
      var scaled = trace.type === "heatmap" || trace.type === "choropleth";
      if (!scaled || trace.showscale === false) {
        return trace;
      }
      var flat = copy(trace);
      var bar = copy(flat.colorbar);
      bar.orientation = "h";
      bar.x = 0;
      bar.xanchor = "left";
      bar.y = 1;
      bar.yanchor = "bottom";
      bar.len = 1;
      bar.thickness = BAR_THICKNESS;
      bar.title = Object.assign(copy(bar.title), { side: "top" });
      flat.colorbar = bar;
      extra = BAR;
      return flat;
    });
    if (extra) {
      margin.t = (margin.t || 0) + extra;
    }
    traces = traces.map(function (trace) {
      var name = wrap(trace.name, LINE);
      return name === trace.name ? trace : Object.assign(copy(trace), { name: name });
    });
    Object.keys(out).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key)) {
        out[key] = titled(out[key], key.charAt(0) === "y");
      }
    });
    var keyRoom = 0;
    if (Array.isArray(out.annotations)) {
      out.annotations = out.annotations.map(function (note) {
        var text = wrap(note && note.text, LINE);
        var fitted = text === (note && note.text) ? note : Object.assign(copy(note), { text: text });
        if (fitted && fitted.xref === "paper" && fitted.yref === "paper" && fitted.y >= 1) {
          // A key above the plot: aligned on its right edge, so it spreads over the
          // label margin instead of past the chart's edge when the labels are wide.
          fitted = Object.assign(copy(fitted), { x: 1, xanchor: "right", align: "right" });
          if (extra) {
            // Above the flat colour bar, not on it.
            fitted.yshift = (fitted.yshift || 0) + extra;
            keyRoom = 2 * LEGEND_ITEM;
          }
        }
        return fitted;
      });
    }
    if (out.geo) {
      traces = placeNames(traces);
    }
    margin.t = (margin.t || 0) + keyRoom;
    var categories = rowCategories(data);
    var wrapped = categories.map(function (c) {
      return wrap(c, WRAP);
    });
    if (categories.some(function (c, i) { return wrapped[i] !== c; })) {
      var yaxis = (out.yaxis = copy(out.yaxis));
      yaxis.tickmode = "array";
      yaxis.tickvals = categories;
      yaxis.ticktext = wrapped;
      yaxis.tickfont = Object.assign({ size: 11 }, yaxis.tickfont);
    }
    if (!out.geo && data.some(function (trace) { return trace.type !== "sankey"; })) {
      // Month labels turn on a narrow chart: let the bottom margin grow to hold them.
      out.xaxis = Object.assign(copy(out.xaxis), { automargin: true });
    }
    var legend = 0;
    if (data.some(function (trace) { return trace.type === "funnel"; })) {
      // Room on the right for the count written beside the narrowest stage ("19,07").
      margin.r = Math.max(margin.r || 0, 36);
    }
    if (out.showlegend !== false && data.length > 1) {
      // Two entries a line, at worst, above the plot.
      legend = Math.ceil(data.length / 2) * LEGEND_ITEM;
      out.legend = Object.assign(copy(out.legend), {
        orientation: "h",
        x: 0,
        xanchor: "left",
        y: 1.02,
        yanchor: "bottom",
      });
    }
    if (typeof out.height === "number") {
      out.height += extra + keyRoom;
      if (wrapped.some(function (w, i) { return w !== categories[i]; })) {
        var rows = wrapped.reduce(function (sum, w) {
          return sum + Math.max(ROW, 16 * String(w).split("<br>").length + 6);
        }, 0);
        var needed = rows + (margin.t || 0) + (margin.b || 48) + legend;
        out.height = Math.max(out.height, needed);
      }
      if (out.geo) {
        // A map is about as tall as it is wide: the rest of a desktop height stayed empty.
        out.height = Math.min(out.height, Math.round(width * 0.8) + extra);
      }
    }
    var keys = legendLines(traces);
    if (extra && keys && out.showlegend !== false && typeof out.height === "number") {
      // A flat colour bar and a legend (the grey "withheld" key) both above the plot:
      // both would sit on the plot's top edge, one over the other. Pinned in pixels from
      // the figure's top instead (container coordinates): the key first, the bar under it.
      var keyPx = keys * KEY_LINE + 8;
      // Under the key: the bar's title, the bar and its tick labels (plotly hangs a
      // flat bar by the lower edge of its labels), then the plot.
      var barBottom = keyPx + BAR_TITLE + BAR_THICKNESS + BAR_TICKS;
      margin.t = Math.max(margin.t || 0, barBottom + 6);
      out.height += keyPx;
      out.legend = Object.assign(copy(out.legend), {
        orientation: "h",
        x: 0,
        xanchor: "left",
        yref: "container",
        y: 1,
        yanchor: "top",
      });
      var below = 1 - barBottom / out.height;
      traces = traces.map(function (trace) {
        if (!trace.colorbar || trace.colorbar.orientation !== "h") {
          return trace;
        }
        var bar = Object.assign(copy(trace.colorbar), {
          yref: "container",
          y: below,
          yanchor: "bottom",
        });
        return Object.assign(copy(trace), { colorbar: bar });
      });
    }
    if (data.some(function (trace) { return trace.type === "heatmap"; })) {
      // Column names turned 45° overlap when columns are 20 px apart: upright, each
      // takes only its line's height of the width.
      out.xaxis = Object.assign(copy(out.xaxis), { tickangle: -90, automargin: true });
    }
    return { data: traces, layout: out };
  }

  function narrow(gd) {
    return (
      gd &&
      gd.closest &&
      gd.closest(".chart-graph") !== null &&
      gd.clientWidth > 0 &&
      gd.clientWidth < NARROW
    );
  }

  /* On a phone the charts of a view stand one under another, most of them screens below
     the first. A filter change redraws every chart of the view at once, which held a
     cheap phone's main thread for seconds before a menu answered. So a chart that lies
     far below the window is drawn when the reader scrolls to within a screen
     and a half of it (or prints the page); a newer figure replaces one not yet drawn.
     Its table and downloads follow the new figure at once: only the drawing waits. The
     same holds for a chart's first drawing: on opening a view, drawing the charts below
     the first screens held a 4x-slowed CPU for seconds (bench/interactivity.py). Until
     then the card says the chart is drawn when scrolled to (its "chart-waiting" line),
     instead of showing an empty plot. */
  var AHEAD = 1.5; // screens below the bottom of the window where drawing starts
  var PHONE = window.matchMedia("(max-width: 767.98px)");
  var pending = new Map();
  var watcher =
    typeof IntersectionObserver === "function"
      ? new IntersectionObserver(
          function (entries) {
            entries.forEach(function (entry) {
              if (entry.isIntersecting) {
                release(entry.target);
              }
            });
          },
          { rootMargin: "0px 0px " + AHEAD * 100 + "% 0px" }
        )
      : null;

  function farBelow(gd) {
    return gd.getBoundingClientRect().top > window.innerHeight * (1 + AHEAD);
  }

  function waiting(gd, on) {
    var card = gd.closest(".chart-card");
    if (card) {
      card.classList.toggle("chart-waits", on);
    }
  }

  function release(gd) {
    var job = pending.get(gd);
    if (!job) {
      return;
    }
    pending.delete(gd);
    watcher.unobserve(gd);
    Promise.resolve()
      .then(job.draw)
      .then(function (value) {
        waiting(gd, false);
        return value;
      })
      .then(job.resolve, job.reject);
  }

  function later(gd, draw) {
    var job = pending.get(gd);
    if (job) {
      job.draw = draw;
      return job.promise;
    }
    job = { draw: draw };
    job.promise = new Promise(function (resolve, reject) {
      job.resolve = resolve;
      job.reject = reject;
    });
    pending.set(gd, job);
    watcher.observe(gd);
    return job.promise;
  }

  // Printing (or a capture of the whole page: tests/visual.py) draws everything, the
  // answers still on their way included: a chart first drawn late waits for its empty
  // figure's drawing before its answer's.
  var printing = false;
  window.addEventListener("beforeprint", function () {
    printing = true;
    Array.from(pending.keys()).forEach(release);
  });
  window.addEventListener("afterprint", function () {
    printing = false;
  });

  function patch(Plotly) {
    if (!Plotly || Plotly.__ilmPhone) {
      return;
    }
    var react = Plotly.react;
    Plotly.react = function (gd, data, layout, config) {
      if (!narrow(gd)) {
        return react.apply(this, arguments);
      }
      var self = this;
      var draw;
      if (data && !Array.isArray(data) && data.data) {
        // The one-object form dcc.Graph uses: {data, layout, config, frames}.
        var fitted = adapt(data.data || [], data.layout, gd.clientWidth);
        draw = function () {
          return react.call(self, gd, Object.assign({}, data, fitted));
        };
      } else if (Array.isArray(data)) {
        var fit = adapt(data, layout, gd.clientWidth);
        draw = function () {
          return react.call(self, gd, fit.data, fit.layout, config);
        };
      } else {
        var args = arguments;
        draw = function () {
          return react.apply(self, args);
        };
      }
      var shown = Array.isArray(gd.data) && gd.data.length > 0;
      // The empty figure a card holds until its callback answers waits too: drawing six
      // empty plots took 0.8 s at 4x. dcc.Graph draws a chart's figures one after another,
      // so its answer follows once the reader scrolls near; until then the waiting card
      // keeps an empty plot's height (02_dashboard.css), so the charts below stay below.
      // A first drawing waits only in the phone layout (02_dashboard.css's breakpoint):
      // a desktop window narrow enough for two narrow charts a row draws them all.
      var first = !shown && PHONE.matches;
      if (watcher && !printing && (pending.has(gd) || ((shown || first) && farBelow(gd)))) {
        if (!shown) {
          waiting(gd, true);
        }
        var promise = later(gd, draw);
        if (!farBelow(gd)) {
          release(gd); // scrolled near while this figure was on its way
        }
        return promise;
      }
      return draw();
    };
    Plotly.__ilmPhone = true;
  }

  // plotly.js is a later asset (assets/vendor/): patch it once every script has run.
  if (window.Plotly) {
    patch(window.Plotly);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      patch(window.Plotly);
    });
  }
})();
