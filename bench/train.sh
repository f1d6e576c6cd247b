#!/usr/bin/env bash
# Transform and training benchmark on flights-3m (3,000,000 rows, vega-datasets@3.2.1): the label
# "delay > 15 minutes", features distance (log, z-score), origin and destination (vocabularies, embedded),
# hour and weekday (from the timestamp). In one run it measures
#   - the transform stage (AnalyzeAndTransform in a Beam pipeline) against a plain single-threaded loop
#     doing the same fitting, transforming and Parquet writing (rows/s, ratio),
#   - DNN training from the Parquet shards against session.run on batches already in memory, the
#     ceiling (examples/s, ratio; target >= 0.7),
#   - the eval AUC, from the trainer and from the exported SavedModel fed the raw eval rows,
# then prints a table and refreshes its section of bench/RESULTS.md (between the train-bench markers).
#
#   bench/train.sh
#
# Environment (all optional):
#   BENCH_HEAP     JVM heap flag                                   (default -Xmx8g)
#   BENCH_REPEAT   runs of each transform case, interleaved; medians (default 3)
#   BENCH_EPOCHS   training epochs; examples/s is the median of epochs 2.. (default 5)
#   BENCH_BATCH    training batch size                             (default 256)
#   BENCH_RESULTS  the Markdown file to refresh ("none": don't)    (default bench/RESULTS.md)
#
# Not part of the test suite: nothing under bench/ is a module of the parent pom.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
heap="${BENCH_HEAP:--Xmx8g}"
repeat="${BENCH_REPEAT:-3}"
epochs="${BENCH_EPOCHS:-5}"
batch="${BENCH_BATCH:-256}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
work="$here/work/train"
classes="$work/classes"
quiet_logs="-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
begin_marker="<!-- train-bench:begin -->"
end_marker="<!-- train-bench:end -->"

. "$here/lib.sh"

step "data"
data="$("$here/fetch-data.sh")"
parquet="$data/data/flights-3m.parquet"

rm -rf "$work"
build_bench "$root" "$classes"
jar="$root/runner/target/beamline.jar"

step "ingest (beamline run: train:eval = 2:1)"
cat >"$work/ingest.yaml" <<EOF
pipeline:
  name: bench-flights-train
ingest:
  input: $parquet
  format: parquet
  splits: {train: 2, eval: 1}
  max_rejected_fraction: 0
EOF
java "$heap" -jar "$jar" run "$work/ingest.yaml" --pipeline-root "$work/runs" >"$work/ingest.log" 2>&1 || { cat "$work/ingest.log" >&2; exit 1; }
grep -E '^ *([0-9]+ rows|splits:)' "$work/ingest.log" >&2
ingest_dir="$work/runs/bench-flights-train/ingest/1"

step "TrainBench: $repeat transform runs of each case, then $epochs epochs of training (progress below)"
busy0="$(machine_busy)"
start="$(date +%s.%N)"
out="$work/train.out"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f 'cpu_s=%U %S' -o "$work/time.txt" \
    java "$heap" $quiet_logs -cp "$classes:$jar:$root/runner/target/lib/*" dev.beamline.bench.TrainBench \
    "$ingest_dir" "$work/bench" "$repeat" "$epochs" "$batch" >"$out"
else
  java "$heap" $quiet_logs -cp "$classes:$jar:$root/runner/target/lib/*" dev.beamline.bench.TrainBench \
    "$ingest_dir" "$work/bench" "$repeat" "$epochs" "$batch" >"$out"
fi
end="$(date +%s.%N)"
busy1="$(machine_busy)"
others="n/a"
if [ -f "$work/time.txt" ]; then
  others="$(sed -n 's/.*cpu_s=//p' "$work/time.txt" | awk -v b0="$busy0" -v b1="$busy1" '{o = b1 - b0 - $1 - $2; printf "%.0f", o < 0 ? 0 : o}')"
fi
wall="$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.0f", e - s}')"

val() { sed -n "s/^$1=//p" "$out"; }
epoch_rows="$(grep '^train_epoch_' "$out" | sed 's/^train_epoch_\([0-9]*\)=examples=\([0-9]*\) examples_per_second=\([0-9]*\) train_loss=\([0-9.]*\) eval_loss=\([0-9.]*\) eval_auc=\([0-9.]*\)/| \1 | \2 | \3 | \4 | \5 | \6 |/')"
table="| measure | value |
|---|---:|
| rows transformed (train + eval) | $(val transform_rows) |
| transform, Beam (\`AnalyzeAndTransform\`, DirectRunner): median s (runs) | $(val transform_beam_seconds) ($(val transform_beam_runs)) |
| transform, Beam: rows/s | **$(val transform_beam_rows_per_second)** |
| transform, plain loop (one thread): median s (runs) | $(val transform_loop_seconds) ($(val transform_loop_runs)) |
| transform, plain loop: rows/s | $(val transform_loop_rows_per_second) |
| transform: Beam ÷ plain loop (throughput) | $(val transform_ratio) |
| training examples per epoch | $(val train_examples_per_epoch) |
| training from Parquet: examples/s (median of epochs 2..$(val train_epochs)) | **$(val train_examples_per_second)** |
| training from Parquet: examples/s of epoch 1 (cold) | $(val train_first_epoch_examples_per_second) |
| ceiling: \`session.run\` on $(val ceiling_examples) examples in memory: examples/s | $(val ceiling_examples_per_second) |
| **training ÷ ceiling** (target ≥ 0.7) | **$(val train_ratio)** |
| eval AUC (trainer, epoch $(val best_epoch) kept) | **$(val eval_auc)** |
| eval AUC of the exported SavedModel on $(val served_rows) raw eval rows | $(val served_auc) |
| eval accuracy / eval loss | $(val eval_accuracy) / $(val eval_loss) |
| share of delayed flights in eval (the accuracy of always saying \"on time\" is 1 minus this) | $(val positive_share) |

| epoch | examples | examples/s | train loss | eval loss | eval AUC |
|---:|---:|---:|---:|---:|---:|
$epoch_rows"

step "results"
echo "$table"
ratio="$(val train_ratio)"
awk -v r="$ratio" 'BEGIN {exit !(r + 0 >= 0.7)}' && echo "training ÷ ceiling $ratio: target 0.7 met" >&2 ||
  echo "training ÷ ceiling $ratio: BELOW the 0.7 target" >&2

[ "$results" = "none" ] && exit 0
block="$work/results-block.md"
{
  echo "$begin_marker"
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(commit_line "$root")."
  echo
  echo "- Command: \`bench/train.sh\` (from the repository root)"
  echo "- Machine: $(machine_line)"
  echo "- Java: $(java_line); \`$heap\`; TensorFlow Java 1.1.0 (CPU)"
  echo "- Data: \`flights-3m.parquet\` from npm \`vega-datasets@3.2.1\`, ingested by \`beamline run\` (train:eval = 2:1 by hash)"
  echo "- Model: DNN [64, 32], ReLU, embeddings of 8 for origin, destination, hour and weekday, Adam 0.001,"
  echo "  batch $batch, $epochs epochs, shuffle buffer 10000, seed 42"
  echo "- Whole TrainBench process: $wall s; CPU s taken by other processes meanwhile: $others"
  echo
  echo "$table"
  echo "$end_marker"
} >"$block"
write_section "$results" "$begin_marker" "$end_marker" "$block" "# Transform and training benchmark"
echo "wrote $results" >&2
