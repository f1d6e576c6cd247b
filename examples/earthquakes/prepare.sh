#!/usr/bin/env bash
# Regenerates examples/earthquakes/data/earthquakes.csv from the npm package vega-datasets@3.2.1
# (data/earthquakes.json: one week of the USGS "all earthquakes" feed, 31 January to 7 February 2018,
# 1,707 events). One row per event: the seismic network that located it ("net": ci, nc, ak, ...), the
# text of its place ("4km W of Castaic, CA") and its magnitude. Fields in double quotes (RFC 4180).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent vega-datasets@3.2.1 >/dev/null && tar -xzf vega-datasets-3.2.1.tgz)
mkdir -p "$here/data"
node - "$tmp/package/data/earthquakes.json" "$here/data/earthquakes.csv" <<'JS'
const fs = require('fs');
const [src, dst] = process.argv.slice(2);
const events = JSON.parse(fs.readFileSync(src, 'utf8')).features;
const cell = v => (v === null || v === undefined) ? '' : '"' + String(v).replace(/"/g, '""') + '"';
const lines = ['net,place,mag'];
for (const e of events) {
  const p = e.properties;
  lines.push([cell(p.net), cell(p.place), p.mag === null ? '' : String(p.mag)].join(','));
}
fs.writeFileSync(dst, lines.join('\n') + '\n');
console.log(`wrote ${events.length} rows to ${dst}`);
JS
