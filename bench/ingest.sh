#!/usr/bin/env bash
# Ingestion benchmark: times `beamline run` on flights-3m (3,000,000 rows, vega-datasets@3.2.1) as
# Parquet and as CSV, and, in the same run, plain single-threaded Java loops that read the same files,
# then prints a table and refreshes the generated part of bench/RESULTS.md.
#
#   bench/ingest.sh
#
# Environment (all optional):
#   BENCH_HEAP     JVM heap flag for every Java process       (default -Xmx8g)
#   BENCH_RUNNER   Beam runner for `beamline run`             (default direct; or flink)
#   BENCH_REPEAT   runs of every case, interleaved; the table shows medians (default 3)
#   BENCH_RESULTS  the Markdown file to refresh               (default bench/RESULTS.md; "none": don't)
#   BENCH_QUIET_WAIT  seconds a case waits at most for other processes to leave the cores (default 60)
#
# Not part of the test suite: nothing under bench/ is a module of the parent pom.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
heap="${BENCH_HEAP:--Xmx8g}"
runner="${BENCH_RUNNER:-direct}"
repeat="${BENCH_REPEAT:-3}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
quiet_wait="${BENCH_QUIET_WAIT:-60}"
work="$here/work"
classes="$work/classes"
csv="$here/data/flights-3m.csv"
expected_rows=3000000
quiet_logs="-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"

. "$here/lib.sh"

step "data"
data="$("$here/fetch-data.sh")"
parquet="$data/data/flights-3m.parquet"

build_bench "$root" "$classes"
jar="$root/runner/target/beamline.jar"
cp="$classes:$jar:$root/runner/target/lib/*"

step "CSV copy of the Parquet file"
java "$heap" $quiet_logs -cp "$cp" dev.beamline.bench.ParquetToCsv "$parquet" "$csv" >&2

# The pipeline files. The CSV holds `date` as its int64 microseconds (Parquet's TIMESTAMP(MICROS)
# value as text), so the declared CSV schema calls it int; everything else matches the Parquet file.
mkdir -p "$work/yaml"
cat >"$work/yaml/flights-parquet.yaml" <<EOF
pipeline:
  name: bench-flights-parquet
ingest:
  input: $parquet
  format: parquet
  splits: {train: 2, eval: 1}
  max_rejected_fraction: 0
EOF
csv_block="  format: csv
  csv:
    delimiter: \",\"
    header: true
    null_values: [\"\"]
  splits: {train: 2, eval: 1}
  max_rejected_fraction: 0"
cat >"$work/yaml/flights-csv-schema.yaml" <<EOF
pipeline:
  name: bench-flights-csv-schema
ingest:
  input: $csv
$csv_block
  schema:
    date: int
    delay: int
    distance: int
    origin: string
    destination: string
EOF
cat >"$work/yaml/flights-csv-inferred.yaml" <<EOF
pipeline:
  name: bench-flights-csv-inferred
ingest:
  input: $csv
$csv_block
EOF

# timed <log> <command...>: runs the command, its output into <log>; prints "<wall s> <peak RSS MiB>
# <CPU s that other processes took meanwhile>" (the last two "n/a" without GNU time).
timed() {
  local log="$1"
  shift
  local start end busy0 busy1 rss="n/a" others="n/a"
  wait_for_quiet "$quiet_wait"
  rm -f "$log.time"
  busy0="$(machine_busy)"
  start="$(date +%s.%N)"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f 'peak_rss_kb=%M cpu_s=%U %S' -o "$log.time" "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
  else
    "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
  fi
  end="$(date +%s.%N)"
  busy1="$(machine_busy)"
  if [ -f "$log.time" ]; then
    rss="$(sed -n 's/^peak_rss_kb=\([0-9]*\) .*/\1/p' "$log.time" | awk '{printf "%d", $1 / 1024}')"
    others="$(sed -n 's/.* cpu_s=//p' "$log.time" |
      awk -v b0="$busy0" -v b1="$busy1" '{o = b1 - b0 - $1 - $2; printf "%.0f", o < 0 ? 0 : o}')"
  fi
  echo "$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.2f", e - s}') $rss $others"
}

# Each run of a case appends "name|file|rows|wall s|in-process s|peak RSS MiB|others' CPU s" to $rows_file.
rows_file="$work/cases.txt"
: >"$rows_file"

beamline_case() {
  local name="$1" file="$2" yaml="$3" run="$4"
  local log="$work/logs/$(echo "$name" | tr -c 'A-Za-z0-9\n' '-').$run.log"
  step "$name (run $run of $repeat)"
  rm -rf "$work/runs"
  local measured wall rss others rows seconds
  measured="$(timed "$log" java "$heap" -jar "$jar" run "$yaml" --pipeline-root "$work/runs" --runner "$runner")"
  read -r wall rss others <<<"$measured"
  rows="$(sed -n 's/^ *\([0-9]*\) rows (.*/\1/p' "$log")"
  seconds="$(sed -n 's/^beamline: run .* finished in \([0-9.]*\) s.*/\1/p' "$log")"
  [ "$rows" = "$expected_rows" ] || { cat "$log" >&2; echo "$name: expected $expected_rows rows, got '$rows'" >&2; exit 1; }
  grep -E '^ *(ingest|splits|[0-9]+ rows|beamline: run)' "$log" >&2
  echo "wall ${wall} s, peak RSS ${rss} MiB, CPU s taken by other processes meanwhile: ${others}" >&2
  echo "$name|$file|$rows|$wall|$seconds|$rss|$others" >>"$rows_file"
}

java_case() {
  local name="$1" file="$2" run="$3"
  shift 3
  local log="$work/logs/$(echo "$name" | tr -c 'A-Za-z0-9\n' '-').$run.log"
  step "$name (run $run of $repeat)"
  local measured wall rss others rows seconds
  measured="$(timed "$log" java "$heap" $quiet_logs -cp "$cp" "$@")"
  read -r wall rss others <<<"$measured"
  cat "$log" >&2
  echo "wall ${wall} s, peak RSS ${rss} MiB, CPU s taken by other processes meanwhile: ${others}" >&2
  rows="$(sed -n 's/.*rows=\([0-9]*\) .*/\1/p' "$log")"
  seconds="$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "$log")"
  [ "$rows" = "$expected_rows" ] || { echo "$name: expected $expected_rows rows, got '$rows'" >&2; exit 1; }
  echo "$name|$file|$rows|$wall|$seconds|$rss|$others" >>"$rows_file"
}

# The cases run round-robin, so that a slow spell of the machine spreads over all of them.
csv_types="int,int,int,string,string"
csv_schema="date:int,delay:int,distance:int,origin:string,destination:string"
rm -rf "$work/logs"
mkdir -p "$work/logs"
for run in $(seq 1 "$repeat"); do
  java_case "plain loop: Parquet" parquet "$run" dev.beamline.bench.PlainParquetRead "$parquet"
  java_case "plain loop: CSV" csv "$run" dev.beamline.bench.PlainCsvRead "$csv" "$csv_types"
  beamline_case "beamline run: Parquet" parquet "$work/yaml/flights-parquet.yaml" "$run"
  beamline_case "beamline run: CSV, declared schema" csv "$work/yaml/flights-csv-schema.yaml" "$run"
  beamline_case "beamline run: CSV, inferred schema" csv "$work/yaml/flights-csv-inferred.yaml" "$run"
  java_case "Beamline reader alone: Parquet" parquet "$run" dev.beamline.bench.BeamlineReaderOnly parquet "$parquet"
  java_case "Beamline reader alone: CSV, declared schema" csv "$run" \
    dev.beamline.bench.BeamlineReaderOnly csv "$csv" "$csv_schema"
  java_case "Beamline reader alone: CSV, inferred schema" csv "$run" dev.beamline.bench.BeamlineReaderOnly csv "$csv"
done
rm -rf "$work/runs"
others="$(awk -F'|' '$7 ~ /^[0-9]+$/ {o += $7; n++} END {
  if (n) printf "other processes took %d CPU s while the cases ran (per run in the last column)", o
  else print "not measured (needs GNU time)" }' "$rows_file")"

# The table: per case, the medians (wall time, in-process time) of its undisturbed runs, those during
# which other processes took under 2 CPU s (of all its runs when none was undisturbed), and the
# largest peak RSS.
# Ratios compare with the plain loop on the same file: the wall-clock ratio includes both JVM starts;
# the in-process ratio compares `beamline run`'s own "finished in" time (graph construction, schema
# scan and pipeline) with the loop's time from opening to closing the file.
table="$(awk -F'|' '
  function median(list,    v, n, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) { t = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  !($1 in file) { order[++cases] = $1; file[$1] = $2; rows[$1] = $3; rss[$1] = "n/a" }
  { walls[$1] = walls[$1] " " $4; inproc[$1] = inproc[$1] " " $5; runs[$1] = runs[$1] " " $4 " (" $7 ")"; all[$1]++ }
  $7 ~ /^[0-9]+$/ && $7 + 0 < 2 { cwalls[$1] = cwalls[$1] " " $4; cinproc[$1] = cinproc[$1] " " $5; clean[$1]++ }
  $6 ~ /^[0-9]+$/ && (rss[$1] == "n/a" || $6 + 0 > rss[$1] + 0) { rss[$1] = $6 }
  END {
    for (i = 1; i <= cases; i++) {
      c = order[i]
      if (clean[c]) { w[c] = median(cwalls[c]); p[c] = median(cinproc[c]); used[c] = clean[c] }
      else { w[c] = median(walls[c]); p[c] = median(inproc[c]); used[c] = 0 }
      if (c ~ /^plain loop/) { pw[file[c]] = w[c]; pp[file[c]] = p[c] }
    }
    print "| case | rows | wall s | rows/s (wall) | in-process s | rows/s (in-process) | wall ÷ plain loop | in-process ÷ plain loop | peak RSS MiB | runs in the medians | wall s of each run (CPU s used by other processes meanwhile) |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for (i = 1; i <= cases; i++) {
      c = order[i]
      printf "| %s | %d | %.2f | %.0f | %.2f | %.0f | %.1f× | %.1f× | %s | %s |%s |\n",
        c, rows[c], w[c], rows[c] / w[c], p[c], rows[c] / p[c], w[c] / pw[file[c]], p[c] / pp[file[c]], rss[c],
        (used[c] ? used[c] " of " all[c] : "all " all[c] ", none undisturbed"), runs[c]
    }
  }' "$rows_file")"

step "results"
echo "$table"
echo "$others" >&2

[ "$results" = "none" ] && exit 0
block="$work/results-block.md"
{
  echo "<!-- bench:begin (generated by bench/ingest.sh; edits between these markers are overwritten) -->"
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(commit_line "$root")."
  echo
  echo "- Command: \`bench/ingest.sh\` (from the repository root)"
  echo "- Machine: $(machine_line)"
  echo "- Java: $(java_line); every JVM with \`$heap\`"
  echo "- Runs per case: $repeat, round-robin, each started once the machine is quiet; the table shows the medians of the runs"
  echo "  that other processes did not disturb (under 2 CPU s of theirs during the run; all runs if none), and the largest peak RSS"
  echo "- Machine shared with other jobs: $others"
  echo "- \`beamline run\`: \`--runner $runner\`, default parallelism (one worker per core), splits train:eval = 2:1, Parquet out"
  echo "- Data: \`flights-3m.parquet\` from npm \`vega-datasets@3.2.1\` ($(wc -c <"$parquet") bytes) and its CSV copy ($(wc -c <"$csv") bytes)"
  echo
  echo "$table"
  echo "<!-- bench:end -->"
} >"$block"
write_section "$results" "<!-- bench:begin" "<!-- bench:end -->" "$block" "# Ingestion benchmark"
echo "wrote $results" >&2
