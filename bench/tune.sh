#!/usr/bin/env bash
# Tuner benchmark: the same random search (8 trials, fixed seed) on flights (vega-datasets@3.2.1,
# flights-3m.parquet: label delay > 15; distance, origin, destination and the hour of departure) run
# with max_parallel_trials 1 and 2, in the same run; the target is the wall time of the trials with 2 at
# most 0.6 x with 1, on this 2-core machine. Both runs must give the same trials and metrics. Refreshes
# its section of bench/RESULTS.md.
#
#   bench/tune.sh
#
# Environment (all optional):
#   BENCH_HEAP     JVM heap flag                               (default -Xmx6g)
#   BENCH_ROWS     rows of flights-3m taken (the first ones)    (default 300000)
#   BENCH_TRIALS   trials of the search                         (default 8)
#   BENCH_EPOCHS   epochs of each trial                          (default 2)
#   BENCH_RESULTS  the Markdown file to refresh ("none": don't) (default bench/RESULTS.md)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
heap="${BENCH_HEAP:--Xmx6g}"
rows="${BENCH_ROWS:-300000}"
trials="${BENCH_TRIALS:-8}"
epochs="${BENCH_EPOCHS:-2}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
work="$here/work/tune"
begin_marker="<!-- tune-bench:begin -->"
end_marker="<!-- tune-bench:end -->"

. "$here/lib.sh"

csv="$here/data/flights-3m.csv"
[ -f "$csv" ] || "$here/fetch-data.sh"
rm -rf "$work"
mkdir -p "$work/data"
build_bench "$root" "$work/classes"
jar="$root/runner/target/beamline.jar"
# The first rows, the date (microseconds since 1970) as ISO-8601 text, which ingestion reads as a timestamp.
python3 - "$csv" "$work/data/flights.csv" "$rows" <<'PY'
import datetime, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src) as f, open(dst, "w") as out:
    out.write(f.readline())
    for i, line in zip(range(n), f):
        date, rest = line.split(",", 1)
        t = datetime.datetime.fromtimestamp(int(date) / 1e6, datetime.timezone.utc)
        out.write(t.strftime("%Y-%m-%dT%H:%M:%SZ") + "," + rest)
PY

pipeline() {  # pipeline <parallel>
  cat <<YAML
pipeline:
  name: bench-tune
ingest:
  input: $work/data/flights.csv
  schema: {date: timestamp}
  splits: {train: 2, eval: 1}
transform:
  features:
    delayed: {input: delay, binarize: 15}
    distance: {scale: z_score}
    origin: {vocabulary: {top_k: 200, oov_buckets: 1}}
    destination: {vocabulary: {top_k: 200, oov_buckets: 1}}
    hour: {input: date, time_part: hour_of_day}
train:
  label: delayed
  model: dnn
  hidden_units: [32, 16]
  epochs: $epochs
  batch_size: 256
  seed: 7
tune:
  algorithm: random
  max_trials: $trials
  max_parallel_trials: $1
  seed: 11
  objective: {metric: eval_auc}
  search_space:
    learning_rate: {float: [0.0003, 0.01], log: true}
    hidden_units: {choice: [[16], [32, 16], [64, 32]]}
    batch_size: {choice: [128, 256, 512]}
YAML
}

for p in 1 2; do
  pipeline "$p" > "$work/p$p.yaml"
  # The first run ingests and transforms (not measured); the second takes both from the cache, so both
  # searches train on the very same transformed shards. The tune stage is measured from its trials.
  step "max_parallel_trials $p: tune ($trials trials of $epochs epoch(s) on $rows rows)"
  wait_for_quiet 30
  java "$heap" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar "$jar" run "$work/p$p.yaml" --pipeline-root "$work/runs" \
    >"$work/p$p.log" 2>&1 || { cat "$work/p$p.log" >&2; exit 1; }
  grep -E '^ *(tune|train):|trial\(s\)|best:' "$work/p$p.log" >&2
done

summary() {  # summary <parallel>: wall seconds of the trials, their training seconds, the metrics
  python3 - "$work/runs/bench-tune" "$1" <<'PY'
import glob, json, sys
import os
d = [os.path.dirname(h) + "/trials.json" for h in glob.glob(sys.argv[1] + "/tune/*/hyperparameters.json")
     if json.load(open(h))["max_parallel_trials"] == int(sys.argv[2])][0]
t = json.load(open(d))
wall = (max(x["end_millis"] for x in t) - min(x["start_millis"] for x in t)) / 1000
busy = sum(x["wall_seconds"] for x in t)
print("%.1f %.1f %s" % (wall, busy, ",".join("%.6f" % x.get("metric", float("nan")) for x in t)))
PY
}
read -r wall1 busy1 metrics1 <<<"$(summary 1)"
read -r wall2 busy2 metrics2 <<<"$(summary 2)"
ratio="$(awk -v a="$wall2" -v b="$wall1" 'BEGIN {printf "%.2f", a / b}')"
same="yes"
[ "$metrics1" = "$metrics2" ] || same="NO ($metrics1 vs $metrics2)"
best="$(python3 -c "import json,glob; h=[json.load(open(f)) for f in glob.glob('$work/runs/bench-tune/tune/*/hyperparameters.json') if json.load(open(f))['max_parallel_trials'] == 2][0]; print('trial %d, eval AUC %.4f, %s' % (h['trial'], h['metric'], json.dumps(h['values'])))")"
met="$(awk -v r="$ratio" 'BEGIN {print (r <= 0.6 ? "met" : "missed")}')"

block="$(cat <<MD
Run on $(date -u '+%Y-%m-%d %H:%M') UTC, $(commit_line "$root").

- Command: \`bench/tune.sh\` (BENCH_ROWS=$rows, BENCH_TRIALS=$trials, BENCH_EPOCHS=$epochs)
- Machine: $(machine_line)
- Java: $(java_line); \`$heap\`; TensorFlow Java 1.1.0 (CPU)
- Data: the first $rows rows of \`flights-3m\`, ingested and transformed by the same pipeline (train:eval = 2:1)
- Search: random, $trials trials (learning rate, hidden units, batch size), seed 11, $epochs epoch(s) each, objective eval AUC

| max_parallel_trials | wall time of the trials (s) | training time summed over trials (s) |
|---:|---:|---:|
| 1 | $wall1 | $busy1 |
| 2 | $wall2 | $busy2 |

- Wall time with 2 ÷ with 1: **$ratio** (target ≤ 0.6: $met); the same trials and metrics in both: $same
- Best: $best
MD
)"
echo "$block"
if [ "$results" != none ]; then
  { echo "$begin_marker"; echo "$block"; echo "$end_marker"; } >"$work/section.md"
  write_section "$results" "$begin_marker" "$end_marker" "$work/section.md" "# Tuner benchmark (bench/tune.sh)

The tune stage's trials with \`max_parallel_trials: 2\` against the same trials one at a time, measured in the same run from \`trials.json\` (first trial start to last trial end)."
fi
