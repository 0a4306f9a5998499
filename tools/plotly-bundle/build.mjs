// Builds ../../assets/vendor/plotly-ilm.min.js: plotly.js core plus only the trace types
// in traces.json, with the settings plotly.js uses for its own dist bundles
// (esbuild-config.js and tasks/util/bundle_wrapper.mjs in the plotly.js package).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const { environmentPlugin } = require("esbuild-plugin-environment");
// Drops attribute descriptions, as plotly.js does for its dist bundles: the schema text
// is for documentation, and it is a large share of the bytes.
const stripMeta = require("plotly.js/tasks/compress_attributes.js");

const version = require("plotly.js/package.json").version;
const { traces } = JSON.parse(readFileSync(join(here, "traces.json"), "utf8"));
const out = join(here, "..", "..", "assets", "vendor");
const outfile = join(out, "plotly-ilm.min.js");

// plotly.js inlines CSS into its bundles (esbuild-plugin-inline-css); this does the same,
// but names each style element after the file's path inside node_modules, not its
// absolute path, so every checkout builds the same bytes. The only CSS plotly.js has is
// maplibre-gl's, used by the "map" subplot alone: without a map trace it is left out
// (65 KB that would never run).
const MAP_TRACES = ["scattermap", "choroplethmap", "densitymap"];
const inlineCss = {
  name: "ilm-inline-css",
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, (args) => {
      const name = relative(join(here, "node_modules"), args.path).split("\\").join("/");
      if (name.startsWith("maplibre-gl/") && !traces.some((t) => MAP_TRACES.includes(t))) {
        return { contents: "", loader: "js" };
      }
      const id = createHash("sha256").update(name).digest("hex");
      const css = JSON.stringify(readFileSync(args.path, "utf8"));
      return {
        contents:
          `if (!document.getElementById("${id}")) { var e = document.createElement("style");` +
          ` e.id = "${id}"; e.textContent = ${css}; document.head.appendChild(e); }`,
        loader: "js",
      };
    });
  },
};

// Registered by name from traces.json, so that file is the only list to edit. scatter
// is registered by plotly.js core itself.
const entry = [
  'var Plotly = require("plotly.js/lib/core");',
  "Plotly.register([",
  ...traces.filter((t) => t !== "scatter").map((t) => `  require("plotly.js/lib/${t}"),`),
  "]);",
  "module.exports = Plotly;",
].join("\n");

const banner = [
  "/**",
  `* plotly.js v${version}`,
  "* Copyright 2012-2025, Plotly, Inc.",
  "* All rights reserved.",
  "* Licensed under the MIT license",
  "*/",
  `/* ILM Community Dashboard partial bundle; traces: ${traces.join(",")}; rebuild with tools/plotly-bundle (README.md). */`,
].join("\n");

mkdirSync(out, { recursive: true });
await build({
  stdin: { contents: entry, resolveDir: here, sourcefile: "ilm-plotly-entry.js" },
  outfile,
  format: "iife",
  globalName: "Plotly",
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: "none",
  plugins: [inlineCss, environmentPlugin({ NODE_DEBUG: false }), stripMeta],
  alias: { stream: "stream-browserify" },
  define: { global: "window", "define.amd": "false" },
  target: "es2016",
  banner: { js: banner },
  // The IIFE's var already is window.Plotly in a classic script; this keeps it so
  // if the file is ever wrapped (dcc.Graph looks for window.Plotly).
  footer: { js: "window.Plotly = Plotly;" },
  logLevel: "warning",
});
copyFileSync(require.resolve("plotly.js/LICENSE"), join(out, "plotly.js-LICENSE.txt"));

const bytes = readFileSync(outfile);
console.log(
  `${outfile}: plotly.js ${version}, ${traces.join(", ")}: ` +
    `${statSync(outfile).size} bytes, ${gzipSync(bytes, { level: 6 }).length} gzip`,
);
