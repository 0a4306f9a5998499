/* Chart downloads and embeds: the links carry the chart id; the view and the current
   filters come from the address bar at click time, so a file always matches the page. */
(function () {
  "use strict";

  function viewSlug() {
    var path = window.location.pathname.replace(/^\/+|\/+$/g, "");
    return path || "overview";
  }

  function url(kind, chart, ext) {
    return "/" + kind + "/" + viewSlug() + "/" + chart + ext + window.location.search;
  }

  document.addEventListener(
    "click",
    function (event) {
      var target = event.target;
      if (!target || !target.closest) {
        return;
      }
      var csv = target.closest("a.chart-download-csv");
      if (csv) {
        csv.href = url("download", csv.dataset.chart, ".csv");
        return;
      }
      var embed = target.closest("a.chart-embed-link");
      if (embed) {
        embed.href = url("embed", embed.dataset.chart, "");
        return;
      }
      var image = target.closest("button.chart-download-image");
      if (!image) {
        return;
      }
      event.preventDefault();
      fetch(url("export", image.dataset.chart, ".json"))
        .then(function (response) {
          return response.json();
        })
        .then(function (payload) {
          // The server adds the title, the filters in words, the as-of date and the source.
          return window.Plotly.downloadImage(payload.figure, {
            format: image.dataset.format,
            filename: payload.filename,
            width: payload.figure.layout.width,
            height: payload.figure.layout.height,
          });
        });
    },
    true
  );
})();
