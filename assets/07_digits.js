/* Charts in the reader's digits. plotly.js writes ASCII digits whatever the language;
   the page's tables and headline numbers use the language's own (Burmese ၁၂၃, Nepali
   १२३, Bengali ১২৩: CLDR's default numbering system, which the server puts on
   <html data-digits>). After each drawing, and on each hover, the chart's text takes
   them too. Only the drawing changes: downloads keep plain digits for programs. */
(function () {
  "use strict";

  var ASCII = "0123456789";

  function own() {
    var set = document.documentElement.getAttribute("data-digits") || ASCII;
    return set.length === 10 && set !== ASCII ? Array.from(set) : null;
  }

  function rewrite(root, set) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (/[0-9]/.test(node.nodeValue)) {
        node.nodeValue = node.nodeValue.replace(/[0-9]/g, function (d) {
          return set[d.charCodeAt(0) - 48];
        });
      }
    }
  }

  function watch(gd) {
    var set = own();
    if (!set || !gd || gd.__ilmDigits || typeof gd.on !== "function") {
      return;
    }
    gd.__ilmDigits = true;
    var redraw = function () {
      gd.querySelectorAll("svg.main-svg").forEach(function (svg) {
        rewrite(svg, set);
      });
    };
    gd.on("plotly_afterplot", redraw);
    gd.on("plotly_hover", function () {
      // The hover label is drawn by then, in the layer above the plot.
      var layer = gd.querySelector(".hoverlayer");
      if (layer) {
        rewrite(layer, set);
      }
    });
    redraw();
  }

  function patch(Plotly) {
    if (!Plotly || Plotly.__ilmDigits) {
      return;
    }
    ["react", "newPlot"].forEach(function (name) {
      var draw = Plotly[name];
      Plotly[name] = function (gd) {
        var done = draw.apply(this, arguments);
        var target = typeof gd === "string" ? document.getElementById(gd) : gd;
        if (done && typeof done.then === "function") {
          done.then(function () {
            watch(target);
          });
        }
        return done;
      };
    });
    Plotly.__ilmDigits = true;
  }

  if (window.Plotly) {
    patch(window.Plotly);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      patch(window.Plotly);
    });
  }
})();
