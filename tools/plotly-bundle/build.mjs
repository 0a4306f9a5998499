// Builds ../../assets/vendor/plotly-ilm.min.js: plotly.js core plus only the trace types
// in traces.json, with the settings plotly.js uses for its own dist bundles
// (esbuild-config.js and tasks/util/bundle_wrapper.mjs in the plotly.js package).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const { environmentPlugin } = require("esbuild-plugin-environment");
const InlineCSSPlugin = require("esbuild-plugin-inline-css");
// Drops attribute descriptions, as plotly.js does for its dist bundles: the schema text
// is for documentation, and it is a large share of the bytes.
const stripMeta = require("plotly.js/tasks/compress_attributes.js");

const version = require("plotly.js/package.json").version;
const { traces } = JSON.parse(readFileSync(join(here, "traces.json"), "utf8"));
const out = join(here, "..", "..", "assets", "vendor");
const outfile = join(out, "plotly-ilm.min.js");

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
  plugins: [InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false }), stripMeta],
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
