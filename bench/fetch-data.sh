#!/usr/bin/env bash
# Fetches the public benchmark data (npm package vega-datasets@3.2.1) into bench/data/.
# Idempotent: does nothing when the data is already there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/data"
version="3.2.1"
if [ -f "$dest/vega-datasets-$version/data/flights-3m.parquet" ]; then
  echo "$dest/vega-datasets-$version"
  exit 0
fi
mkdir -p "$dest"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "vega-datasets@$version" >/dev/null)
mkdir -p "$tmp/unpacked"
tar -xzf "$tmp"/vega-datasets-"$version".tgz -C "$tmp/unpacked"
rm -rf "$dest/vega-datasets-$version"
mv "$tmp/unpacked/package" "$dest/vega-datasets-$version"
echo "$dest/vega-datasets-$version"
