#!/usr/bin/env bash
# Evaluation benchmark on flights-3m (vega-datasets@3.2.1): the evaluate stage's transforms (Evaluate +
# WriteEvaluation, DirectRunner, the machine's cores) on ~600 k eval rows (3 of the 5 eval shards of
# bench/train.sh's ingestion) with two slice keys, origin and the hour of the departure, against bare
# batch prediction of the same rows with the same SavedModel in a plain loop (one thread), in the same
# run; then scikit-learn 1.2 recomputes the overall metrics from the predictions file the evaluation
# wrote, which must equal the reported ones to 1e-6. Refreshes its section of bench/RESULTS.md.
#
#   bench/train.sh      # once: the ingestion, the fitted transform and the model this one reads
#   bench/evaluate.sh
#
# Environment (all optional):
#   BENCH_HEAP     JVM heap flag                         (default -Xmx8g)
#   BENCH_REPEAT   runs of each case, interleaved; medians (default 3)
#   BENCH_SHARDS   eval shards taken (of 5, ~200 k rows each) (default 3)
#   BENCH_RESULTS  the Markdown file to refresh ("none": don't) (default bench/RESULTS.md)
#   BENCH_PYTHON   a python3 with scikit-learn                  (default: python3, then /usr/bin/python3)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
heap="${BENCH_HEAP:--Xmx8g}"
repeat="${BENCH_REPEAT:-3}"
shards="${BENCH_SHARDS:-3}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
train="$here/work/train"
work="$here/work/evaluate"
classes="$work/classes"
begin_marker="<!-- evaluate-bench:begin -->"
end_marker="<!-- evaluate-bench:end -->"

. "$here/lib.sh"

ingest_dir="$train/runs/bench-flights-train/ingest/1"
transform_dir="$train/bench/transform-3"
model_dir="$train/bench/model"
for d in "$ingest_dir" "$transform_dir" "$model_dir"; do
  [ -d "$d" ] || { echo "missing $d: run bench/train.sh first" >&2; exit 2; }
done

rm -rf "$work"
mkdir -p "$work"
build_bench "$root" "$classes"
jar="$root/runner/target/beamline.jar"

step "EvaluateBench: $repeat runs of each case on $shards eval shard(s)"
wait_for_quiet 60
out="$work/evaluate.out"
java "$heap" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$classes:$jar:$root/runner/target/lib/*" \
  dev.beamline.bench.EvaluateBench "$ingest_dir" "$transform_dir" "$model_dir" "$work" "$shards" "$repeat" >"$out"
val() { sed -n "s/^$1=//p" "$out"; }

step "scikit-learn on the predictions file"
py=""
for candidate in "${BENCH_PYTHON:-}" python3 /usr/bin/python3; do
  [ -n "$candidate" ] && "$candidate" -c 'import sklearn' 2>/dev/null && { py="$candidate"; break; }
done
[ -n "$py" ] || { echo "no python3 with scikit-learn (Debian: python3-sklearn); set BENCH_PYTHON" >&2; exit 2; }
"$py" - "$work/predictions.csv" "$work/overall.json" >"$work/sklearn.out" <<'PY'
import json, sys
import numpy as np
from sklearn import metrics
d = np.loadtxt(sys.argv[1], delimiter=',')
y, p = d[:, 0].astype(int), d[:, 1:]
pred = p.argmax(axis=1)
ours = json.load(open(sys.argv[2]))
theirs = {
    'accuracy': metrics.accuracy_score(y, pred),
    'roc_auc': metrics.roc_auc_score(y, p[:, 1]),
    'pr_auc': metrics.average_precision_score(y, p[:, 1]),
    'log_loss': metrics.log_loss(y, p, labels=[0, 1]),
    'brier_score': metrics.brier_score_loss(y, p[:, 1]),
    'f1_macro': metrics.f1_score(y, pred, average='macro', labels=[0, 1], zero_division=0),
    'precision/1': metrics.precision_score(y, pred, zero_division=0),
    'recall/1': metrics.recall_score(y, pred, zero_division=0),
}
worst = max(abs(ours[k] - v) for k, v in theirs.items())
for k, v in theirs.items():
    print(f"sklearn_{k}={v:.12f}")
print(f"rows={len(y)}")
print(f"max_abs_difference={worst:.3e}")
PY
sk() { sed -n "s/^$1=//p" "$work/sklearn.out"; }
diff="$(sk max_abs_difference)"

table="| measure | value |
|---|---:|
| eval rows (first $(val shards) of 5 eval shards) | $(val rows) |
| slices (overall, by origin, by hour of departure) / reported too small (< 10 rows) | $(val slices) / $(val slices_too_small) |
| bare prediction, plain loop (one thread): median s (runs) | $(val bare_seconds) ($(val runs)) |
| bare prediction: rows/s | $(val bare_rows_per_second) |
| evaluation (\`Evaluate\` + \`WriteEvaluation\`, DirectRunner): median s | $(val evaluation_seconds) |
| of which: scoring, slicing and merged tallies, nothing written (same pipeline without \`WriteEvaluation\`): median s | $(val scoring_only_seconds) |
| evaluation: rows/s | **$(val evaluation_rows_per_second)** |
| **evaluation ÷ bare prediction (time; target ≤ 2)** | **$(val ratio)** |
| runs, s (bare / evaluation) | $(val bare_all) / $(val evaluation_all) |
| rows scored / unscored / unlabelled | $(val scored) / $(val unscored) / $(val unlabelled) |
| overall accuracy / ROC AUC / PR AUC / log loss (reported) | $(val metric_accuracy) / $(val metric_roc_auc) / $(val metric_pr_auc) / $(val metric_log_loss) |
| largest difference from scikit-learn $("$py" -c 'import sklearn; print(sklearn.__version__)') on the predictions file (8 metrics; bound 1e-6) | **$diff** |"

step "results"
echo "$table"
awk -v r="$(val ratio)" 'BEGIN {exit !(r + 0 <= 2)}' && echo "evaluation ÷ bare $(val ratio): target 2 met" >&2 ||
  echo "evaluation ÷ bare $(val ratio): ABOVE the target 2" >&2
awk -v d="$diff" 'BEGIN {exit !(d + 0 <= 1e-6)}' || { echo "metrics differ from scikit-learn by $diff" >&2; exit 1; }

[ "$results" = "none" ] && exit 0
block="$work/results-block.md"
{
  echo "$begin_marker"
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(commit_line "$root")."
  echo
  echo "- Command: \`bench/evaluate.sh\` (after \`bench/train.sh\`, whose ingestion, fitted transform and model it reads)"
  echo "- Machine: $(machine_line)"
  echo "- Java: $(java_line); \`$heap\`; TensorFlow Java 1.1.0 (CPU)"
  echo "- Model: bench/train.sh's DNN [64, 32] on distance, origin, destination, hour and weekday (label: delay > 15 min), with"
  echo "  the two files a current export adds beside it (the label's raw column and its fitted transform), copied in by the benchmark"
  echo
  echo "$table"
  echo "$end_marker"
} >"$block"
write_section "$results" "$begin_marker" "$end_marker" "$block" "# Evaluation benchmark"
echo "refreshed $results" >&2
