#!/usr/bin/env bash
# Model quality on flights-3m (vega-datasets@3.2.1): label delay > 15 from the five raw features
# (distance, origin, destination, and the hour and weekday of the departure), Beamline's own 2:1 hash
# split, a wide-and-deep model whose linear part reads two hashed crosses (origin x hour, origin x
# destination). The issue's reference: scikit-learn's HistGradientBoostingClassifier reaches eval AUC
# 0.7099 on an 80/20 random split of the same five features; the target is 0.705. Refreshes its section
# of bench/RESULTS.md.
#
#   bench/quality.sh
#
# Environment (all optional):
#   BENCH_HEAP     JVM heap flag                               (default -Xmx10g)
#   BENCH_EPOCHS   epochs                                      (default 10)
#   BENCH_RESULTS  the Markdown file to refresh ("none": don't) (default bench/RESULTS.md)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
heap="${BENCH_HEAP:--Xmx10g}"
epochs="${BENCH_EPOCHS:-10}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
work="$here/work/quality"
begin_marker="<!-- quality-bench:begin -->"
end_marker="<!-- quality-bench:end -->"

. "$here/lib.sh"

parquet="$here/data/vega-datasets-3.2.1/data/flights-3m.parquet"
[ -f "$parquet" ] || "$here/fetch-data.sh"
rm -rf "$work"
mkdir -p "$work"
(cd "$root" && { mvn -q -B -o package -DskipTests || mvn -q -B package -DskipTests; }) >&2
jar="$root/runner/target/beamline.jar"

cat >"$work/pipeline.yaml" <<YAML
pipeline:
  name: flights-quality
ingest:
  input: $parquet
  format: parquet
  splits: {train: 2, eval: 1}
transform:
  features:
    delayed: {input: delay, binarize: 15}
    distance: {scale: z_score}
    origin: {vocabulary: {top_k: 200, oov_buckets: 1}}
    destination: {vocabulary: {top_k: 200, oov_buckets: 1}}
    hour: {input: date, time_part: hour_of_day}
    weekday: {input: date, time_part: day_of_week}
    origin_x_hour: {cross: [origin, hour], hash_buckets: 5000}
    origin_x_destination: {cross: [origin, destination], hash_buckets: 20000}
train:
  label: delayed
  model: wide_deep
  hidden_units: [64, 32]
  epochs: $epochs
  batch_size: 256
  learning_rate: 0.003
  seed: 7
YAML

step "beamline run (ingest, transform, $epochs epochs of wide-and-deep training)"
wait_for_quiet 30
start="$(date +%s.%N)"
java "$heap" -jar "$jar" run "$work/pipeline.yaml" --pipeline-root "$work/runs" >"$work/run.log" 2>&1 || { cat "$work/run.log" >&2; exit 1; }
end="$(date +%s.%N)"
grep -E '^epoch|epoch\(s\)' "$work/run.log" >&2
summary="$(grep -E 'epoch\(s\), best epoch' "$work/run.log" | sed 's/^ *//')"
auc="$(sed -n 's/.*AUC \([0-9.]*\).*/\1/p' <<<"$summary")"
met="$(awk -v a="$auc" 'BEGIN {print (a >= 0.705 ? "met" : "missed")}')"
wall="$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.0f", e - s}')"

block="$(cat <<MD
Run on $(date -u '+%Y-%m-%d %H:%M') UTC, $(commit_line "$root").

- Command: \`bench/quality.sh\` (BENCH_EPOCHS=$epochs); $wall s for ingest, transform and training
- Machine: $(machine_line)
- Java: $(java_line); \`$heap\`; TensorFlow Java 1.1.0 (CPU)
- Data: \`flights-3m.parquet\`, Beamline's 2:1 hash split (train 2,001,654 rows); label delay > 15; distance, origin, destination, hour and weekday of the departure, and the crosses origin × hour (5,000 buckets) and origin × destination (20,000)
- Model: \`wide_deep\`, DNN [64, 32] over all but the crosses, the linear part over the crosses and the categorical features; Adam, learning rate 0.003, batch 256, seed 7 (chosen by hand: not tuned)

\`\`\`
$(grep -E '^epoch' "$work/run.log")
\`\`\`

- Result: $summary
- Eval AUC **$auc** (target ≥ 0.705: $met; scikit-learn's HistGradientBoosting: 0.7099 on an 80/20 random split, as the issue reports it; not rerun on Beamline's split here)
MD
)"
echo "$block"
if [ "$results" != none ]; then
  { echo "$begin_marker"; echo "$block"; echo "$end_marker"; } >"$work/section.md"
  write_section "$results" "$begin_marker" "$end_marker" "$work/section.md" "# Model quality on flights (bench/quality.sh)

Eval AUC of a wide-and-deep model with feature crosses on flights-3m, Beamline's own split, against the issue's target."
fi
