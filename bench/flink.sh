#!/usr/bin/env bash
# Runner benchmark: the pipeline ingest -> statistics -> schema -> validate -> transform (features written
# as Parquet) on flights-3m (3,000,000 rows, vega-datasets@3.2.1), as one Parquet file and split into 8
# files (so that readers can run in parallel), on the DirectRunner, on embedded Flink and on the bundled
# Flink session cluster (flink/cluster.sh); the cluster's scaling measured with every process pinned:
# parallelism 1 with every JVM on core 0 (taskset -c 0) against parallelism 2 on cores 0 and 1. In the same
# run, references: the plain single-threaded Parquet loop of bench/ingest.sh (CPU seconds per million
# rows), and `beamline stats` with the local engine against the Beam engine on the same file.
#
#   bench/flink.sh
#
# Environment (all optional):
#   BENCH_HEAP     JVM heap of the client process        (default -Xmx6g)
#   BENCH_TM_MEMORY  process size of each TaskManager    (default 4096m)
#   BENCH_RESULTS  the Markdown file to refresh          (default bench/RESULTS.md; "none": don't)
#   BENCH_PORT     the REST port of the benchmark's cluster (default 8091)
#
# CPU seconds are the whole machine's busy time during a case (every JVM: client, JobManager and
# TaskManagers), so run it on a quiet machine; each case waits up to 60 s for the cores to be quiet.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
heap="${BENCH_HEAP:--Xmx6g}"
tm_memory="${BENCH_TM_MEMORY:-4096m}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
port="${BENCH_PORT:-8091}"
work="$here/work/flink"
classes="$work/classes"
cluster_dir="$work/cluster"
quiet_logs="-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
rows=3000000

. "$here/lib.sh"

cluster() { "$root/flink/cluster.sh" "$@" --dir "$cluster_dir"; }
trap 'cluster stop >/dev/null 2>&1 || true' EXIT

step "data"
data="$("$here/fetch-data.sh")"
parquet="$data/data/flights-3m.parquet"
rm -rf "$work/runs" "$work/yaml" "$work/cases"
build_bench "$root" "$classes"
jar="$root/runner/target/beamline.jar"
cp="$classes:$jar:$root/runner/target/lib/*"
split_dir="$here/work/flights-3m-8"
java "$heap" $quiet_logs -cp "$cp" dev.beamline.bench.SplitParquet "$parquet" "$split_dir" 8 >&2

mkdir -p "$work/yaml" "$work/cases"
pipeline_yaml() { # name input
  cat >"$work/yaml/$1.yaml" <<YAML
pipeline:
  name: $1
ingest:
  input: $2
  format: parquet
  splits: {train: 2, eval: 1}
  max_rejected_fraction: 0
validation:
  drift: false
transform:
  features:
    delay: {scale: z_score}
    distance: {scale: z_score}
    origin: {vocabulary: {}}
    destination: {vocabulary: {}}
YAML
}
pipeline_yaml flights-1 "$parquet"
pipeline_yaml flights-8 "$split_dir/*.parquet"

# case <name> <cpus> <command...>: runs the command pinned to the cpus, records wall and machine CPU seconds.
case_run() {
  local name="$1" cpus="$2"
  shift 2
  wait_for_quiet 60
  step "$name (cores $cpus)"
  local b0 b1 t0 t1
  b0="$(machine_busy)"
  t0="$(date +%s.%N)"
  if ! taskset -c "$cpus" "$@" >"$work/cases/$name.log" 2>&1; then
    tail -n 30 "$work/cases/$name.log" >&2
    echo "bench: case '$name' failed; its output: $work/cases/$name.log" >&2
    exit 1
  fi
  t1="$(date +%s.%N)"
  b1="$(machine_busy)"
  awk -v n="$name" -v s="$t0" -v e="$t1" -v a="$b0" -v b="$b1" -v r="$rows" \
    'BEGIN {w = e - s; c = b - a; printf "%s\t%.1f\t%.1f\t%.0f\t%.1f\n", n, w, c, r / w, c / (r / 1e6)}' >>"$work/cases/table.tsv"
  tail -n 1 "$work/cases/table.tsv" | awk -F'\t' '{printf "  %s: %s s wall, %s CPU s\n", $1, $2, $3}' >&2
}
: >"$work/cases/table.tsv"

beamline() { java "$heap" $quiet_logs -jar "$jar" "$@"; }
run_case() { # name cpus yaml runner-args...
  local name="$1" cpus="$2" yaml="$3"
  shift 3
  case_run "$name" "$cpus" java "$heap" $quiet_logs -jar "$jar" run "$work/yaml/$yaml.yaml" --pipeline-root "$work/runs/$name" "$@"
  grep -q "rows (0 rejected)" "$work/cases/$name.log" || { echo "bench: $name did not ingest every row" >&2; exit 1; }
}

step "untimed warm-up (page cache, JIT-independent: a short run on the DirectRunner)"
beamline run "$work/yaml/flights-8.yaml" --pipeline-root "$work/runs/warmup" >"$work/cases/warmup.log" 2>&1

case_run "plain loop: Parquet read (1 thread)" 0 java "$heap" $quiet_logs -cp "$cp" dev.beamline.bench.PlainParquetRead "$parquet"
case_run "beamline stats, local engine" 0,1 java "$heap" $quiet_logs -jar "$jar" stats "$parquet" --out "$work/runs/stats-local"
case_run "beamline stats, Beam engine (DirectRunner)" 0,1 java "$heap" $quiet_logs -jar "$jar" stats "$parquet" --engine beam --out "$work/runs/stats-beam"

run_case "DirectRunner, 1 file" 0,1 flights-1
run_case "DirectRunner, 8 files" 0,1 flights-8
run_case "embedded Flink, 8 files, parallelism 2" 0,1 flights-8 --runner=flink --parallelism=2

# job_seconds: the last job's time in the JobManager's log, from "Received JobGraph" to its terminal state.
job_seconds() {
  local log="$cluster_dir/log/jobmanager.log" a b
  a="$(grep 'Received JobGraph submission' "$log" | tail -1 | cut -c1-23)"
  b="$(grep 'reached terminal state' "$log" | tail -1 | cut -c1-23)"
  awk -v a="$(date -d "${a/,/.}" +%s.%N)" -v b="$(date -d "${b/,/.}" +%s.%N)" 'BEGIN {printf "%.1f", b - a}'
}
cluster_case() { # taskmanagers slots cpus yaml label
  local tms="$1" slots="$2" cpus="$3" yaml="$4" name
  name="cluster, $5, parallelism $((tms * slots)) ($tms TaskManager(s) x $slots slot(s)), cores $cpus"
  step "cluster: $tms TaskManager(s) of $slots slot(s) on cores $cpus"
  taskset -c "$cpus" "$root/flink/cluster.sh" start --taskmanagers "$tms" --slots "$slots" --rest-port "$port" --tm-memory "$tm_memory" --dir "$cluster_dir" >&2
  run_case "$name" "$cpus" "$yaml" --runner=flink "--flinkMaster=localhost:$port"
  echo -e "$name\t$(job_seconds)" >>"$work/cases/jobs.tsv"
  cluster stop >&2
}
: >"$work/cases/jobs.tsv"
cluster_case 1 1 0 flights-8 "8 files"
cluster_case 1 2 0,1 flights-8 "8 files"
cluster_case 2 1 0,1 flights-8 "8 files"
cluster_case 1 2 0,1 flights-1 "1 file"

tsv="$work/cases/table.tsv"
val() { awk -F'\t' -v n="$1" -v c="$2" '$1 == n {print $c}' "$tsv"; }
p1_name="cluster, 8 files, parallelism 1 (1 TaskManager(s) x 1 slot(s)), cores 0"
p2_name="cluster, 8 files, parallelism 2 (1 TaskManager(s) x 2 slot(s)), cores 0,1"
p2b_name="cluster, 8 files, parallelism 2 (2 TaskManager(s) x 1 slot(s)), cores 0,1"
job() { awk -F'\t' -v n="$1" '$1 == n {print $2}' "$work/cases/jobs.tsv"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
loop_cpu="$(val "plain loop: Parquet read (1 thread)" 5)"
table="| case | wall s | CPU s (all processes) | rows/s | CPU s per million rows |
|---|---:|---:|---:|---:|
$(awk -F'\t' '{printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5}' "$tsv")

| cluster case | job time s (JobManager: submission received → finished) |
|---|---:|
$(awk -F'\t' '{printf "| %s | %s |\n", $1, $2}' "$work/cases/jobs.tsv")

- **Cluster speed-up, parallelism 2 on two cores over parallelism 1 on one core** (target ≥ 1.7): one
  TaskManager with 2 slots **$(ratio "$(val "$p1_name" 2)" "$(val "$p2_name" 2)")×** wall
  ($(ratio "$(job "$p1_name")" "$(job "$p2_name")")× in job time); two TaskManagers of 1 slot
  $(ratio "$(val "$p1_name" 2)" "$(val "$p2b_name" 2)")× wall ($(ratio "$(job "$p1_name")" "$(job "$p2b_name")")× in job time).
- CPU per million rows of the pipeline on the cluster (parallelism 2, one TaskManager) against the plain
  Parquet loop's $loop_cpu s, which only reads: $(ratio "$(val "$p2_name" 5)" "$loop_cpu")×; the Beam statistics path
  (\`beamline stats --engine beam\`) against the local engine: $(ratio "$(val "beamline stats, Beam engine (DirectRunner)" 2)" "$(val "beamline stats, local engine" 2)")× the wall time.
"

step "results"
echo "$table"
[ "$results" = "none" ] && exit 0
begin_marker="<!-- flink.sh: begin -->"
end_marker="<!-- flink.sh: end -->"
block="$work/results-block.md"
{
  echo "$begin_marker"
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(commit_line "$root")."
  echo
  echo "- Command: \`bench/flink.sh\` (from the repository root)"
  echo "- Machine: $(machine_line)"
  echo "- Java: $(java_line); client \`$heap\`; TaskManagers of $tm_memory with 1 slot each; Flink 1.19.0"
  echo "- Work: ingest (Parquet, train:eval = 2:1) → statistics → schema → validate → transform (4 features, written as Parquet) on \`flights-3m.parquet\`, one file or the same rows in 8 files; every case \`--no-cache\`-fresh (its own pipeline root); wall time includes the client JVM's start and, on the cluster, the job jar's upload"
  echo
  echo "$table"
  echo "$end_marker"
} >"$block"
write_section "$results" "$begin_marker" "$end_marker" "$block" "## Runners and the Flink cluster (bench/flink.sh)"
echo "bench: results written to $results" >&2
