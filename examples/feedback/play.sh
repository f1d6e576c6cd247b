#!/usr/bin/env bash
# The feedback loop, end to end, with one command:
#
#   examples/feedback/play.sh [work-folder]      # default: ./feedback-loop (made anew)
#
# 1. trains version 1 on winter data (span 1) and pushes it (labels stable and canary);
# 2. serves it with a request log, and sends it the summer of 2014, one request a day, under 'stable';
# 3. delivers the labels; a run joins them, measures the live metrics, finds the serving skew, and the
#    retrain trigger fires (its reasons printed): the labelled summer becomes span 2;
# 4. the next run (`beamline watch` starts it because span 2 appeared) trains version 2 on both spans
#    and pushes it as the canary; the server loads it without a restart;
# 5. sends the summer of 2015 to both labels, delivers the labels; a run compares the canary with the
#    stable version and, the canary being significantly better, moves 'stable' to version 2, while a
#    client keeps calling 'stable': none of its requests may fail.
# Exits 0 when every step did what it says; needs curl. BEAMLINE (default ./beamline), PORT (8601).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${1:-feedback-loop}"
beamline="${BEAMLINE:-$root/beamline}"
port="${PORT:-8601}"
source_csv="$root/examples/seattle-weather/data/seattle-weather.csv"
model=weather-loop
url="http://127.0.0.1:$port/v1/models/$model"

step() { printf '\n== %s\n' "$*"; }
fail() { echo "play.sh: FAILED: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/data/span-1" "$work/labels" "$work/logs" "$work/serving"
work="$(cd "$work" && pwd)"
cp "$here/pipeline.yaml" "$here/models.yaml" "$work/"
# Span 1: October to March of 2012 and 2013. Traffic: April to September of 2014 (a) and 2015 (b).
awk -F, 'NR == 1 || (($1 ~ /^201[23]/) && (substr($1, 6, 2) + 0 >= 10 || substr($1, 6, 2) + 0 <= 3))' "$source_csv" > "$work/data/span-1/weather.csv"
awk -F, 'NR > 1 && $1 ~ /^2014/ && substr($1, 6, 2) + 0 >= 4 && substr($1, 6, 2) + 0 <= 9' "$source_csv" > "$work/traffic-a.csv"
awk -F, 'NR > 1 && $1 ~ /^2015/ && substr($1, 6, 2) + 0 >= 4 && substr($1, 6, 2) + 0 <= 9' "$source_csv" > "$work/traffic-b.csv"

# Each run is started by `beamline watch --once`: it looks at the inputs (spans, request log, labels),
# runs the pipeline when they changed since its last run, and logs why; without --once it would keep
# watching and do all of this by itself.
run() { "$beamline" watch "$work/pipeline.yaml" --pipeline-root "$work/runs" --once | tee -a "$work/runs.txt"; }

# send <traffic.csv> <id prefix> <labels file> <server label>...: each day once under each label, in turn;
# its label lands in the labels file
send() {
  local csv="$1" prefix="$2" labels="$3" now; shift 3
  now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  [ -f "$labels" ] || echo "request_id,weather,labelled_at" > "$labels"
  while IFS=, read -r day precipitation temp_max temp_min wind weather; do
    for label in "$@"; do
      local id="$prefix-$label-$day"
      curl -sf -o /dev/null -H "X-Request-Id: $id" -d "{\"instances\": [{\"date\": \"$day\", \"precipitation\": $precipitation,
        \"temp_max\": $temp_max, \"temp_min\": $temp_min, \"wind\": $wind}]}" "$url/labels/$label:predict" || fail "request $id failed"
      echo "$id,$weather,$now" >> "$labels"
    done
  done < "$csv"
}

served_version() { curl -sf -D - -o /dev/null -d '{"instances": [{"date": "2015-07-01", "precipitation": 0, "temp_max": 25, "temp_min": 13, "wind": 3}]}' \
  "$url/labels/$1:predict" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-model-version" {print $2}'; }

step "1. train version 1 on the winter data (span 1), push it"
run
[ -d "$work/serving/$model/1" ] || fail "version 1 was not pushed"
grep -q 'stable: 1' "$work/models.yaml" || fail "version 1 is not labelled stable in models.yaml"

step "2. serve it; send the summer of 2014 under 'stable'"
"$beamline" serve --model-config "$work/models.yaml" --rest-port "$port" --grpc-port -1 --request-log "$work/logs" \
  --request-log-segment-seconds 1 > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2> /dev/null || true; wait $server 2> /dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "$url/labels/stable" > /dev/null 2>&1 && break; sleep 0.5; done
curl -sf "$url/labels/stable" > /dev/null || fail "the server did not start (see $work/server.log)"
send "$work/traffic-a.csv" a "$work/labels/a.part" stable
echo "sent $(wc -l < "$work/traffic-a.csv") requests"

step "3. the labels land; the feedback stages run and the retrain trigger decides"
sleep 2   # the log's last segment is published after a second
mv "$work/labels/a.part" "$work/labels/a.csv"
run
[ -d "$work/data/span-2" ] || fail "the retrain trigger wrote no span 2"

step "4. the retraining run, which the watch starts because span 2 appeared: version 2, pushed as the canary"
run
[ -d "$work/serving/$model/2" ] || fail "version 2 was not pushed"
for _ in $(seq 1 60); do [ "$(served_version canary)" = 2 ] && break; sleep 0.5; done
[ "$(served_version canary)" = 2 ] || fail "the server does not answer 'canary' with version 2"
[ "$(served_version stable)" = 1 ] || fail "the server does not answer 'stable' with version 1"
echo "the server answers canary with version 2, stable with version 1"

step "5. the summer of 2015 under both labels; the comparison promotes, while a client keeps calling 'stable'"
send "$work/traffic-b.csv" b "$work/labels/b.part" stable canary
sleep 2
mv "$work/labels/b.part" "$work/labels/b.csv"
( ok=0; failed=0; seen=""
  while [ ! -f "$work/stop-load" ]; do
    v="$(served_version stable || true)"
    if [ -n "$v" ]; then ok=$((ok + 1)); case " $seen " in *" $v "*) ;; *) seen="$seen $v";; esac; else failed=$((failed + 1)); fi
    sleep 0.05
  done
  echo "$ok $failed$seen" > "$work/load.txt" ) &
load=$!
run
for _ in $(seq 1 60); do [ "$(served_version stable)" = 2 ] && break; sleep 0.5; done
touch "$work/stop-load"; wait $load
read -r ok failed versions < "$work/load.txt"
echo "client of 'stable' during the promotion: $ok answered, $failed failed, versions seen: $versions"
[ "$failed" = 0 ] || fail "$failed request(s) failed during the swap"
[ "$(served_version stable)" = 2 ] || fail "'stable' was not moved to version 2"
grep -q 'stable: 2' "$work/models.yaml" || fail "models.yaml does not name version 2 as stable"
echo
echo "play.sh: the loop ran: version 2 retrained on the fed-back summer, compared as the canary and promoted; runs in $work/runs"
