#!/usr/bin/env bash
# Serving benchmark: `beamline serve` answering TF Serving's REST :predict for the penguins model
# (bundled example), loaded by `wrk` on loopback: single-instance requests at 1, 16 and 64 connections
# and 100-instance requests at 16 connections, QPS and p50/p99 latency, for each batching setting;
# against, in the same run, in-process calls of the same SavedModel (`ServingModel.score`, one row per
# call, no HTTP, no JSON, no batching) in a loop on one thread (and on two, for context). Checks that
# every answer is 200. Refreshes its section of bench/RESULTS.md.
#
#   bench/serve.sh
#
# The model is the penguins example's push (`beamline run examples/penguins/pipeline.yaml`, seed 42)
# under bench/work/serve/runs; it is trained on the first run and reused after (rm -rf
# bench/work/serve/runs to train afresh).
#
# Environment (all optional):
#   BENCH_DURATION     seconds of each wrk case                          (default 15)
#   BENCH_WARMUP       seconds of warm-up load after each server start, at 16 connections: single-
#                      instance requests, then a quarter of it 100-instance ones (default 20: C2 on two
#                      busy cores compiles the request path for about 15-20 s of load)
#   BENCH_INPROCESS    measured seconds of each in-process case, after 5 s of warm-up (default 10)
#   BENCH_WRK_THREADS  wrk threads (-t) for the cases of 16 and more connections (default 2; 1 connection: 1)
#   BENCH_BATCHING     batching settings to compare, '|'-separated serve options; "default" = none
#                      (default: "default|--batch-timeout-micros 500")
#   BENCH_HEAP         the server's and the in-process JVM's heap flag  (default -Xmx1g)
#   BENCH_RESULTS      the Markdown file to refresh ("none": don't)     (default bench/RESULTS.md)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
duration="${BENCH_DURATION:-15}"
warmup="${BENCH_WARMUP:-20}"
inprocess="${BENCH_INPROCESS:-10}"
wrk_threads="${BENCH_WRK_THREADS:-2}"
batchings="${BENCH_BATCHING:-default|--batch-timeout-micros 500}"
heap="${BENCH_HEAP:--Xmx1g}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
work="$here/work/serve"
classes="$work/classes"
pipeline_root="$work/runs"
model_dir="$pipeline_root/serving/penguins/1"
begin_marker="<!-- serve-bench:begin -->"
end_marker="<!-- serve-bench:end -->"

. "$here/lib.sh"

command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is not installed" >&2; exit 2; }

server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$work"
# Two runs at once would share the work folder and the two cores: the second one stops here.
exec 9>"$work/.lock"
flock -n 9 || { echo "another bench/serve.sh is running (it holds $work/.lock)" >&2; exit 2; }
rm -rf "$work/cases" "$work/logs"
mkdir -p "$work/cases" "$work/logs"
build_bench "$root" "$classes"
jar="$root/runner/target/beamline.jar"

if [ ! -f "$model_dir/saved_model.pb" ]; then
  step "the penguins model: beamline run on a copy of examples/penguins (pipeline root $pipeline_root)"
  rm -rf "$pipeline_root" "$work/example"
  cp -r "$root/examples/penguins" "$work/example"
  java -jar "$jar" run "$work/example/pipeline.yaml" --pipeline-root "$pipeline_root" >"$work/logs/pipeline.log" 2>&1 ||
    { tail -30 "$work/logs/pipeline.log" >&2; exit 1; }
  [ -f "$model_dir/saved_model.pb" ] || { echo "the run pushed no $model_dir" >&2; exit 1; }
else
  step "the penguins model: reusing $model_dir"
fi
schema="$(find "$pipeline_root/penguins/ingest" -name schema.avsc | sort | tail -1)"

# The request bodies: the first row of the bundled data, and its first 100 rows without a missing value.
csv="$root/examples/penguins/data/penguins.csv"
bodies() {
  awk -F, -v limit="$1" 'NR > 1 && $0 !~ /,,/ && $NF != "" && n < limit {
      printf "%s{\"island\": \"%s\", \"culmen_length_mm\": %s, \"culmen_depth_mm\": %s, \"flipper_length_mm\": %s, \"body_mass_g\": %s, \"sex\": \"%s\"}",
        (n++ ? ", " : "{\"instances\": ["), $2, $3, $4, $5, $6, $7 }
    END { print "]}" }' "$csv"
}
bodies 1 >"$work/one.json"
bodies 100 >"$work/hundred.json"

step "in-process reference: ServingModel.score, one row per call, 5 s warm-up then ${inprocess} s, 1 and 2 threads"
wait_for_quiet 20
inproc="$work/inprocess.out"
java "$heap" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$classes:$jar:$root/runner/target/lib/*" \
  dev.beamline.bench.ServeBench "$model_dir" "$schema" 5 "$inprocess" 1 2 >"$inproc" 2>"$work/logs/inprocess.err" ||
  { tail -20 "$work/logs/inprocess.err" >&2; exit 1; }
ip() { sed -n "s/^$1=//p" "$inproc"; }
grep '^in-process' "$work/logs/inprocess.err" >&2

# The server's TensorFlow calls so far and the rows they ran (its Prometheus batch-size histogram).
batch_stats() {
  curl -s "http://127.0.0.1:$port/metrics" |
    awk '/^beamline_serving_batch_size_count[{]/ {c = $2} /^beamline_serving_batch_size_sum[{]/ {s = $2} END {print c + 0, s + 0}'
}

proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }

# start_server <label> <options...>: starts `beamline serve` on a free port, waits for /readyz.
start_server() {
  local label="$1" log deadline
  shift
  log="$work/logs/serve-$label.log"
  server_log="$log"
  java "$heap" -jar "$jar" serve --model-base "$pipeline_root/serving" --rest-port 0 --grpc-port -1 "$@" >"$log" 2>&1 &
  server_pid=$!
  port=""
  deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$log" >&2; echo "the server exited" >&2; exit 1; }
    port="$(sed -n 's|^serving REST on http://[^:]*:\([0-9]*\).*|\1|p' "$log" | head -1)"
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
    sleep 0.2
  done
  echo "the server did not get ready in 60 s (log: $log)" >&2
  exit 1
}

# check_answer <body file> <rows>: one request by curl must get 200 and that many predictions.
check_answer() {
  local got status
  got="$(curl -s -o "$work/answer.json" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$1" "$url")"
  status="$got"
  [ "$status" = 200 ] || { echo "POST $1: HTTP $status: $(head -c 300 "$work/answer.json")" >&2; exit 1; }
  got="$(grep -o '"class_ids"' "$work/answer.json" | wc -l)"
  [ "$got" = "$2" ] || { echo "POST $1: $got predictions, expected $2" >&2; exit 1; }
}

# run_wrk <out> <threads> <connections> <seconds> <body file>: one wrk run; its result line in <out>.
run_wrk() {
  local out="$1" t="$2" c="$3" d="$4" body="$5"
  TIMEFORMAT='%U %S'
  { time BENCH_BODY="$body" wrk -t"$t" -c"$c" -d"${d}s" --latency -s "$here/serve-post.lua" "$url" >"$out.wrk" 2>&1; } 2>"$out.time" || true
  if ! kill -0 "$server_pid" 2>/dev/null || grep -q '^beamline: stopping' "$server_log"; then
    echo "the server (pid $server_pid) stopped during $(basename "$out"), not by this script (a signal from another process?); its log: $server_log" >&2
    exit 1
  fi
  grep -q '^result .* non2xx=0 socket_errors=0$' "$out.wrk" || { cat "$out.wrk" >&2; echo "$(basename "$out"): errors" >&2; exit 1; }
}

# One row of figures per case: label, setting, connections, instances, then the measures.
cases="$work/cases.tsv"
: >"$cases"
IFS='|' read -r -a settings <<<"$batchings"
for setting in "${settings[@]}"; do
  opts=()
  [ "$setting" = default ] || read -r -a opts <<<"$setting"
  slug="$(echo "$setting" | tr -c 'a-z0-9\n' '-' | sed 's/^-*//')"
  step "server: batching $setting"
  wait_for_quiet 10
  start_server "$slug" ${opts[@]+"${opts[@]}"}
  url="http://127.0.0.1:$port/v1/models/penguins:predict"
  check_answer "$work/one.json" 1
  check_answer "$work/hundred.json" 100
  run_wrk "$work/cases/$slug-warmup" "$wrk_threads" 16 "$warmup" "$work/one.json"
  run_wrk "$work/cases/$slug-warmup-hundred" "$wrk_threads" 16 "$((warmup / 4 > 0 ? warmup / 4 : 1))" "$work/hundred.json"
  for spec in "1 1 one" "16 $wrk_threads one" "64 $wrk_threads one" "16 $wrk_threads hundred"; do
    read -r c t body <<<"$spec"
    rows=$([ "$body" = one ] && echo 1 || echo 100)
    name="$slug-c$c-$body"
    read -r b0 r0 <<<"$(batch_stats)"
    s0="$(proc_cpu "$server_pid")"
    m0="$(machine_busy)"
    run_wrk "$work/cases/$name" "$t" "$c" "$duration" "$work/$body.json"
    m1="$(machine_busy)"
    s1="$(proc_cpu "$server_pid")"
    read -r b1 r1 <<<"$(batch_stats)"
    per_call="$(awk -v b0="$b0" -v b1="$b1" -v r0="$r0" -v r1="$r1" 'BEGIN {printf("%.1f", (b1 > b0) ? (r1 - r0) / (b1 - b0) : 0)}')"
    line="$(grep '^result ' "$work/cases/$name.wrk")" || { cat "$work/cases/$name.wrk" >&2; exit 1; }
    kv() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    read -r wu ws <"$work/cases/$name.time"
    server_cpu="$(awk -v a="$s0" -v b="$s1" 'BEGIN {printf "%.1f", b - a}')"
    wrk_cpu="$(awk -v a="$wu" -v b="$ws" 'BEGIN {printf "%.1f", a + b}')"
    other_cpu="$(awk -v a="$m0" -v b="$m1" -v s="$server_cpu" -v w="$wrk_cpu" 'BEGIN {o = b - a - s - w; printf "%.1f", o < 0 ? 0 : o}')"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$setting" "$c" "$t" "$rows" \
      "$(kv rps)" "$(kv p50_us)" "$(kv p90_us)" "$(kv p99_us)" "$(kv max_us)" "$(kv requests)" \
      "$(kv non2xx)" "$(kv socket_errors)" "$server_cpu" "$wrk_cpu" "$other_cpu" "$per_call" >>"$cases"
    echo "  $setting, $c connection(s), $rows instance(s): $(kv rps) req/s, p50 $(kv p50_us) us, p99 $(kv p99_us) us, non-2xx $(kv non2xx), $per_call rows per TensorFlow call" >&2
  done
  check_answer "$work/one.json" 1
  stop_server
done

# The figures.
ms() { awk -v u="$1" 'BEGIN {printf "%.2f", u / 1000}'; }
rate1="$(ip t1_rate)"
table="| batching | connections (wrk threads) | instances per request | requests/s | rows/s | p50 ms | p90 ms | p99 ms | max ms | rows per TensorFlow call | requests (non-2xx) | CPU s: server / wrk / others |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
while IFS=$'\t' read -r setting c t rows rps p50 p90 p99 max n non2xx sock scpu wcpu ocpu per_call; do
  label="$([ "$setting" = default ] && echo "default (max batch 64, no timeout)" || echo "\`$setting\`")"
  table+="
| $label | $c ($t) | $rows | $(printf '%.0f' "$rps") | $(awk -v r="$rps" -v k="$rows" 'BEGIN {printf "%.0f", r * k}') | $(ms "$p50") | $(ms "$p90") | $(ms "$p99") | $(ms "$max") | $per_call | $n ($non2xx) | $scpu / $wcpu / $ocpu |"
done <"$cases"
table+="
| in-process \`ServingModel.score\`, 1 row per call, 1 thread | - | 1 | $(printf '%.0f' "$rate1") | $(printf '%.0f' "$rate1") | $(ms "$(ip t1_p50_us)") | - | $(ms "$(ip t1_p99_us)") | - | 1 | $(ip t1_calls) | - |
| in-process, 2 threads | - | 1 | $(printf '%.0f' "$(ip t2_rate)") | $(printf '%.0f' "$(ip t2_rate)") | $(ms "$(ip t2_p50_us)") | - | $(ms "$(ip t2_p99_us)") | - | 1 | $(ip t2_calls) | - |"

field() { awk -F'\t' -v s="$1" -v c="$2" -v r="$3" -v k="$4" '$1 == s && $2 == c && $4 == r {print $k}' "$cases"; }
first="${settings[0]}"
verdicts=""
for setting in "${settings[@]}"; do
  q16="$(field "$setting" 16 1 5)"
  p99="$(field "$setting" 16 1 8)"
  ratio="$(awk -v q="$q16" -v r="$rate1" 'BEGIN {printf "%.2f", q / r}')"
  r_ok="$(awk -v x="$ratio" 'BEGIN {print (x >= 0.5 ? "met" : "MISSED")}')"
  p_ok="$(awk -v x="$p99" 'BEGIN {print (x < 10000 ? "met" : "MISSED")}')"
  verdicts+="- Batching $([ "$setting" = default ] && echo "default" || echo "\`$setting\`"): single-instance QPS at 16 connections ÷ in-process rate (1 thread) = $(printf '%.0f' "$q16") ÷ $(printf '%.0f' "$rate1") = **$ratio** (target ≥ 0.5: $r_ok); p99 at 16 connections **$(ms "$p99") ms** (target < 10 ms: $p_ok)
"
done

step "results"
echo "$table"
printf '%s' "$verdicts" >&2

[ "$results" = "none" ] && exit 0
block="$work/results-block.md"
{
  echo "$begin_marker"
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(commit_line "$root")."
  echo
  echo "- Command: \`bench/serve.sh\` (from the repository root)"
  echo "- Machine: $(machine_line); wrk $(wrk -v 2>&1 | awk 'NR == 1 {print $2}') and the server share its cores"
  echo "- Java: $(java_line); \`$heap\`; TensorFlow Java 1.1.0 (CPU)"
  echo "- Server: \`java $heap -jar runner/target/beamline.jar serve --model-base bench/work/serve/runs/serving --rest-port 0 --grpc-port -1\` plus the batching options below; batch threads: one per core ($(nproc))"
  echo "- Model: the penguins example's pushed SavedModel (DNN [16, 8], seed 42), \`POST /v1/models/penguins:predict\` with \`{\"instances\": [...]}\`: one row (the data's first) or its first 100 complete rows"
  echo "- Load: \`wrk -t<threads> -c<connections> -d${duration}s --latency -s bench/serve-post.lua\` on 127.0.0.1 (closed loop: each connection sends its next request when answered); after each server start ${warmup} s of warm-up load at 16 connections (single-instance requests, then $((warmup / 4 > 0 ? warmup / 4 : 1)) s of 100-instance ones), as the JIT compiles the request path; the in-process case and each server start once the machine is quiet (other processes under a quarter core, waiting at most 20 s and 10 s); every answer 200 (wrk's count of non-2xx and socket errors, and a curl check of the predictions before and after)"
  echo "- In-process: \`ServeBench\`, the same SavedModel loaded with \`ServingModel.load\`, \`score(List.of(row))\` in a loop, 5 s warm-up then ${inprocess} s"
  echo "- Rows per TensorFlow call: the mean batch the server ran during the case (its \`beamline_serving_batch_size\` histogram, scraped before and after)"
  echo "- CPU s: of the server process, of wrk, and of every other process on the machine during the case"
  echo
  echo "$table"
  echo
  printf '%s' "$verdicts"
  echo "$end_marker"
} >"$block"
write_section "$results" "$begin_marker" "$end_marker" "$block" "# Serving benchmark (bench/serve.sh)"
echo "refreshed $results" >&2
