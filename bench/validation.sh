#!/usr/bin/env bash
# Benchmark: Beamline statistics + validation over flights-3m.parquet (3,000,000 rows), against DuckDB
# computing a column summary (count, mean, standard deviation, min, max, quartiles, distinct counts) of
# the same file. Every case is timed as a whole process, 3 repeats interleaved; the medians, rows/s and
# the ratio to DuckDB go to the console and into bench/RESULTS.md (between the validation-bench
# markers; the rest of that file is left as it is). Target: at least 1/5 of DuckDB's throughput.
#
#   bench/validation.sh
#
# Cases:
#   duckdb                           node bench/duckdb-summary.mjs <file>  (one SQL query, see that file)
#   beamline validate                java -jar runner/target/beamline.jar validate <file> --schema <schema> --out DIR
#                                    (statistics + validation with the default, local engine; the schema is
#                                    inferred beforehand, untimed). The case the target is about.
#   beamline validate --engine beam  the same as a Beam pipeline on the DirectRunner
#   beamline stats                   java -jar runner/target/beamline.jar stats <file> --out DIR (local engine)
#   beamline validate, AppCDS        beamline validate with -XX:SharedArchiveFile=<archive>, as ./beamline
#                                    starts it: the archive is recorded (-XX:ArchiveClassesAtExit) by the
#                                    first, untimed command, the stats run that the schema comes from
#   beamline validate, AppCDS + C1   the same with -XX:TieredStopAtLevel=1 (no C2 compiler)
# Before the table, Beamline's count, mean, min and max of `distance` and `delay` are compared with
# DuckDB's (mean to 1e-9 relative, the rest exactly); the script fails when they disagree.
#
# Needs: java 17, mvn (with the dependencies already in ~/.m2: the build runs offline), node, npm.
# Environment: BENCH_REPEATS (default 3), BENCH_JAVA_OPTS (default -Xmx8g), BENCH_QUIET_WAIT (seconds a run
# waits at most for other processes to leave the cores, default 60; each run's table line also gives the
# CPU seconds that other processes took while it ran).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

repeats="${BENCH_REPEATS:-3}"
quiet_wait="${BENCH_QUIET_WAIT:-60}"
java_opts="${BENCH_JAVA_OPTS:--Xmx8g}"
duckdb_version="1.5.6-r.1"
duck_prefix="bench/work/duckdb"
work="bench/work/validation-bench"
jar="runner/target/beamline.jar"
results="bench/RESULTS.md"
begin_marker="<!-- validation-bench:begin -->"
end_marker="<!-- validation-bench:end -->"

log() { echo "validation-bench: $*" >&2; }

# --- data, build, DuckDB ---------------------------------------------------------------------------
data_dir="$(bench/fetch-data.sh)"
file="${data_dir#"$root"/}/data/flights-3m.parquet"
log "data: $file"

log "building (mvn -q -B -o package -DskipTests) ..."
mkdir -p bench/work
if ! mvn -q -B -o -Dstyle.color=never package -DskipTests >bench/work/validation-bench-build.log 2>&1; then
  cat bench/work/validation-bench-build.log >&2
  log "build failed (log: bench/work/validation-bench-build.log)"
  exit 1
fi

installed="$(node -p "try { require('./$duck_prefix/node_modules/@duckdb/node-api/package.json').version } catch (e) { '' }")"
if [ "$installed" != "$duckdb_version" ]; then
  log "installing @duckdb/node-api@$duckdb_version into $duck_prefix ..."
  mkdir -p "$duck_prefix"
  npm install --silent --no-audit --no-fund --prefix "$duck_prefix" "@duckdb/node-api@$duckdb_version"
fi

rm -rf "$work"
mkdir -p "$work"

# --- untimed preparation: the schema to validate against, and one warm-up of each tool --------------
log "untimed: beamline stats (recording the AppCDS archive) + infer-schema (the schema for validate), duckdb warm-up ..."
jsa="$work/beamline.jsa"
cds_quiet="-Xlog:cds=off -Xlog:cds+dynamic=off"
# shellcheck disable=SC2086
java $java_opts -XX:ArchiveClassesAtExit="$jsa" $cds_quiet -jar "$jar" stats "$file" --out "$work/schema-stats" >"$work/schema-stats.log" 2>&1
# shellcheck disable=SC2086
java $java_opts -jar "$jar" infer-schema "$work/schema-stats" --out "$work/schema.yaml" >"$work/infer-schema.log" 2>&1
node bench/duckdb-summary.mjs "$file" >"$work/duckdb-warmup.json"

# --- timed runs ------------------------------------------------------------------------------------
. bench/lib.sh

# run <case> <rep> <out-prefix> <command...>: runs the command as one process, appends
# "case rep wall-seconds max-rss-kb load-1min cpu-seconds others-cpu-seconds" to runs.tsv (cpu: user +
# sys of the process and its children, less sensitive than wall time to other work on the machine;
# others: the CPU seconds the rest of the machine used meanwhile); stdout to <out-prefix>.out, stderr to .err.
run() {
  local name="$1" rep="$2" out="$3"
  shift 3
  local load t0 t1 rss="-" cpu="-" busy0 busy1 others="-"
  wait_for_quiet "$quiet_wait"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  busy0="$(machine_busy)"
  t0="$(date +%s%N)"
  local rc=0
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M %U %S' -o "$out.time" "$@" >"$out.out" 2>"$out.err" || rc=$?
  else
    "$@" >"$out.out" 2>"$out.err" || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    log "$name (repeat $rep) exited with $rc; its output: $out.out, $out.err"
    exit 1
  fi
  t1="$(date +%s%N)"
  busy1="$(machine_busy)"
  if [ -f "$out.time" ]; then
    rss="$(tail -n 1 "$out.time" | cut -d' ' -f1)"
    cpu="$(tail -n 1 "$out.time" | awk '{ printf "%.2f", $2 + $3 }')"
    others="$(awk -v b0="$busy0" -v b1="$busy1" -v c="$cpu" 'BEGIN { o = b1 - b0 - c; printf "%.1f", o < 0 ? 0 : o }')"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')" \
    "$rss" "$load" "$cpu" "$others" >>"$work/runs.tsv"
  log "$(tail -n 1 "$work/runs.tsv")"
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/runs.tsv"
for rep in $(seq 1 "$repeats"); do
  run duckdb "$rep" "$work/duckdb-$rep" node bench/duckdb-summary.mjs "$file"
  rm -rf "$work/validate-$rep"
  # shellcheck disable=SC2086
  run "beamline validate" "$rep" "$work/validate-$rep" \
    java $java_opts -jar "$jar" validate "$file" --schema "$work/schema.yaml" --out "$work/validate-$rep"
  rm -rf "$work/validate-beam-$rep"
  # shellcheck disable=SC2086
  run "beamline validate --engine beam" "$rep" "$work/validate-beam-$rep" \
    java $java_opts -jar "$jar" validate "$file" --schema "$work/schema.yaml" --engine beam --out "$work/validate-beam-$rep"
  rm -rf "$work/stats-$rep"
  # shellcheck disable=SC2086
  run "beamline stats" "$rep" "$work/stats-$rep" java $java_opts -jar "$jar" stats "$file" --out "$work/stats-$rep"
  rm -rf "$work/validate-cds-$rep"
  # shellcheck disable=SC2086
  run "beamline validate, AppCDS" "$rep" "$work/validate-cds-$rep" \
    java $java_opts -XX:SharedArchiveFile="$jsa" $cds_quiet -jar "$jar" validate "$file" --schema "$work/schema.yaml" \
    --out "$work/validate-cds-$rep"
  rm -rf "$work/validate-cds-c1-$rep"
  # shellcheck disable=SC2086
  run "beamline validate, AppCDS + C1" "$rep" "$work/validate-cds-c1-$rep" \
    java $java_opts -XX:SharedArchiveFile="$jsa" $cds_quiet -XX:TieredStopAtLevel=1 -jar "$jar" validate "$file" \
    --schema "$work/schema.yaml" --out "$work/validate-cds-c1-$rep"
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- cross-check: Beamline's count/mean/min/max of distance and delay against DuckDB's ----------------
stats_files=()
for rep in $(seq 1 "$repeats"); do
  stats_files+=("$work/validate-$rep/statistics.json" "$work/validate-beam-$rep/statistics.json" "$work/stats-$rep/statistics.json"
    "$work/validate-cds-$rep/statistics.json" "$work/validate-cds-c1-$rep/statistics.json")
done
crosscheck_rc=0
node - "$work/duckdb-1.out" "${stats_files[@]}" >"$work/crosscheck.txt" <<'EOF' || crosscheck_rc=$?
const fs = require('fs');
const [duckFile, ...beamlineFiles] = process.argv.slice(2);
const duck = JSON.parse(fs.readFileSync(duckFile, 'utf8'));
let failed = 0;
const line = (...a) => console.log(a.join('  '));
for (const f of beamlineFiles) {
  const split = JSON.parse(fs.readFileSync(f, 'utf8')).splits[0];
  line(`${f}:`);
  const rowsOk = split.num_examples === duck.rows;
  line('  rows', `beamline=${split.num_examples}`, `duckdb=${duck.rows}`, rowsOk ? 'ok' : 'MISMATCH');
  failed += rowsOk ? 0 : 1;
  for (const name of ['distance', 'delay']) {
    const b = split.features.find((x) => x.name === name);
    const d = duck.columns[name];
    const checks = [
      ['count', b.count, d.count, b.count === d.count],
      ['mean', b.numeric.mean, d.mean, Math.abs(b.numeric.mean - d.mean) <= 1e-9 * Math.abs(d.mean)],
      ['min', b.numeric.min, d.min, b.numeric.min === d.min],
      ['max', b.numeric.max, d.max, b.numeric.max === d.max],
    ];
    for (const [stat, bv, dv, ok] of checks) {
      line(`  ${name}.${stat}`, `beamline=${bv}`, `duckdb=${dv}`, ok ? 'ok' : 'MISMATCH');
      failed += ok ? 0 : 1;
    }
  }
}
if (failed > 0) {
  console.log(`${failed} mismatch(es)`);
  process.exit(1);
}
console.log('all agree (mean to 1e-9 relative; count, min, max exactly)');
EOF
echo "Cross-check, first runs (all: $work/crosscheck.txt):"
sed -n '1,10p' "$work/crosscheck.txt"
tail -n 1 "$work/crosscheck.txt"
if [ "$crosscheck_rc" -ne 0 ]; then
  log "Beamline's statistics disagree with DuckDB's; see $work/crosscheck.txt"
  exit 1
fi

# --- table -----------------------------------------------------------------------------------------
duck_field() { node -p "JSON.parse(require('fs').readFileSync('$work/duckdb-1.out', 'utf8')).$1"; }
rows="$(duck_field rows)"
# Medians per case, in the order the cases first appear; DuckDB's rows/s is the reference.
table="$(awk -F '\t' -v rows="$rows" '
  {
    if (!($1 in n)) order[++k] = $1
    n[$1]++; t[$1, n[$1]] = $3 + 0; u[$1, n[$1]] = ($6 == "-" ? -1 : $6 + 0)
    raw[$1] = raw[$1] (n[$1] > 1 ? ", " : "") $3 ($7 != "" && $7 != "-" ? " (" $7 ")" : "")
  }
  function median(x, c,   i, j, m, v, a) {
    m = n[c]; for (i = 1; i <= m; i++) a[i] = x[c, i]
    for (i = 2; i <= m; i++) { v = a[i]; for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]; a[j + 1] = v }
    return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
  }
  END {
    ref = rows / median(t, "duckdb")
    print "| case | rows | wall s (median) | rows/s | DuckDB rows/s ÷ ours | ours ÷ DuckDB | ≥ 1/5 of DuckDB | wall s, each run (CPU s of other processes meanwhile) | CPU s (user+sys, median) |"
    print "|---|---:|---:|---:|---:|---:|---|---|---:|"
    for (i = 1; i <= k; i++) {
      c = order[i]; s = median(t, c); r = rows / s; cpu = median(u, c)
      if (c == "duckdb") { vs = "1 (reference)"; frac = "1"; met = "n/a" }
      else { vs = sprintf("%.1f×", ref / r); frac = sprintf("%.3f (%.1f%%)", r / ref, 100 * r / ref); met = (r / ref >= 0.2 ? "yes" : "**no**") }
      printf "| %s | %d | %.2f | %.0f | %s | %s | %s | %s | %s |\n", c, rows, s, r, vs, frac, met, raw[c], (cpu < 0 ? "n/a" : sprintf("%.2f", cpu))
    }
    c = "beamline validate"; s = median(t, c); r = rows / s
    printf "\n**Target** (beamline validate at ≥ 1/5 of DuckDB'"'"'s rows/s, i.e. ≤ %.2f s for this file): %s, at %.1f%% of DuckDB'"'"'s throughput.\n", \
      5 * median(t, "duckdb"), (r / ref >= 0.2 ? "**met**" : "**not met**"), 100 * r / ref
  }' "$work/runs.tsv")"
echo
echo "$table"
echo

# --- bench/RESULTS.md ------------------------------------------------------------------------------
commit="$(git rev-parse --short HEAD)"
if [ -n "$(git status --porcelain -- . ':!bench/RESULTS.md')" ]; then
  commit="$commit (with uncommitted changes)"
fi
java_version="$(java -version 2>&1 | head -n 1)"
cpu="$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
mem="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
duck_threads="$(duck_field threads)"
duck_engine="$(duck_field duckdb)"
anomalies="$(node -p "JSON.parse(require('fs').readFileSync('$work/validate-1/anomalies.json', 'utf8')).anomalies_count")"
rss_of() { awk -F '\t' -v c="$1" '$1 == c && $4 != "-" { printf "%s%.0f", (n++ ? ", " : ""), $4 / 1024 }' "$work/runs.tsv"; }
loads="$(awk -F '\t' '{ printf "%s%s", (NR > 1 ? ", " : ""), $5 }' "$work/runs.tsv")"
others_total="$(awk -F '\t' '$7 != "-" && $7 != "" { o += $7 } END { printf "%.1f", o }' "$work/runs.tsv")"

section="$(cat <<EOF
$begin_marker
## Statistics + validation vs a DuckDB summary (flights-3m.parquet)

Command: \`bench/validation.sh\` — $(date -u +'%Y-%m-%d %H:%M UTC'), commit $commit.
Machine: $(nproc) cores ($cpu), $mem; $java_version; node $(node --version); DuckDB $duck_engine
(@duckdb/node-api $duckdb_version, $duck_threads threads); Beamline JVM options \`$java_opts\` (more where a
case says so); the local engine with one thread per core, the Beam engine on the DirectRunner with one
worker per core. Load average (1/5/15 min) before: $load_before, after: $load_after; 1-min load before
each run: $loads. Other work may share the machine: each run first waits (up to ${quiet_wait} s) for the
other processes to use less than a quarter of a core, and the table gives, per run, the CPU seconds
that other processes took while it ran; a run that shares the cores is slower in wall time, its own CPU
seconds less so. Other processes took $others_total CPU s in all during the timed runs.

Input: \`$file\` (vega-datasets 3.2.1), $rows rows, columns date (timestamp), delay, distance (int64),
origin, destination (string). Each case is one whole process (start-up included), timed $repeats times,
interleaved (duckdb, validate, validate --engine beam, stats, the AppCDS cases, duckdb, ...); the table
gives the medians.

$table

Peak resident memory (MiB, per run): duckdb $(rss_of duckdb); beamline validate $(rss_of "beamline validate");
beamline validate --engine beam $(rss_of "beamline validate --engine beam"); beamline stats $(rss_of "beamline stats");
beamline validate, AppCDS $(rss_of "beamline validate, AppCDS"); AppCDS + C1 $(rss_of "beamline validate, AppCDS + C1").

What each case computes:
- **duckdb**: \`node bench/duckdb-summary.mjs <file>\`: DESCRIBE (file footer only), then one SQL query over
  \`read_parquet\`: for every column count and exact \`count(DISTINCT)\` (exact rather than
  \`approx_count_distinct\`, to be fair to Beamline's exact-then-HLL count); for numeric columns (the
  timestamp as epoch microseconds) also \`avg\`, \`stddev_pop\`, \`min\`, \`max\` and
  \`quantile_cont(col, [0.25, 0.5, 0.75])\` (exact quartiles).
- **beamline validate**: \`java -jar runner/target/beamline.jar validate <file> --schema <schema> --out DIR\`,
  with the default engine for a local file, \`local\`: the full statistics (count, missing, mean, std
  dev, min, max, median, KLL deciles, equal-width and quantile histograms, zeros/NaN/inf, distinct
  counts and top-k of the string features) computed in the process by the accumulators of the Beam
  stage's \`FeatureStatisticsFn\`, one task per Parquet row group on a pool of one thread per core, the
  columns decoded without building records; then validation against the schema (inferred beforehand
  from the same file by \`beamline stats\` + \`beamline infer-schema\`, untimed): statistics.json,
  anomalies.json, report.html (it found $anomalies anomalies). This is the case the 1/5 target is about.
- **beamline validate --engine beam**: the same command computing the statistics with a Beam pipeline
  (\`ComputeStatistics\`) on the DirectRunner, as every run did before the local engine.
- **beamline stats**: \`java -jar runner/target/beamline.jar stats <file> --out DIR\`: the statistics
  alone (statistics.json, report.html), local engine.
- **beamline validate, AppCDS**: beamline validate with \`-XX:SharedArchiveFile=<archive> -Xlog:cds=off
  -Xlog:cds+dynamic=off\`: the JVM maps the classes recorded in an AppCDS archive instead of loading them
  from the jars. The archive was recorded (\`-XX:ArchiveClassesAtExit\`) by the first, untimed command of
  the script, the \`beamline stats\` run that the schema comes from, as \`./beamline\` records one with the
  first command after a build. **AppCDS + C1**: the same with \`-XX:TieredStopAtLevel=1\` (the JIT
  compiles with C1 only), which costs peak speed on long runs but gets this short one to speed sooner.

Beamline does more per column than the DuckDB query (histograms, top-k, deciles, zeros/NaN/inf), and
DuckDB does some things differently: exact quartiles (Beamline: a KLL sketch) and distinct counts of the
numeric columns too (Beamline counts distinct values of string features only).

Cross-check (every Beamline run against DuckDB): $(tail -n 1 "$work/crosscheck.txt"). From the first runs:

\`\`\`
$(sed -n '1,10p' "$work/crosscheck.txt")
\`\`\`
$end_marker
EOF
)"

if [ ! -f "$results" ]; then
  printf '# Beamline benchmarks\n\nResults of the scripts in bench/. Each script rewrites only its own section, between its markers.\n' >"$results"
fi
tmp="$(mktemp "$results.XXXXXX")"
if grep -qF "$begin_marker" "$results"; then
  SECTION="$section" awk -v b="$begin_marker" -v e="$end_marker" '
    $0 == b { print ENVIRON["SECTION"]; skip = 1; next }
    skip && $0 == e { skip = 0; next }
    !skip { print }' "$results" >"$tmp"
else
  { cat "$results"; printf '\n%s\n' "$section"; } >"$tmp"
fi
mv "$tmp" "$results"
log "wrote the validation-bench section of $results"
