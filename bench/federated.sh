#!/usr/bin/env bash
# Federated-averaging benchmark (train.federated). One `beamline run` per case, each in its own pipeline
# root, on penguins (examples/penguins/data/penguins.csv with the example's ingest and transform; no
# validation, tune, evaluate or push sections):
#   - central:     the example's train section (DNN [16, 8], batch 16, learning rate 0.01, seed 42,
#                  60 epochs with early_stopping patience 10), trained centrally on the pooled train split;
#   - fed_le1/2/5: the same model trained by federated averaging with client_column island (3 clients of
#                  different species mixes), 30 rounds, clients_per_round 3, local_epochs 1, 2 and 5,
#                  local_batch_size 32, server_learning_rate 1.0, seed 42;
#   - fed_secagg:  fed_le2 with secure_aggregation {threshold: 0.67, clip_range: 5.0}.
# For each: the kept model's eval accuracy and AUC (training_history.json / federated_rounds.json), the
# first round whose eval accuracy is within 0.02 of the centralized model's, the train stage's wall time
# (the run summary's "train: ran as execution #N in X s"), and the bytes clients send per round (formula
# below), then refreshes its section of bench/RESULTS.md (between the federated-bench markers).
#
#   bench/federated.sh
#
# Environment (all optional):
#   BENCH_HEAP      JVM heap flag                                             (default -Xmx6g)
#   BENCH_ROUNDS    federated rounds                                          (default 30)
#   BENCH_CASES     cases to run, comma-separated          (default central,fed_le1,fed_le2,fed_le5,fed_secagg)
#   BENCH_JAR_DIR   a folder holding an already built beamline.jar and lib/: use it, skip the Maven
#                   build (e.g. a copy of runner/target while others build)   (default: build)
#   BENCH_RESULTS   the Markdown file to refresh ("none": don't)              (default bench/RESULTS.md)
#   BENCH_REPORT_ONLY  1: run nothing, rebuild the tables and the section from the last run's files
#                   under bench/work/federated                                (default: run)
#
# Flights partitioned by origin (hundreds of clients) is not part of this script yet.
# Not part of the test suite: nothing under bench/ is a module of the parent pom.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
heap="${BENCH_HEAP:--Xmx6g}"
rounds="${BENCH_ROUNDS:-30}"
cases="${BENCH_CASES:-central,fed_le1,fed_le2,fed_le5,fed_secagg}"
jar_dir="${BENCH_JAR_DIR:-}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
work="$here/work/federated"
classes="$work/classes"
begin_marker="<!-- federated-bench:begin -->"
end_marker="<!-- federated-bench:end -->"

. "$here/lib.sh"

penguins_csv="$root/examples/penguins/data/penguins.csv"
report_only="${BENCH_REPORT_ONLY:-}"
[ -n "$report_only" ] || { rm -rf "$work"; mkdir -p "$work"; }
if [ -n "$report_only" ]; then
  step "BENCH_REPORT_ONLY: the runs under $work, as they are"
elif [ -z "$jar_dir" ]; then
  build_bench "$root" "$classes"
  jar_dir="$root/runner/target"
else
  jar_dir="$(cd "$jar_dir" && pwd)"
  step "using $jar_dir (BENCH_JAR_DIR: no Maven build)"
fi
jar="$jar_dir/beamline.jar"

# train_section <case>: the train: section of a case.
train_section() {
  local fed=""
  case "$1" in
    central) ;;
    fed_le1) fed="{client_column: island, rounds: $rounds, clients_per_round: 3, local_epochs: 1, local_batch_size: 32, server_learning_rate: 1.0, seed: 42}" ;;
    fed_le2) fed="{client_column: island, rounds: $rounds, clients_per_round: 3, local_epochs: 2, local_batch_size: 32, server_learning_rate: 1.0, seed: 42}" ;;
    fed_le5) fed="{client_column: island, rounds: $rounds, clients_per_round: 3, local_epochs: 5, local_batch_size: 32, server_learning_rate: 1.0, seed: 42}" ;;
    fed_secagg) fed="{client_column: island, rounds: $rounds, clients_per_round: 3, local_epochs: 2, local_batch_size: 32, server_learning_rate: 1.0, seed: 42, secure_aggregation: {threshold: 0.67, clip_range: 5.0}}" ;;
    *) echo "unknown case $1" >&2; exit 2 ;;
  esac
  echo "train:"
  echo "  label: species"
  echo "  model: dnn"
  echo "  hidden_units: [16, 8]"
  echo "  batch_size: 16"
  echo "  learning_rate: 0.01"
  echo "  seed: 42"
  if [ -z "$fed" ]; then
    echo "  epochs: 60"
    echo "  early_stopping: {patience: 10}"
  else
    echo "  federated: $fed"
  fi
}

for c in $(echo "$cases" | tr ',' ' '); do
  [ -n "$report_only" ] && break
  step "penguins: $c"
  cat >"$work/$c.yaml" <<EOF
pipeline:
  name: bench-federated-$c
$(penguins_sections "$penguins_csv")
$(train_section "$c")
EOF
  wait_for_quiet 20
  b0="$(machine_busy)"
  s0="$(date +%s.%N)"
  java "$heap" -jar "$jar" run "$work/$c.yaml" --pipeline-root "$work/runs/$c" >"$work/$c.log" 2>&1 || { tail -40 "$work/$c.log" >&2; exit 1; }
  s1="$(date +%s.%N)"
  b1="$(machine_busy)"
  awk -v a="$s0" -v b="$s1" -v c="$b0" -v d="$b1" 'BEGIN {printf "run_seconds=%.1f\nmachine_busy_cpu_seconds=%.1f\n", b - a, d - c}' >"$work/$c.time"
  grep -E '^  train: ran|kept round|epoch' "$work/$c.log" | grep -v 'INFO' >&2 || true
done

step "results"
# Every figure comes from the runs' own files: the run log's summary, training_history.json,
# federated_rounds.json and assets.extra/model.json.
python3 - "$work" "$cases" >"$work/table.md" <<'PY'
import json, glob, os, re, sys, math
work, cases = sys.argv[1], sys.argv[2].split(",")
def model_dir(c):
    d = sorted(glob.glob(f"{work}/runs/{c}/bench-federated-{c}/train/*"), key=lambda p: int(os.path.basename(p)))
    return d[-1]
def params(mdir):
    m = json.load(open(f"{mdir}/assets.extra/model.json"))
    width = sum(int(re.search(r"width (\d+)", v).group(1)) for v in m["transformed_inputs"].values())
    n, prev = 0, width
    for h in [16, 8, len(m["classes"])]:
        n += prev * h + h; prev = h
    return width, n
info = {}
for c in cases:
    d = model_dir(c)
    log = open(f"{work}/{c}.log").read()
    train_s = float(re.search(r"train: ran as execution #\d+ in ([0-9.]+) s", log).group(1))
    run_s = float(re.search(r"run_seconds=([0-9.]+)", open(f"{work}/{c}.time").read()).group(1))
    hist = json.load(open(f"{d}/training_history.json"))["epochs"]
    width, p = params(d)
    fr = json.load(open(f"{d}/federated_rounds.json")) if os.path.exists(f"{d}/federated_rounds.json") else None
    if fr:
        kept = fr["kept_round"]; r = fr["rounds"][kept - 1]
        acc, auc, loss = r["eval_accuracy"], r["eval_auc"], r["eval_loss"]
    else:
        kept_line = re.search(r"kept epoch (\d+)", log)
        # the kept epoch: the lowest eval loss with early stopping, else the last
        best = min(hist, key=lambda e: e["eval_loss"]) if "early_stopping" in open(f"{work}/{c}.yaml").read() else hist[-1]
        s = re.search(r"eval accuracy ([0-9.]+), AUC ([0-9.]+), eval loss ([0-9.]+)", log)
        acc, auc, loss = float(s.group(1)), float(s.group(2)), float(s.group(3))
        kept = best["epoch"]
    info[c] = dict(dir=d, train_s=train_s, run_s=run_s, hist=hist, width=width, params=p, fr=fr, acc=acc, auc=auc, loss=loss, kept=kept,
                   summary=re.search(r"^\s+(DNN .*)$", log, re.M).group(1))
central = info.get("central")
print("| case | training | kept | eval accuracy | eval AUC | eval loss | first round with eval accuracy ≥ centralized − 0.02 | train stage s | whole run s | parameters | bytes sent per round (all clients) |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for c in cases:
    i = info[c]; fr = i["fr"]
    if fr is None:
        desc = f"centralized, {len(i['hist'])} epochs run (60 max, early stopping patience 10)"
        reach = "-"; bytes_ = "-"; kept = f"epoch {i['kept']}"
    else:
        r0 = fr["rounds"]
        n = max(r["clients"] for r in r0)
        le = {"fed_le1": 1, "fed_le2": 2, "fed_le5": 5, "fed_secagg": 2}.get(c, "?")
        sa = any(r.get("secure_aggregation") for r in r0)
        desc = f"FedAvg by island, {len(r0)} rounds × {le} local epoch(s), {fr['clients']} clients" + (", secure aggregation (clip_range 5.0)" if sa else "")
        reach = "-"
        if central:
            hit = [r["round"] for r in r0 if r["eval_accuracy"] >= central["acc"] - 0.02]
            # the first round at or above centralized − 0.02, and the first from which every later round stays there
            stay = next((r["round"] for k, r in enumerate(r0) if all(x["eval_accuracy"] >= central["acc"] - 0.02 for x in r0[k:])), None)
            reach = f"{hit[0]} (stays from {stay})" if hit else f"not within {len(r0)}"
            i["reach"] = reach
        p = i["params"]
        if sa:
            # Client uploads of one secure-aggregation round with n participants and no dropout (payload
            # bytes of the protocol's messages, no Java serialization overhead):
            #   key advert 4 + 2 x 32 (two X25519 public keys);
            #   n - 1 encrypted shares of 8 (from, to) + 12 (nonce) + 121 (plaintext: version 1, from 4, to 4,
            #     two Shamir shares of 4 + 4 + 3 x 16 for 32-byte secrets) + 16 (GCM tag) = 157;
            #   masked vector 4 + (d + 6) x 8 (d weights + w, rows, loss sum, examples, steps, seconds, mod 2^62);
            #   unmasking response 4 + n x (4 + 56) (a share of b_u for each survivor).
            masked = n * (p + 6) * 8
            per_client = (4 + 64) + (n - 1) * 157 + (4 + (p + 6) * 8) + (4 + n * 60)
            bytes_ = f"{n * per_client:,} ({masked:,} masked vectors + {n * per_client - masked:,} keys and shares)"
        else:
            # each participant's update: d float32 weights (its row count besides: 8 bytes, not counted)
            bytes_ = f"{n * p * 4:,}"
        kept = f"round {i['kept']}"
        i["bytes"] = bytes_
    print(f"| {c} | {desc} | {kept} | **{i['acc']:.4f}** | {i['auc']:.4f} | {i['loss']:.4f} | {reach} | {i['train_s']:.1f} | {i['run_s']:.1f} | {i['params']} | {bytes_} |")
print()
for c in cases:
    print(f"- {c}: summary line: `{info[c]['summary']}`; model input width {info[c]['width']}")
if central:
    for c in cases:
        if c == "central": continue
        d = info[c]["acc"] - central["acc"]
        print(f"- {c}: kept model's accuracy − centralized = {d:+.4f}; target: federated ≥ centralized − 0.02: {'met' if d >= -0.02 else 'MISSED'}")
# per-round accuracy, for the details
print()
print("<details><summary>Eval accuracy per round (federated cases)</summary>")
print()
feds = [c for c in cases if info[c]["fr"]]
print("| round | " + " | ".join(feds) + " |")
print("|---:|" + "---:|" * len(feds))
R = max(len(info[c]["fr"]["rounds"]) for c in feds) if feds else 0
for k in range(R):
    print(f"| {k + 1} | " + " | ".join(f"{info[c]['fr']['rounds'][k]['eval_accuracy']:.4f}" if k < len(info[c]['fr']['rounds']) else "" for c in feds) + " |")
print()
print("</details>")
PY
cat "$work/table.md"

[ "$results" = "none" ] && exit 0
block="$work/results-block.md"
settings=""
for v in BENCH_HEAP BENCH_ROUNDS BENCH_CASES; do
  [ -n "${!v:-}" ] && settings+="$v=${!v} "
done
{
  echo "$begin_marker"
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(commit_line "$root")."
  echo
  echo "- Command: \`${settings}bench/federated.sh\` (from the repository root)${BENCH_JAR_DIR:+, with \`BENCH_JAR_DIR\` set to a copy of \`runner/target\` built from that checkout}"
  echo "- Machine: $(machine_line)"
  echo "- Java: $(java_line); \`$heap\`; TensorFlow Java (CPU); DirectRunner"
  echo "- Busy CPU seconds of the whole machine during each run (\`machine_busy\`): $(for c in $(echo "$cases" | tr ',' ' '); do printf '%s %s; ' "$c" "$(sed -n 's/machine_busy_cpu_seconds=//p' "$work/$c.time")"; done)"
  echo
  cat "$work/table.md"
  echo "$end_marker"
} >"$block"
write_section "$results" "$begin_marker" "$end_marker" "$block" "# Federated learning (bench/federated.sh)"
echo "wrote $results" >&2
