#!/usr/bin/env bash
# Regenerates examples/penguins/data/penguins.csv from the npm package vega-datasets@3.2.1
# (data/penguins.json, the Palmer penguins data: 344 rows, some values missing).
# Column names follow TFX's penguin example. Missing values become empty fields.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent vega-datasets@3.2.1 >/dev/null && tar -xzf vega-datasets-3.2.1.tgz)
mkdir -p "$here/data"
node - "$tmp/package/data/penguins.json" "$here/data/penguins.csv" <<'JS'
const fs = require('fs');
const [src, dst] = process.argv.slice(2);
const rows = JSON.parse(fs.readFileSync(src, 'utf8'));
const columns = [
  ['species', 'Species'], ['island', 'Island'],
  ['culmen_length_mm', 'Beak Length (mm)'], ['culmen_depth_mm', 'Beak Depth (mm)'],
  ['flipper_length_mm', 'Flipper Length (mm)'], ['body_mass_g', 'Body Mass (g)'], ['sex', 'Sex'],
];
const cell = v => (v === null || v === undefined || v === '.') ? '' : String(v);
const lines = [columns.map(c => c[0]).join(',')];
for (const r of rows) lines.push(columns.map(c => cell(r[c[1]])).join(','));
fs.writeFileSync(dst, lines.join('\n') + '\n');
console.log(`wrote ${rows.length} rows to ${dst}`);
JS
