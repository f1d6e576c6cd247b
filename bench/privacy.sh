#!/usr/bin/env bash
# Differential-privacy benchmark (DP-SGD, train.privacy). In one run it measures
#   - penguins (examples/privacy/pipeline.yaml's data, transform and DNN [16, 8], Adam 0.02, batch 32,
#     30 epochs): eval accuracy without differential privacy and with DP-SGD at each target epsilon
#     (delta 1e-5, clip 1), several runs of each (DP-SGD's noise comes from SecureRandom: runs differ),
#     mean, standard deviation, minimum and maximum, with the noise multiplier the accountant found;
#   - the flights DNN of bench/train.sh (flights-3m, the same ingest, transform and model): training
#     examples/s and eval AUC without and with DP-SGD (a given noise multiplier, clip 1, delta 1e-7),
#     for each batch size, in the same JVM; the ratio DP-SGD / non-private (target >= 1/3); then the cost
#     of Poisson sampling and of non-private and DP-SGD steps on the same batches in memory, apart,
# then prints the tables and refreshes its section of bench/RESULTS.md (between the privacy-bench markers).
#
#   bench/privacy.sh
#
# Environment (all optional):
#   BENCH_HEAP      JVM heap flag                                             (default -Xmx8g)
#   BENCH_RUNS      penguins runs of each case (run i: seed 42 + i)           (default 10)
#   BENCH_EPSILONS  penguins target epsilons, comma-separated                 (default 0.5,1,2,4,8)
#   BENCH_EPOCHS    flights epochs; examples/s is the median of epochs 2..    (default 3)
#   BENCH_BATCHES   flights batch sizes, comma-separated                      (default 256,1024)
#   BENCH_NOISE     flights DP-SGD noise multiplier                           (default 1.0)
#   BENCH_DELTA     flights DP-SGD delta (N is about 2,000,000)               (default 1e-7)
#   BENCH_CLIP      flights DP-SGD l2_norm_clip                               (default 1.0)
#   BENCH_JAR_DIR   a folder holding an already built beamline.jar and lib/: use it, skip the Maven
#                   build (e.g. a copy of runner/target while others build)   (default: build)
#   BENCH_RESULTS   the Markdown file to refresh ("none": don't)              (default bench/RESULTS.md)
#
# Not part of the test suite: nothing under bench/ is a module of the parent pom.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
heap="${BENCH_HEAP:--Xmx8g}"
runs="${BENCH_RUNS:-10}"
epsilons="${BENCH_EPSILONS:-0.5,1,2,4,8}"
epochs="${BENCH_EPOCHS:-3}"
batches="${BENCH_BATCHES:-256,1024}"
noise="${BENCH_NOISE:-1.0}"
delta="${BENCH_DELTA:-1e-7}"
clip="${BENCH_CLIP:-1.0}"
jar_dir="${BENCH_JAR_DIR:-}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
work="$here/work/privacy"
classes="$work/classes"
begin_marker="<!-- privacy-bench:begin -->"
end_marker="<!-- privacy-bench:end -->"

. "$here/lib.sh"

step "data"
data="$("$here/fetch-data.sh")"
parquet="$data/data/flights-3m.parquet"
penguins_csv="$root/examples/penguins/data/penguins.csv"

rm -rf "$work"
mkdir -p "$work"
if [ -z "$jar_dir" ]; then
  build_bench "$root" "$classes"
  jar_dir="$root/runner/target"
else
  jar_dir="$(cd "$jar_dir" && pwd)"
  step "javac bench/src against $jar_dir (BENCH_JAR_DIR: no Maven build)"
  mkdir -p "$classes"
  find "$root/bench/src" -name '*.java' -print0 |
    xargs -0 javac --release 17 -nowarn -d "$classes" -cp "$jar_dir/beamline.jar:$jar_dir/lib/*"
fi
jar="$jar_dir/beamline.jar"
cp_bench="$classes:$jar:$jar_dir/lib/*"

step "penguins: ingest and transform (beamline run, as examples/privacy/pipeline.yaml)"
cat >"$work/penguins.yaml" <<EOF
pipeline:
  name: bench-privacy-penguins
$(penguins_sections "$penguins_csv")
EOF
java -Xmx2g -jar "$jar" run "$work/penguins.yaml" --pipeline-root "$work/runs" >"$work/penguins.log" 2>&1 || { cat "$work/penguins.log" >&2; exit 1; }
grep -E 'transformed examples' "$work/penguins.log" >&2 || true
penguins_dir="$(find "$work/runs/bench-privacy-penguins/transform" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | sort | tail -1)"

step "flights: ingest (beamline run: train:eval = 2:1, as bench/train.sh)"
cat >"$work/flights.yaml" <<EOF
pipeline:
  name: bench-privacy-flights
ingest:
  input: $parquet
  format: parquet
  splits: {train: 2, eval: 1}
  max_rejected_fraction: 0
EOF
java "$heap" -jar "$jar" run "$work/flights.yaml" --pipeline-root "$work/runs" >"$work/flights.log" 2>&1 || { cat "$work/flights.log" >&2; exit 1; }
grep -E '^ *([0-9]+ rows|splits:)' "$work/flights.log" >&2
flights_dir="$(find "$work/runs/bench-privacy-flights/ingest" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | sort | tail -1)"

step "PrivacyBench: penguins ($runs runs of each case), then flights ($epochs epochs per case, batches $batches; progress below)"
wait_for_quiet 30
busy0="$(machine_busy)"
start="$(date +%s.%N)"
out="$work/privacy.out"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f 'cpu_s=%U %S' -o "$work/time.txt" \
    java "$heap" -cp "$cp_bench" dev.beamline.bench.PrivacyBench \
    "$penguins_dir" "$flights_dir" "$work/bench" "$runs" "$epsilons" "$epochs" "$batches" "$noise" "$delta" "$clip" >"$out"
else
  java "$heap" -cp "$cp_bench" dev.beamline.bench.PrivacyBench \
    "$penguins_dir" "$flights_dir" "$work/bench" "$runs" "$epsilons" "$epochs" "$batches" "$noise" "$delta" "$clip" >"$out"
fi
end="$(date +%s.%N)"
busy1="$(machine_busy)"
others="n/a"
if [ -f "$work/time.txt" ]; then
  others="$(sed -n 's/.*cpu_s=//p' "$work/time.txt" | awk -v b0="$busy0" -v b1="$busy1" '{o = b1 - b0 - $1 - $2; printf "%.0f", o < 0 ? 0 : o}')"
fi
wall="$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.0f", e - s}')"

val() { sed -n "s/^$1=//p" "$out" | head -1; }

# Penguins: one row per case.
penguins_rows=""
for c in $(val penguins_cases | tr ',' ' '); do
  k="penguins_${c}_"
  if [ -n "$(val "${k}failed")" ]; then
    penguins_rows+="| DP-SGD, target ε = $c | - | - | - | not reached: $(val "${k}failed") | | | | |"$'\n'
    continue
  fi
  if [ "$c" = none ]; then
    name="non-private"
    eps="∞"
  else
    name="DP-SGD, target ε = $c"
    eps="$(val "${k}epsilon")"
  fi
  penguins_rows+="| $name | $(val "${k}noise_multiplier") | $eps | $(val "${k}steps") | **$(val "${k}accuracy_mean")** | $(val "${k}accuracy_sd") | $(val "${k}accuracy_min") | $(val "${k}accuracy_max") | $(val "${k}accuracy_runs") |"$'\n'
done
penguins_table="| case (δ = 1e-5, clip 1) | noise multiplier σ | ε reached | steps | eval accuracy: mean | sd | min | max | runs (seed 42, 43, ...) |
|---|---:|---:|---:|---:|---:|---:|---:|---|
${penguins_rows%$'\n'}"

# Flights: two rows per batch size, then the ratio.
flights_rows=""
ratio_lines=""
ceiling_rows=""
norm_lines=""
epoch_rows=""
for b in $(echo "$batches" | tr ',' ' '); do
  for kind in plain dp; do
    k="flights_${b}_${kind}_"
    if [ "$kind" = plain ]; then
      name="non-private"
      eps="∞"
    else
      name="DP-SGD (σ = $noise, clip $clip, δ = $delta)"
      eps="$(val "${k}epsilon")"
    fi
    flights_rows+="| $b | $name | **$(val "${k}examples_per_second")** | $(val "${k}first_epoch_examples_per_second") | **$(val "${k}eval_auc")** | $(val "${k}eval_accuracy") / $(val "${k}eval_loss") | $eps | $(val "${k}steps") | $(val "${k}train_seconds") + $(val "${k}setup_seconds") | $(val "${k}others_cpu_seconds") |"$'\n'
    epoch_rows+="$(grep "^${k}epoch_" "$out" | sed "s/^${k}epoch_\([0-9]*\)=examples=\([0-9]*\) examples_per_second=\([0-9]*\) train_loss=\([0-9.]*\) eval_loss=\([0-9.]*\) eval_auc=\([0-9.]*\)/| $b | $name | \1 | \2 | \3 | \4 | \5 | \6 |/")"$'\n'
  done
  r="$(val "flights_${b}_ratio")"
  met="$(awk -v r="$r" 'BEGIN {print (r + 0 >= 1 / 3 ? "met" : "MISSED")}')"
  ratio_lines+="- Batch $b: DP-SGD ÷ non-private examples/s = $(val "flights_${b}_dp_examples_per_second") ÷ $(val "flights_${b}_plain_examples_per_second") = **$r** (target ≥ 0.333: $met); eval AUC $(val "flights_${b}_dp_eval_auc") against $(val "flights_${b}_plain_eval_auc")"$'\n'
  k="flights_${b}_ceiling_"
  ceiling_rows+="| $b | $(val "${k}examples") ($(val "${k}batches") batches) | $(val "${k}sample_examples_per_second") | $(val "${k}fixed_examples_per_second") | $(val "${k}plain_examples_per_second") ($(val "${k}plain_rounds")) | $(val "${k}dp_examples_per_second") ($(val "${k}dp_rounds")) | $(val "${k}dp_ratio") ($(val "${k}dp_ratio_rounds")) | $(val "${k}sample_share") | $(val "${k}load_seconds") | $(val "${k}others_cpu_seconds") |"$'\n'
  norm_lines+="- Batch $b: per-example gradient norms at the initial weights (the DP-SGD graph's, $(val "${k}norm_examples") examples of the first batches): median $(val "${k}norm_median"), 90th percentile $(val "${k}norm_p90"); share above the clip $clip (scaled down): $(val "${k}clipped_share")"$'\n'
done
flights_table="| batch | training | examples/s (median of epochs 2..$epochs) | examples/s, epoch 1 | eval AUC | eval accuracy / loss | ε | steps | s: training + setup | CPU s of other processes |
|---:|---|---:|---:|---:|---|---:|---:|---|---:|
${flights_rows%$'\n'}"
ceiling_table="| batch | examples drawn | Poisson sampling alone: examples/s | \`session.run\`, non-private graph, fixed-size batches: examples/s | \`session.run\`, non-private graph, the Poisson batches: examples/s (rounds) | \`session.run\`, DP-SGD graph, the Poisson batches: examples/s (rounds) | DP-SGD ÷ non-private steps: median of the rounds' ratios (rounds) | sampling's share of a DP-SGD epoch | s to load the split into memory | CPU s of other processes |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${ceiling_rows%$'\n'}"
epochs_table="| batch | training | epoch | examples | examples/s | train loss | eval loss | eval AUC |
|---:|---|---:|---:|---:|---:|---:|---:|
${epoch_rows%$'\n'}"

step "results"
echo "$penguins_table"
echo
echo "$flights_table"
echo
echo "${ratio_lines%$'\n'}"
echo
echo "$ceiling_table"
echo
echo "${norm_lines%$'\n'}"

[ "$results" = "none" ] && exit 0
block="$work/results-block.md"
settings=""
for v in BENCH_HEAP BENCH_RUNS BENCH_EPSILONS BENCH_EPOCHS BENCH_BATCHES BENCH_NOISE BENCH_DELTA BENCH_CLIP; do
  [ -n "${!v:-}" ] && settings+="$v=${!v} "
done
{
  echo "$begin_marker"
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(commit_line "$root")."
  echo
  echo "- Command: \`${settings}bench/privacy.sh\` (from the repository root)${BENCH_JAR_DIR:+, with \`BENCH_JAR_DIR\` set to a copy of \`runner/target\` built from that checkout}"
  echo "- Machine: $(machine_line)"
  echo "- Java: $(java_line); \`$heap\`; TensorFlow Java 1.1.0 (CPU)"
  echo "- Whole PrivacyBench process: $wall s; CPU s taken by other processes meanwhile: $others"
  echo "- Penguins: \`examples/penguins/data/penguins.csv\`, $(val penguins_rows_train) train and $(val penguins_rows_eval) eval rows (\`beamline run\`, 2:1 by hash); DNN [16, 8], Adam 0.02, batch 32 (DP-SGD: expected batch of Poisson sampling), 30 epochs; $runs runs of each case, run i with seed 42 + i"
  echo "- Flights: \`flights-3m.parquet\`, $(val flights_rows_train) train and $(val flights_rows_eval) eval rows; bench/train.sh's transform and DNN [64, 32], embeddings of 8, Adam 0.001, seed 42, $epochs epochs per case"
  echo
  echo "Penguins, eval accuracy:"
  echo
  echo "$penguins_table"
  echo
  echo "Flights DNN, training examples/s and eval AUC:"
  echo
  echo "$flights_table"
  echo
  echo "${ratio_lines%$'\n'}"
  echo
  echo "Flights, where a DP-SGD epoch's time goes (\`DpSgdCeiling\`: batches drawn by Poisson sampling, then the same batches stepped through by each graph, in memory):"
  echo
  echo "$ceiling_table"
  echo
  echo "${norm_lines%$'\n'}"
  echo
  echo "<details><summary>Flights, epoch by epoch</summary>"
  echo
  echo "$epochs_table"
  echo
  echo "</details>"
  echo "$end_marker"
} >"$block"
write_section "$results" "$begin_marker" "$end_marker" "$block" "# Differential privacy (bench/privacy.sh)"
echo "wrote $results" >&2
