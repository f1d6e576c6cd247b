#!/usr/bin/env bash
# Model quality on flights-3m (vega-datasets@3.2.1): label delay > 15 from the five raw features
# (distance, origin, destination, and the hour and weekday of the departure), Beamline's own 2:1 hash
# split, a wide-and-deep model whose linear part reads five hashed crosses (origin x hour, destination x
# hour, hour x weekday, origin x destination, and origin x destination x hour), its hyperparameters found by the tune stage (Hyperband over the learning rate, the
# hidden units, the embedding size and the batch size; objective eval AUC), the final model trained with
# the best of them. The reference, measured in the same run: scikit-learn's HistGradientBoostingClassifier
# on the same five features, on Beamline's split (exported from the ingested Parquet by SplitCsv) and on
# an 80/20 random split, as the issue quotes it (0.7099). The target is eval AUC >= 0.705. Refreshes its
# section of bench/RESULTS.md.
#
#   bench/quality.sh
#
# Environment (all optional):
#   BENCH_HEAP     JVM heap flag                               (default -Xmx10g)
#   BENCH_EPOCHS   epochs of the final model                   (default 10)
#   BENCH_TUNE     1: tune first; 0: train the hand-set values  (default 1)
#   BENCH_PYTHON   a python3 with scikit-learn                  (default: python3, then /usr/bin/python3)
#   BENCH_RESULTS  the Markdown file to refresh ("none": don't) (default bench/RESULTS.md)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
heap="${BENCH_HEAP:--Xmx10g}"
epochs="${BENCH_EPOCHS:-10}"
tune="${BENCH_TUNE:-1}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
work="$here/work/quality"
begin_marker="<!-- quality-bench:begin -->"
end_marker="<!-- quality-bench:end -->"

. "$here/lib.sh"

py=""
for candidate in "${BENCH_PYTHON:-}" python3 /usr/bin/python3; do
  [ -n "$candidate" ] && "$candidate" -c 'import sklearn' 2>/dev/null && { py="$candidate"; break; }
done
[ -n "$py" ] || { echo "no python3 with scikit-learn (Debian: python3-sklearn); set BENCH_PYTHON" >&2; exit 2; }

parquet="$here/data/vega-datasets-3.2.1/data/flights-3m.parquet"
[ -f "$parquet" ] || "$here/fetch-data.sh"
rm -rf "$work"
mkdir -p "$work"
build_bench "$root" "$work/classes"
jar="$root/runner/target/beamline.jar"

tune_section=""
if [ "$tune" = 1 ]; then
  tune_section="$(cat <<YAML
tune:
  algorithm: hyperband
  hyperband: {max_epochs: 4, eta: 2}
  max_parallel_trials: 2
  seed: 5
  objective: {metric: eval_auc}
  search_space:
    learning_rate: {float: [0.001, 0.01], log: true}
    hidden_units: {choice: [[64, 32], [128, 64], [256, 128, 64]]}
    embedding_dim: {choice: [0, 8, 16]}
    batch_size: {choice: [256, 512, 1024]}
YAML
)"
fi

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
    destination_x_hour: {cross: [destination, hour], hash_buckets: 5000}
    hour_x_weekday: {cross: [hour, weekday], hash_buckets: 168}
    origin_x_destination: {cross: [origin, destination], hash_buckets: 20000}
    route_x_hour: {cross: [origin, destination, hour], hash_buckets: 100000}
train:
  label: delayed
  model: wide_deep
  hidden_units: [64, 32]
  epochs: $epochs
  batch_size: 256
  learning_rate: 0.003
  seed: 7
$tune_section
YAML

step "beamline run (ingest, transform, $([ "$tune" = 1 ] && echo "tune, ")$epochs epochs of wide-and-deep training)"
wait_for_quiet 30
start="$(date +%s.%N)"
java "$heap" -jar "$jar" run "$work/pipeline.yaml" --pipeline-root "$work/runs" >"$work/run.log" 2>&1 || { tail -40 "$work/run.log" >&2; exit 1; }
end="$(date +%s.%N)"
grep -E '^epoch|epoch\(s\)|trial' "$work/run.log" >&2 || true
summary="$(grep -E 'epoch\(s\), best epoch' "$work/run.log" | tail -1 | sed 's/^ *//')"
auc="$(sed -n 's/.*AUC \([0-9.]*\).*/\1/p' <<<"$summary")"
met="$(awk -v a="$auc" 'BEGIN {print (a >= 0.705 ? "met" : "missed")}')"
wall="$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.0f", e - s}')"
model_dir="$(find "$work/runs/flights-quality/train" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | sort | tail -1)"

tuned=""
if [ "$tune" = 1 ]; then
  step "the model's lineage: which hyperparameters, which trials, which data"
  java -jar "$jar" lineage "$model_dir" --pipeline-root "$work/runs" >"$work/lineage.txt" 2>&1 || { cat "$work/lineage.txt" >&2; exit 1; }
  cat "$work/lineage.txt" >&2
  hp="$(find "$work/runs/flights-quality/tune" -name hyperparameters.json | sort | tail -1)"
  trials_json="$(dirname "$hp")/trials.json"
  tuned="$("$py" - "$hp" "$trials_json" <<'PY'
import json, sys
hp = json.load(open(sys.argv[1]))
trials = json.load(open(sys.argv[2]))
trials = trials.get("trials", trials) if isinstance(trials, dict) else trials
ok = sum(1 for t in trials if t.get("state") == "COMPLETE" or t.get("state") == "SUCCEEDED")
epochs = sum(t.get("epochs", 0) or 0 for t in trials)
best = next(t for t in trials if t["id"] == hp["trial"])
print(f"{len(trials)} trials ({ok} succeeded, {epochs} trial epochs); best trial {hp['trial']} "
      f"(eval AUC {hp['metric']:.4f} after {best['epochs']} epochs): " + json.dumps(hp["values"], sort_keys=True))
PY
)"
fi

step "scikit-learn HistGradientBoostingClassifier on Beamline's split and on an 80/20 random split"
ingest_dir="$(find "$work/runs/flights-quality/ingest" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | sort | tail -1)"
for split in train eval; do
  java "$heap" -cp "$work/classes:$jar:$root/runner/target/lib/*" dev.beamline.bench.SplitCsv \
    "$ingest_dir" "$split" "$work/$split.csv" date,delay,distance,origin,destination
done
"$py" - "$work/train.csv" "$work/eval.csv" >"$work/sklearn.out" <<'PY'
# The five raw features as Beamline's transform sees them: hour and weekday (0 = Monday) of the UTC
# departure, distance, and origin and destination as categories (the 254 most frequent airports of the
# training rows, the others one category), label delay > 15.
import sys, time
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

def load(path):
    cols = [[], [], [], [], []]
    with open(path) as f:
        f.readline()
        for line in f:
            date, delay, distance, origin, destination = line.rstrip("\n").split(",")
            cols[0].append(int(date)); cols[1].append(float(delay)); cols[2].append(float(distance))
            cols[3].append(origin); cols[4].append(destination)
    return cols

def features(cols, codes_o, codes_d):
    us = np.array(cols[0], dtype=np.int64)
    hours = (us // 3_600_000_000) % 24
    weekday = ((us // 86_400_000_000) + 3) % 7
    o = np.array([codes_o.get(v, len(codes_o)) for v in cols[3]])
    d = np.array([codes_d.get(v, len(codes_d)) for v in cols[4]])
    x = np.column_stack([np.array(cols[2]), hours, weekday, o, d]).astype(np.float64)
    y = (np.array(cols[1]) > 15).astype(np.int32)
    return x, y

def codes(values):
    uniq, counts = np.unique(np.array(values), return_counts=True)
    top = uniq[np.argsort(-counts, kind="stable")][:254]
    return {v: i for i, v in enumerate(top)}

def fit_score(xtr, ytr, xev, yev, **kw):
    model = HistGradientBoostingClassifier(categorical_features=[3, 4], random_state=0, **kw)
    t = time.time()
    model.fit(xtr, ytr)
    return roc_auc_score(yev, model.predict_proba(xev)[:, 1]), time.time() - t

train, ev = load(sys.argv[1]), load(sys.argv[2])
co, cd = codes(train[3]), codes(train[4])
xtr, ytr = features(train, co, cd)
xev, yev = features(ev, co, cd)
auc, secs = fit_score(xtr, ytr, xev, yev)
print(f"beamline_split_auc={auc:.4f}")
print(f"beamline_split_rows={len(ytr)}/{len(yev)}")
print(f"beamline_split_seconds={secs:.0f}")
auc, secs = fit_score(xtr, ytr, xev, yev, max_iter=500, max_leaf_nodes=63)
print(f"beamline_split_big_auc={auc:.4f}")
print(f"beamline_split_big_seconds={secs:.0f}")
x, y = np.vstack([xtr, xev]), np.concatenate([ytr, yev])
a, b, ya, yb = train_test_split(x, y, test_size=0.2, random_state=0)
auc, secs = fit_score(a, ya, b, yb)
print(f"random_split_auc={auc:.4f}")
print(f"random_split_seconds={secs:.0f}")
import sklearn
print(f"sklearn_version={sklearn.__version__}")
PY
cat "$work/sklearn.out" >&2
sk() { sed -n "s/^$1=//p" "$work/sklearn.out"; }
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }
gap="$(awk -v a="$auc" -v b="$(sk beamline_split_auc)" 'BEGIN {printf "%+.4f", a - b}')"
gap_big="$(awk -v a="$auc" -v b="$(sk beamline_split_big_auc)" 'BEGIN {printf "%+.4f", a - b}')"

block="$(cat <<MD
Run on $(date -u '+%Y-%m-%d %H:%M') UTC, $(commit_line "$root").

- Command: \`bench/quality.sh\` (BENCH_EPOCHS=$epochs, BENCH_TUNE=$tune); $wall s for ingest, transform, $([ "$tune" = 1 ] && echo "tuning ")and training
- Machine: $(machine_line)
- Java: $(java_line); \`$heap\`; TensorFlow Java 1.1.0 (CPU)
- Data: \`flights-3m.parquet\`, Beamline's 2:1 hash split (train $(commas "$(sk beamline_split_rows | cut -d/ -f1)") rows, eval $(commas "$(sk beamline_split_rows | cut -d/ -f2)")); label delay > 15; distance, origin, destination, hour and weekday of the departure, and the crosses origin × hour and destination × hour (5,000 buckets each), hour × weekday (168), origin × destination (20,000) and origin × destination × hour (100,000)
- Model: \`wide_deep\`, the linear part over the crosses and the categorical features, the DNN over all but the crosses; Adam, seed 7, $epochs epochs; $([ "$tune" = 1 ] && echo "tuned: Hyperband (max 4 epochs a trial, η = 2), objective eval AUC, two trials at a time over the learning rate [0.001, 0.01] (log), hidden units, embedding size and batch size: $tuned" || echo "not tuned: DNN [64, 32], learning rate 0.003, batch 256, chosen by hand")

\`\`\`
$(grep -E '^epoch' "$work/run.log" | tail -"$epochs")
\`\`\`

- Result: $summary
- Eval AUC **$auc** (target ≥ 0.705: $met)
- scikit-learn $(sk sklearn_version) \`HistGradientBoostingClassifier\` on the same five raw features (origin and destination categorical), measured in this run: with its defaults (100 iterations, 31 leaves, early stopping) eval AUC **$(sk beamline_split_auc)** on Beamline's split ($(sk beamline_split_seconds) s) and $(sk random_split_auc) on an 80/20 random split of the same rows (the issue quotes 0.7099); with 500 iterations of 63 leaves **$(sk beamline_split_big_auc)** on Beamline's split ($(sk beamline_split_big_seconds) s). Beamline's tuned model: $gap against the defaults, $gap_big against the larger ensemble
MD
)"
echo "$block"
if [ "$results" != none ]; then
  { echo "$begin_marker"; echo "$block"; echo "$end_marker"; } >"$work/section.md"
  write_section "$results" "$begin_marker" "$end_marker" "$work/section.md" "# Model quality on flights (bench/quality.sh)

Eval AUC of a tuned wide-and-deep model with feature crosses on flights-3m, Beamline's own split, against the issue's target and scikit-learn's gradient boosting on the same split."
fi
