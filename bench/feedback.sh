#!/usr/bin/env bash
# Feedback-loop benchmark: the join_feedback and live_metrics stages (`beamline run` of a pipeline file
# with only pipeline: and feedback:) over a request log of 3,000,000 logged requests, one per flight of
# flights-3m, written by the model server's own writer (ParquetRequestLog) with the probabilities the
# served model (bench/train.sh's) really returned, and a label file giving 80% of them the flight's
# delay (plus 1,000 orphan labels); against a plain single-threaded Java loop, in the same run, that
# reads the same Parquet log and label CSV, hash-joins them by request id and tallies accuracy per
# (version, day). The script checks that both agree: the counts of the join, and per day the scored
# rows and right answers. Refreshes its section of bench/RESULTS.md.
#
#   bench/train.sh      # once: the ingestion, the fitted transform and the model this one reads
#   bench/feedback.sh                                                   # 3 M requests, embedded Flink
#   BENCH_REQUESTS=2000 BENCH_RUNNERS="direct flink" bench/feedback.sh  # the DirectRunner, on a small log
#
# Needs jq (to read feedback.json and live_metrics.json). The log and labels are generated once into bench/work/feedback/data-<requests>/ (FeedbackLogGen,
# which scores every row with the model: a few minutes) and reused by later runs.
#
# Environment (all optional):
#   BENCH_HEAP      JVM heap flag of every JVM                          (default -Xmx12g)
#   BENCH_REPEAT    runs of each case, interleaved; medians             (default 3)
#   BENCH_REQUESTS  logged requests (at most 3,000,000)                 (default 3000000)
#   BENCH_RUNNERS   the runners measured, each repeat: direct, flink (embedded, --runner=flink); default "flink"
#                   above 20,000 requests, else "direct flink": the DirectRunner runs the join with one bundle
#                   per request id and does not finish 20,000 in 13 minutes (bench/RESULTS.md says where the time goes)
#   BENCH_RUNNER    a folder holding beamline.jar and lib/ to use instead of building (mvn) runner/target
#   BENCH_RESULTS   the Markdown file to refresh ("none": don't)        (default bench/RESULTS.md)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
heap="${BENCH_HEAP:--Xmx12g}"
repeat="${BENCH_REPEAT:-3}"
requests="${BENCH_REQUESTS:-3000000}"
runners="${BENCH_RUNNERS:-$([ "$requests" -gt 20000 ] && echo flink || echo "direct flink")}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
train="$here/work/train"
work="$here/work/feedback"
classes="$work/classes"
data="$work/data-$requests"
quiet_logs="-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
begin_marker="<!-- feedback-bench-$requests:begin -->"
end_marker="<!-- feedback-bench-$requests:end -->"

. "$here/lib.sh"

ingest_dir="$train/runs/bench-flights-train/ingest/1"
transform_dir="$train/bench/transform-3"
model_dir="$train/bench/model"
for d in "$ingest_dir" "$transform_dir" "$model_dir"; do
  [ -d "$d" ] || { echo "missing $d: run bench/train.sh first" >&2; exit 2; }
done

mkdir -p "$work"
if [ -n "${BENCH_RUNNER:-}" ]; then
  runner_dir="$BENCH_RUNNER"
  step "javac bench/src against $runner_dir"
  rm -rf "$classes"
  mkdir -p "$classes"
  find "$here/src" -name '*.java' -print0 |
    xargs -0 javac --release 17 -nowarn -d "$classes" -cp "$runner_dir/beamline.jar:$runner_dir/lib/*"
else
  build_bench "$root" "$classes"
  runner_dir="$root/runner/target"
fi
jar="$runner_dir/beamline.jar"
cp_bench="$classes:$jar:$runner_dir/lib/*"

if [ ! -f "$data/generated.out" ]; then
  step "generate $requests logged requests and their labels (once; scores every row with the model)"
  rm -rf "$data"
  mkdir -p "$data"
  java "$heap" $quiet_logs -cp "$cp_bench" dev.beamline.bench.FeedbackLogGen \
    "$ingest_dir" "$transform_dir" "$model_dir" "$data" "$requests" >"$data/generated.tmp" 2>"$data/generate.log" ||
    { tail -n 20 "$data/generate.log" >&2; exit 1; }
  mv "$data/generated.tmp" "$data/generated.out"
fi
gen() { sed -n "s/^$1=//p" "$data/generated.out"; }
[ "$(gen requests)" = "$requests" ] || { echo "the generated log has $(gen requests) requests, not $requests" >&2; exit 1; }

yaml="$work/feedback-$requests.yaml"
cat >"$yaml" <<EOF
pipeline:
  name: bench-feedback
feedback:
  request_log: $data/request-log
  model: flights
  models: $data/serving
  labels:
    input: $data/labels/*.csv
    format: csv
    key: request_id
    label: delay
    time: labelled_at
  window: {max_delay: 7d}
  metrics:
    window: 1d
EOF

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

# The plain loop's counts and tallies (the last run's) are the reference every Beamline run is checked against.
plain_out="$work/plain.out"
plain_all=""
# run_beamline <case> <run> <runner flags...>: runs the pipeline file on a fresh root; checks it against the
# plain loop; appends "wall join live" to $work/<case>.times.
run_beamline() {
  local name="$1" run="$2"
  shift 2
  local runs="$work/runs-$name-$run" log="$work/$name-$run.log" t0 t1 jdir ldir
  rm -rf "$runs"
  t0="$(now)"
  java "$heap" -jar "$jar" run "$yaml" --pipeline-root "$runs" "$@" >"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }
  t1="$(now)"
  grep -q "^ *$requests logged rows of flights" "$log" || { echo "$name run $run: the summary does not report $requests requests" >&2; grep -E 'logged rows' "$log" >&2; exit 1; }
  jdir="$(ls -d "$runs"/bench-feedback/join_feedback/*/ | head -1)"
  ldir="$(ls -d "$runs"/bench-feedback/live_metrics/*/ | head -1)"
  # The counts and, per day, scored rows and right answers (the confusion matrix's diagonal) must equal the plain loop's.
  for k in requests duplicate_requests labels joined orphan_labels late_labels superseded_labels; do
    local ours theirs
    ours="$(jq -r ".counts.$k" "$jdir/feedback.json")"
    theirs="$(sed -n "s/^$k=//p" "$plain_out")"
    [ "$ours" = "$theirs" ] || { echo "$name run $run: $k $ours, the plain loop $theirs" >&2; exit 1; }
  done
  jq -r '.series[] | select(.slice == "overall") | "window \(.version)/\(.window_start) scored=\(.scored) right=\([range(0; .confusion_counts | length) as $i | .confusion_counts[$i][$i]] | add)"' \
    "$ldir/live_metrics.json" | sort >"$work/$name-$run.windows"
  sed -n 's/^\(window [^ ]* scored=[0-9]* right=[0-9]*\).*/\1/p' "$plain_out" | sort >"$work/plain.windows"
  diff "$work/plain.windows" "$work/$name-$run.windows" >&2 || { echo "$name run $run: live metrics differ from the plain loop" >&2; exit 1; }
  local join live
  join="$(sed -n 's/^ *join_feedback: ran as execution #[0-9]* in \([0-9.]*\) s.*/\1/p' "$log")"
  live="$(sed -n 's/^ *live_metrics: ran as execution #[0-9]* in \([0-9.]*\) s.*/\1/p' "$log")"
  echo "$(elapsed "$t0" "$t1") $join $live" >>"$work/$name.times"
  echo "$name run $run: $(elapsed "$t0" "$t1") s (join_feedback $join s, live_metrics $live s), agrees with the plain loop" >&2
  rm -rf "$runs"
}

rm -f "$work"/*.times
cases="$runners"
for run in $(seq 1 "$repeat"); do
  step "run $run of $repeat"
  wait_for_quiet 60
  java "$heap" $quiet_logs -cp "$cp_bench" dev.beamline.bench.PlainFeedbackJoin \
    "$data/request-log" flights "$data/labels/labels.csv" "$data/serving/flights/1" 604800 1 >"$plain_out" 2>"$work/plain.log" ||
    { tail -n 20 "$work/plain.log" >&2; exit 1; }
  s="$(sed -n 's/^seconds=//p' "$plain_out")"
  plain_all="$plain_all $s"
  echo "plain loop run $run: $s s" >&2
  [ "$(sed -n 's/^requests=//p' "$plain_out")" = "$requests" ] || { echo "the plain loop read $(sed -n 's/^requests=//p' "$plain_out") requests" >&2; exit 1; }
  for c in $cases; do
    wait_for_quiet 60
    case "$c" in
      direct) run_beamline direct "$run" ;;
      flink) run_beamline flink "$run" --runner=flink ;;
      *) echo "unknown runner '$c' in BENCH_RUNNERS (direct, flink)" >&2; exit 2 ;;
    esac
  done
done

plain_s="$(echo "$plain_all" | median)"
rate() { awk -v n="$requests" -v s="$1" 'BEGIN {printf "%.0f", n / s}'; }
rows=""
for c in $cases; do
  wall="$(awk '{print $1}' "$work/$c.times" | median)"
  join="$(awk '{print $2}' "$work/$c.times" | median)"
  live="$(awk '{print $3}' "$work/$c.times" | median)"
  label="$([ "$c" = direct ] && echo 'beamline run, DirectRunner' || echo 'beamline run, embedded Flink (`--runner=flink`)')"
  rows="$rows
| $label | $wall | **$(rate "$wall")** | $join / $live | $(awk -v a="$wall" -v b="$plain_s" 'BEGIN {printf "%.1f", a / b}') | $(awk '{printf "%s%s", (NR > 1 ? ", " : ""), $1}' "$work/$c.times") |"
done
pv() { sed -n "s/^$1=//p" "$plain_out"; }
table="| case | wall s (median) | logged requests/s | of which join_feedback / live_metrics, s (stage times of the summary) | ÷ plain loop (time) | wall s, each run |
|---|---:|---:|---:|---:|---|
| plain loop (one thread, no Beam): read the log, hash join, accuracy per (version, day) | $plain_s | $(rate "$plain_s") | - | 1 | $(echo $plain_all | sed 's/ /, /g') |$rows"
facts="- Data: $(gen requests) logged requests (one per flight of flights-3m, in $(gen segments) segment(s) of the server's writer), 1 version, label \`stable\`, 7 days (7 daily windows); $(gen labels) labels (the flight's delay; $(gen labels_delayed) of them > 15 min) and $(gen orphan_labels) orphan labels; \`max_delay: 7d\`, \`metrics.window: 1d\`, no slices
- Logged probabilities: the served model's own, scored by \`ServingModel.score\` in batches of 1024 while the log was generated ($(gen scoring_seconds) s of scoring, $(gen generation_seconds) s in all; not part of the timings)
- Both agree (checked by the script in every run): $(pv requests) requests, $(pv joined) joined, $(pv orphan_labels) orphan labels, $(pv late_labels) late, $(pv superseded_labels) superseded; per day the same scored rows and right answers; overall accuracy $(awk -v r="$(pv right)" -v j="$(pv joined)" 'BEGIN {printf "%.4f", r / j}')"

step "results"
echo "$table"
echo "$facts"

[ "$results" = "none" ] && exit 0
block="$work/results-block.md"
{
  echo "$begin_marker"
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(commit_line "$root")."
  echo
  echo "- Command: \`BENCH_REQUESTS=$requests BENCH_RUNNERS=\"$runners\" BENCH_REPEAT=$repeat bench/feedback.sh\` (after \`bench/train.sh\`, whose ingestion and model it reads)"
  echo "- Machine: $(machine_line)"
  echo "- Java: $(java_line); \`$heap\`"
  echo "$facts"
  echo
  echo "$table"
  echo "$end_marker"
} >"$block"
write_section "$results" "$begin_marker" "$end_marker" "$block" "## Feedback loop, $requests logged requests (bench/feedback.sh)"
echo "refreshed $results" >&2
