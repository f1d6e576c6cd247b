#!/usr/bin/env bash
# Federated-averaging benchmark (train.federated). One `beamline run` per case, each in its own pipeline
# root.
# Penguins (examples/penguins/data/penguins.csv with the example's ingest and transform; no
# validation, tune, evaluate or push sections):
#   - central:     the example's train section (DNN [16, 8], batch 16, learning rate 0.01, seed 42,
#                  60 epochs with early_stopping patience 10), trained centrally on the pooled train split;
#   - fed_le1/2/5: the same model trained by federated averaging with client_column island (3 clients of
#                  different species mixes), 30 rounds, clients_per_round 3, local_epochs 1, 2 and 5,
#                  local_batch_size 32, server_learning_rate 1.0, seed 42;
#   - fed_secagg:  fed_le2 with secure_aggregation {threshold: 0.67, clip_range: 5.0}.
# Flights partitioned by origin airport (hundreds of clients): a sample of flights-3m (every
# BENCH_FLIGHTS_EVERY-th row of bench/data/flights-3m.csv, the date as ISO-8601 text, as bench/tune.sh
# does), label delay > 15; distance (z-score), origin and destination (full vocabularies, embedded), hour
# of departure (embedded); ingest train:eval = 2:1 by hash:
#   - flights_central: DNN [32, 16], embedding_dim 8, Adam 0.003, seed 42, batch 256, 20 epochs with
#                      early_stopping patience 3, trained centrally on the pooled train split;
#   - flights_fed:     the same model by federated averaging with client_column origin (one client per
#                      origin airport of the train split), BENCH_FLIGHTS_ROUNDS rounds of
#                      BENCH_FLIGHTS_CLIENTS clients per round, local_epochs 1, local_batch_size 32,
#                      server_learning_rate 1.0, seed 42;
#   - flights_secagg:  flights_fed with secure_aggregation {threshold: 0.67, clip_range: 5.0} and
#                      BENCH_FLIGHTS_SECAGG_ROUNDS rounds of BENCH_FLIGHTS_SECAGG_CLIENTS clients per round.
# For each: the kept model's eval accuracy and AUC (training_history.json / federated_rounds.json), the
# first round within 0.02 of the centralized model (penguins: eval accuracy; flights: eval AUC), the
# train stage's wall time (the run summary's "train: ran as execution #N in X s"), and the bytes clients
# send per round (formula below; flights: the parameter count read from the SavedModel's variables
# index), then refreshes its section of bench/RESULTS.md (between the federated-bench markers).
# The section shows every case whose files are under bench/work/federated, run now or by an earlier run:
# a run deletes only the files of the cases it runs, so e.g. BENCH_CASES=flights_central,flights_fed
# keeps the penguins tables of the last penguins run.
#
#   bench/federated.sh
#
# Environment (all optional):
#   BENCH_HEAP      JVM heap flag                                             (default -Xmx6g)
#   BENCH_ROUNDS    penguins federated rounds                                 (default 30)
#   BENCH_CASES     cases to run, comma-separated  (default central,fed_le1,fed_le2,fed_le5,fed_secagg,
#                                                   flights_central,flights_fed,flights_secagg)
#   BENCH_FLIGHTS_EVERY          flights sample: every k-th row of flights-3m  (default 15: 200,000 rows)
#   BENCH_FLIGHTS_ROUNDS         flights_fed rounds                            (default 20)
#   BENCH_FLIGHTS_CLIENTS        flights_fed clients_per_round                 (default 50)
#   BENCH_FLIGHTS_SECAGG_ROUNDS  flights_secagg rounds                         (default 4)
#   BENCH_FLIGHTS_SECAGG_CLIENTS flights_secagg clients_per_round              (default 10)
#   BENCH_JAR_DIR   a folder holding an already built beamline.jar and lib/: use it, skip the Maven
#                   build (e.g. a copy of runner/target while others build)   (default: build)
#   BENCH_RESULTS   the Markdown file to refresh ("none": don't)              (default bench/RESULTS.md)
#   BENCH_REPORT_ONLY  1: run nothing, rebuild the tables and the section from the runs' files
#                   under bench/work/federated                                (default: run)
#
# Not part of the test suite: nothing under bench/ is a module of the parent pom.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
heap="${BENCH_HEAP:--Xmx6g}"
rounds="${BENCH_ROUNDS:-30}"
penguins_cases="central,fed_le1,fed_le2,fed_le5,fed_secagg"
flights_cases="flights_central,flights_fed,flights_secagg"
cases="${BENCH_CASES:-$penguins_cases,$flights_cases}"
flights_every="${BENCH_FLIGHTS_EVERY:-15}"
flights_rounds="${BENCH_FLIGHTS_ROUNDS:-20}"
flights_clients="${BENCH_FLIGHTS_CLIENTS:-50}"
flights_secagg_rounds="${BENCH_FLIGHTS_SECAGG_ROUNDS:-4}"
flights_secagg_clients="${BENCH_FLIGHTS_SECAGG_CLIENTS:-10}"
jar_dir="${BENCH_JAR_DIR:-}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
work="$here/work/federated"
classes="$work/classes"
begin_marker="<!-- federated-bench:begin -->"
end_marker="<!-- federated-bench:end -->"

. "$here/lib.sh"

penguins_csv="$root/examples/penguins/data/penguins.csv"
flights_csv="$work/data/flights-every-$flights_every.csv"
report_only="${BENCH_REPORT_ONLY:-}"

# in_group <case> <comma-separated cases>: whether the case is one of them.
in_group() { case ",$2," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
run_penguins=""
run_flights=""
for c in $(echo "$cases" | tr ',' ' '); do
  if in_group "$c" "$penguins_cases"; then run_penguins=1
  elif in_group "$c" "$flights_cases"; then run_flights=1
  else echo "unknown case $c" >&2; exit 2
  fi
done

if [ -z "$report_only" ]; then
  # Only the files of the cases run now go; the other cases' (an earlier run's) stay, and are reported.
  mkdir -p "$work"
  for c in $(echo "$cases" | tr ',' ' '); do rm -rf "$work/$c".* "$work/runs/$c"; done
fi
if [ -n "$report_only" ]; then
  step "BENCH_REPORT_ONLY: the runs under $work, as they are"
else
  resolve_jar_dir
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
    flights_*) flights_train_section "$1"; return ;;
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

# flights_train_section <case>: the train: section of a flights case (the same model, centrally or
# federated by origin).
flights_train_section() {
  local fed=""
  case "$1" in
    flights_central) ;;
    flights_fed) fed="{client_column: origin, rounds: $flights_rounds, clients_per_round: $flights_clients, local_epochs: 1, local_batch_size: 32, server_learning_rate: 1.0, seed: 42}" ;;
    flights_secagg) fed="{client_column: origin, rounds: $flights_secagg_rounds, clients_per_round: $flights_secagg_clients, local_epochs: 1, local_batch_size: 32, server_learning_rate: 1.0, seed: 42, secure_aggregation: {threshold: 0.67, clip_range: 5.0}}" ;;
    *) echo "unknown case $1" >&2; exit 2 ;;
  esac
  echo "train:"
  echo "  label: delayed"
  echo "  model: dnn"
  echo "  hidden_units: [32, 16]"
  echo "  embedding_dim: 8"
  echo "  batch_size: 256"
  echo "  learning_rate: 0.003"
  echo "  seed: 42"
  if [ -z "$fed" ]; then
    echo "  epochs: 20"
    echo "  early_stopping: {patience: 3}"
  else
    echo "  federated: $fed"
  fi
}

# flights_sections <csv>: the ingest: and transform: sections of the flights cases (bench/tune.sh's,
# with full vocabularies: every origin of the train split gets its own id, so is its own client).
flights_sections() {
  cat <<EOF
ingest:
  input: $1
  schema: {date: timestamp}
  splits: {train: 2, eval: 1}
  max_rejected_fraction: 0
EOF
  flights_transform
}

if [ -z "$report_only" ] && [ -n "$run_flights" ] && [ ! -s "$flights_csv" ]; then
  step "flights: every ${flights_every}th row of flights-3m"
  src_csv="$here/data/flights-3m.csv"
  [ -f "$src_csv" ] || "$here/fetch-data.sh" >/dev/null
  mkdir -p "$work/data"
  # The date (microseconds since 1970) as ISO-8601 text, which ingestion reads as a timestamp.
  python3 - "$src_csv" "$flights_csv.tmp" "$flights_every" <<'PY'
import datetime, sys
src, dst, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src) as f, open(dst, "w") as out:
    out.write(f.readline())
    for i, line in enumerate(f):
        if i % k:
            continue
        date, rest = line.split(",", 1)
        t = datetime.datetime.fromtimestamp(int(date) / 1e6, datetime.timezone.utc)
        out.write(t.strftime("%Y-%m-%dT%H:%M:%SZ") + "," + rest)
PY
  mv "$flights_csv.tmp" "$flights_csv"
fi

# group_meta <group> <settings shown besides BENCH_HEAP and BENCH_CASES>: the bullets on the group's
# last run (when, commit, command, machine, Java), in $work/<group>.meta for the section.
group_meta() {
  local group="$1" settings="" v
  shift
  for v in BENCH_HEAP BENCH_CASES "$@"; do
    [ -n "${!v:-}" ] && settings+="$v=${!v} "
  done
  {
    echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(commit_line "$root")."
    echo
    echo "- Command: \`${settings}bench/federated.sh\` (from the repository root)${BENCH_JAR_DIR:+, with \`BENCH_JAR_DIR\` set to a copy of \`runner/target\` built from that checkout}"
    echo "- Machine: $(machine_line)"
    echo "- Java: $(java_line); \`$heap\`; TensorFlow Java (CPU); DirectRunner"
  } >"$work/$group.meta"
}
if [ -z "$report_only" ]; then
  [ -n "$run_penguins" ] && group_meta penguins BENCH_ROUNDS
  [ -n "$run_flights" ] && rm -f "$work/flights.notes"
  [ -n "$run_flights" ] && group_meta flights BENCH_FLIGHTS_EVERY BENCH_FLIGHTS_ROUNDS BENCH_FLIGHTS_CLIENTS BENCH_FLIGHTS_SECAGG_ROUNDS BENCH_FLIGHTS_SECAGG_CLIENTS
fi

failed=""
for c in $(echo "$cases" | tr ',' ' '); do
  [ -n "$report_only" ] && break
  if in_group "$c" "$flights_cases"; then
    step "flights: $c"
    sections="$(flights_sections "$flights_csv")"
  else
    step "penguins: $c"
    sections="$(penguins_sections "$penguins_csv")"
  fi
  cat >"$work/$c.yaml" <<EOF
pipeline:
  name: bench-federated-$c
$sections
$(train_section "$c")
EOF
  wait_for_quiet 20
  b0="$(machine_busy)"
  s0="$(date +%s.%N)"
  if ! java "$heap" -jar "$jar" run "$work/$c.yaml" --pipeline-root "$work/runs/$c" >"$work/$c.log" 2>&1; then
    tail -40 "$work/$c.log" >&2
    # Recorded, not hidden: the section shows the case as failed, with the run's error line.
    grep -E 'Exception|Error|error|failed' "$work/$c.log" | grep -v '^\[WARN\]' | tail -1 >"$work/$c.failed" || true
    failed+="${failed:+,}$c"
    continue
  fi
  s1="$(date +%s.%N)"
  b1="$(machine_busy)"
  awk -v a="$s0" -v b="$s1" -v c="$b0" -v d="$b1" 'BEGIN {printf "run_seconds=%.1f\nmachine_busy_cpu_seconds=%.1f\n", b - a, d - c}' >"$work/$c.time"
  grep -E '^  train: ran|kept round|epoch' "$work/$c.log" | grep -v 'INFO' >&2 || true
done

step "results"
# present <cases> [failed too]: those with a finished run's files under $work (this run's or an earlier
# one's); with a second argument, also those whose run failed (the flights table shows them as failed).
present() {
  local out="" c
  for c in $(echo "$1" | tr ',' ' '); do
    [ -f "$work/$c.log" ] || continue
    if [ -f "$work/$c.time" ] || { [ -n "${2:-}" ] && [ -f "$work/$c.failed" ]; }; then out+="${out:+,}$c"; fi
  done
  echo "$out"
}
penguins_present="$(present "$penguins_cases")"
flights_present="$(present "$flights_cases" failed)"
: >"$work/table.md"
: >"$work/flights-table.md"
if [ -n "$penguins_present" ]; then
cases="$penguins_present"
# Every figure comes from the runs' own files: the run log's summary, training_history.json,
# federated_rounds.json and assets.extra/model.json.
python3 - "$work" "$cases" "$here" >"$work/table.md" <<'PY'
import json, glob, os, re, sys, math
work, cases = sys.argv[1], sys.argv[2].split(",")
sys.path.insert(0, sys.argv[3])
from federated_report import first_within, secagg_client_bytes
from federated_report import model_dir as report_model_dir
def model_dir(c):
    return report_model_dir(work, c)
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
            hit, stay = first_within(r0, "eval_accuracy", central["acc"] - 0.02)
            reach = f"{hit} (stays from {stay})" if hit else f"not within {len(r0)}"
            i["reach"] = reach
        p = i["params"]
        if sa:
            # Client uploads of one secure-aggregation round (federated_report.secagg_client_bytes)
            total, masked = secagg_client_bytes(n, p)
            bytes_ = f"{total:,} ({masked:,} masked vectors + {total - masked:,} keys and shares)"
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
fi

if [ -n "$flights_present" ]; then
# Flights: the same sources (the run log's summary, training_history.json, federated_rounds.json), and
# the parameter count from the SavedModel's variables index (a TensorFlow tensor bundle: a LevelDB-format
# table of BundleEntryProto, whose shapes give each variable's size).
python3 - "$work" "$flights_present" "$flights_csv" "$here" >"$work/flights-table.md" <<'PY'
import collections, json, glob, os, re, struct, sys
work, cases, csv = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
sys.path.insert(0, sys.argv[4])
from federated_report import first_within, secagg_client_bytes
from federated_report import model_dir as report_model_dir

def varint(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80:
            return r, i
def block_entries(b, off, size):
    blk = b[off:off + size]
    restarts = struct.unpack("<I", blk[-4:])[0]
    end, i, key = len(blk) - 4 - 4 * restarts, 0, b""
    while i < end:
        shared, i = varint(blk, i); unshared, i = varint(blk, i); vlen, i = varint(blk, i)
        key = key[:shared] + blk[i:i + unshared]; i += unshared
        yield key, blk[i:i + vlen]; i += vlen
def proto(v):
    i, out = 0, {}
    while i < len(v):
        tag, i = varint(v, i); f, t = tag >> 3, tag & 7
        if t == 0: x, i = varint(v, i)
        elif t == 2: n, i = varint(v, i); x = v[i:i + n]; i += n
        elif t == 5: x = v[i:i + 4]; i += 4
        else: x = v[i:i + 8]; i += 8
        out.setdefault(f, []).append(x)
    return out
def variables(index):
    b = open(index, "rb").read()
    foot = b[-48:]
    _, j = varint(foot, 0); _, j = varint(foot, j)
    off, j = varint(foot, j); size, j = varint(foot, j)
    res = {}
    for _, handle in block_entries(b, off, size):
        o, k = varint(handle, 0); n, k = varint(handle, k)
        for key, val in block_entries(b, o, n):
            if not key:
                continue  # the bundle's header entry
            dims = [proto(d).get(1, [0])[0] for d in proto(proto(val).get(2, [b""])[0]).get(2, [])]
            size_ = 1
            for d in dims:
                size_ *= d
            res[key.decode()] = (dims, size_)
    return res

def model_dir(c):
    return report_model_dir(work, c)
info = {}
for c in cases:
    log = open(f"{work}/{c}.log").read()
    if os.path.exists(f"{work}/{c}.failed"):
        info[c] = dict(failed=open(f"{work}/{c}.failed").read().strip() or "see the log", log=log)
        continue
    d = model_dir(c)
    train_s = float(re.search(r"train: ran as execution #\d+ in ([0-9.]+) s", log).group(1))
    run_s = float(re.search(r"run_seconds=([0-9.]+)", open(f"{work}/{c}.time").read()).group(1))
    hist = json.load(open(f"{d}/training_history.json"))["epochs"]
    v = variables(f"{d}/variables/variables.index")
    p = sum(n for _, n in v.values())
    fr = json.load(open(f"{d}/federated_rounds.json")) if os.path.exists(f"{d}/federated_rounds.json") else None
    if fr:
        kept = fr["kept_round"]; r = fr["rounds"][kept - 1]
        acc, auc, loss = r["eval_accuracy"], r["eval_auc"], r["eval_loss"]
    else:
        s = re.search(r"best epoch (\d+): eval accuracy ([0-9.]+), AUC ([0-9.]+), eval loss ([0-9.]+)", log)
        kept, acc, auc, loss = int(s.group(1)), float(s.group(2)), float(s.group(3)), float(s.group(4))
    m = re.search(r"splits: train=(\d+), eval=(\d+)", log)
    info[c] = dict(dir=d, train_s=train_s, run_s=run_s, hist=hist, vars=v, params=p, fr=fr, acc=acc, auc=auc, loss=loss,
                   kept=kept, split=(int(m.group(1)), int(m.group(2))), yaml=open(f"{work}/{c}.yaml").read(),
                   summary=re.search(r"^\s+(DNN .*)$", log, re.M).group(1))
ok = [c for c in cases if "failed" not in info[c]]
central = info.get("flights_central") if "flights_central" in ok else None
per_origin = collections.Counter()
with open(csv) as f:
    f.readline()
    for line in f:
        per_origin[line.split(",")[3]] += 1
counts = sorted(per_origin.values())
if ok:
    c0 = info[ok[0]]
    every = re.search(r"every-(\d+)", csv).group(1)
    print(f"- Sample: every {every}th row of flights-3m: {sum(counts):,} rows "
          f"(train {c0['split'][0]:,}, eval {c0['split'][1]:,} by Beamline's 2:1 hash split); {len(counts)} origin airports, "
          f"rows per origin in the sample: min {counts[0]}, median {counts[len(counts) // 2]}, max {counts[-1]:,}; "
          f"{sum(1 for x in counts if x < 32)} origins have fewer than 32 rows (one local batch)")
    print(f"- Model: {', '.join(f'{k} {dims}' for k, (dims, _) in sorted(c0['vars'].items()))}: {c0['params']:,} parameters (float32)")
    print()
print("| case | training | kept | eval AUC | eval accuracy | eval loss | first round with eval AUC ≥ centralized − 0.02 | train stage s (s per round) | whole run s | clients per round: mean (min–max) | local steps per round: mean | bytes sent per round (all clients; mean over rounds) |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for c in cases:
    i = info[c]
    if "failed" in i:
        print(f"| {c} | FAILED: `{i['failed'][:300]}` | - | - | - | - | - | - | - | - | - | - |")
        continue
    fr = i["fr"]
    if fr is None:
        desc = f"centralized, {len(i['hist'])} epochs run (20 max, early stopping patience 3), batch 256"
        row = f"epoch {i['kept']} | **{i['auc']:.4f}** | {i['acc']:.4f} | {i['loss']:.4f} | - | {i['train_s']:.1f} | {i['run_s']:.1f} | - | - | -"
    else:
        r0 = fr["rounds"]
        sa = any(r.get("secure_aggregation") for r in r0)
        ns = [r["clients"] for r in r0]
        cpr = re.search(r"clients_per_round: (\d+)", i["yaml"]).group(1)
        desc = (f"FedAvg by origin, {len(r0)} rounds × 1 local epoch (batch 32), clients_per_round {cpr} of {fr['clients']} clients "
                f"(sampling rate {fr['sampling_rate']:.4f})" + (", secure aggregation (threshold 0.67, clip_range 5.0)" if sa else ""))
        reach = "-"
        if central:
            hit, stay = first_within(r0, "eval_auc", central["auc"] - 0.02)
            reach = f"{hit} (stays from {stay})" if hit else f"not reached in {len(r0)} rounds"
            i["reach"] = reach
        p = i["params"]
        if sa:
            # the secure-aggregation upload of a round with n participants (federated_report.secagg_client_bytes)
            masked = sum(secagg_client_bytes(n, p)[1] for n in ns) / len(ns)
            total = sum(secagg_client_bytes(n, p)[0] for n in ns) / len(ns)
            bytes_ = f"{total:,.0f} ({masked:,.0f} masked vectors + {total - masked:,.0f} keys and shares)"
        else:
            # each participant's update: d float32 weights (its row count besides: 8 bytes, not counted)
            bytes_ = f"{sum(n * p * 4 for n in ns) / len(ns):,.0f} ({p * 4:,} per client)"
        steps = sum(r["local_steps"] for r in r0) / len(r0)
        row = (f"round {i['kept']} | **{i['auc']:.4f}** | {i['acc']:.4f} | {i['loss']:.4f} | {reach} | {i['train_s']:.1f} ({i['train_s'] / len(r0):.1f}) | "
               f"{i['run_s']:.1f} | {sum(ns) / len(ns):.1f} ({min(ns)}–{max(ns)}) | {steps:,.0f} | {bytes_}")
    print(f"| {c} | {desc} | {row} |")
print()
for c in ok:
    print(f"- {c}: summary line: `{info[c]['summary']}`")
if central:
    for c in ok:
        if c == "flights_central":
            continue
        d = info[c]["auc"] - central["auc"]
        print(f"- {c}: kept model's eval AUC − centralized = {d:+.4f}; target: federated ≥ centralized − 0.02: {'met' if d >= -0.02 else 'MISSED'}")
feds = [c for c in ok if info[c]["fr"]]
if feds:
    print()
    print("<details><summary>Flights: eval AUC per round (federated cases; participants and local steps in brackets)</summary>")
    print()
    print("| round | " + " | ".join(feds) + " |")
    print("|---:|" + "---:|" * len(feds))
    R = max(len(info[c]["fr"]["rounds"]) for c in feds)
    def cell(c, k):
        r = info[c]["fr"]["rounds"]
        return f"{r[k]['eval_auc']:.4f} ({r[k]['clients']}, {r[k]['local_steps']})" if k < len(r) else ""
    for k in range(R):
        print(f"| {k + 1} | " + " | ".join(cell(c, k) for c in feds) + " |")
    print()
    print("</details>")
PY
fi
cat "$work/table.md" "$work/flights-table.md"

[ "$results" = "none" ] && { [ -z "$failed" ] || exit 1; exit 0; }
busy_line() {  # busy_line <cases>
  local c
  printf -- '- Busy CPU seconds of the whole machine during each run (`machine_busy`): '
  for c in $(echo "$1" | tr ',' ' '); do printf '%s %s; ' "$c" "$(sed -n 's/machine_busy_cpu_seconds=//p' "$work/$c.time" 2>/dev/null)"; done
  echo
}
block="$work/results-block.md"
{
  echo "$begin_marker"
  if [ -n "$penguins_present" ]; then
    cat "$work/penguins.meta" 2>/dev/null || echo "(no record of the penguins cases' run: $work/penguins.meta is missing)"
    busy_line "$penguins_present"
    echo
    cat "$work/table.md"
  fi
  if [ -n "$flights_present" ]; then
    [ -n "$penguins_present" ] && echo
    echo "**Flights partitioned by \`origin\`** (one client per origin airport):"
    echo
    cat "$work/flights.meta" 2>/dev/null || echo "(no record of the flights cases' run: $work/flights.meta is missing)"
    busy_line "$flights_present"
    cat "$work/flights-table.md"
    # Observations written down by hand about the last flights run (e.g. where its time went), if any;
    # a new flights run deletes them.
    [ -f "$work/flights.notes" ] && { echo; cat "$work/flights.notes"; }
  fi
  echo "$end_marker"
} >"$block"
write_section "$results" "$begin_marker" "$end_marker" "$block" "# Federated learning (bench/federated.sh)"
echo "wrote $results" >&2
[ -z "$failed" ] || { echo "failed: $failed" >&2; exit 1; }
