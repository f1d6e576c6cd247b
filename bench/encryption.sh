#!/usr/bin/env bash
# Encryption-at-rest benchmark (pipeline.encryption: Tink streaming AEAD, AES256_GCM_HKDF_1MB): the same
# flights pipeline run in fresh pipeline roots, in plaintext and encrypted, then `beamline rekey` of the
# encrypted root after `beamline keyset rotate`, and a raw-throughput reference measured in the same run.
#
# Pipeline: flights-3m.parquet (3,000,000 rows, vega-datasets@3.2.1; bench/ingest.sh's Parquet case:
# train:eval = 2:1 by hash), then validation (statistics, schema, validate; drift off: a fresh root has no
# previous statistics anyway) and transform (bench/federated.sh's flights features: delayed = delay > 15,
# distance z-scored, origin and destination vocabularies, hour of departure). No train.
# Cases, round-robin (odd repetitions plain first, even ones encrypted first), each a whole
# `beamline run` process in a fresh root: plain, and the same YAML plus
# `pipeline.encryption: {keyset: <work>/keys/k.json, master_key_env: BEAMLINE_MASTER_KEY}`.
# For each run: every stage's wall time from the run summary ("<stage>: ran as execution #N in X s"), the
# process's wall and CPU time (GNU time) and the CPU seconds other processes took meanwhile; rows/s of
# ingest and transform (3,000,000 rows each). Then: bytes on disk of each root (du -sb), files that begin
# with the BLENC header, a plaintext check of the encrypted root (files holding markers that the plaintext
# root holds), `keyset rotate` + `rekey` (MB/s = root bytes / rekey wall time, process start included) and
# a second `rekey` (nothing left to re-encrypt: the cost of reading the headers), and the reference:
# `cat` and `openssl enc -aes-256-ctr` over the plaintext root's Parquet shards, concatenated and repeated
# to at least 256 MiB. Refreshes its section of bench/RESULTS.md (between the encryption-bench markers).
#
#   nice -n 10 bench/encryption.sh
#
# Environment (all optional):
#   BENCH_HEAP        JVM heap flag                                      (default -Xmx6g)
#   BENCH_REPEAT      runs of each case (plain, encrypted), interleaved  (default 2)
#   BENCH_QUIET_WAIT  seconds a run waits at most for other processes to leave the cores (default 20)
#   BENCH_JAR_DIR     a folder holding an already built beamline.jar and lib/: use it, skip the Maven
#                     build (e.g. a copy of runner/target while others build)   (default: build)
#   BENCH_RESULTS     the Markdown file to refresh ("none": don't)       (default bench/RESULTS.md)
#
# The master key is made by `beamline keyset master-key` into this script's environment only; it is never
# written to a file. Not part of the test suite: nothing under bench/ is a module of the parent pom.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
heap="${BENCH_HEAP:--Xmx6g}"
repeat="${BENCH_REPEAT:-2}"
quiet_wait="${BENCH_QUIET_WAIT:-20}"
jar_dir="${BENCH_JAR_DIR:-}"
results="${BENCH_RESULTS:-$here/RESULTS.md}"
work="$here/work/encryption"
classes="$work/classes"
rows_expected=3000000
begin_marker="<!-- encryption-bench:begin -->"
end_marker="<!-- encryption-bench:end -->"

. "$here/lib.sh"

step "data"
data="$("$here/fetch-data.sh")"
parquet="$data/data/flights-3m.parquet"

resolve_jar_dir
jar="$jar_dir/beamline.jar"
bl() { java "$heap" -jar "$jar" "$@"; }

rm -rf "$work/runs" "$work/logs" "$work/keys" "$work/yaml" "$work/ref"
mkdir -p "$work/runs" "$work/logs" "$work/keys" "$work/yaml" "$work/ref"

step "keys (master key in this process's environment only)"
BEAMLINE_MASTER_KEY="$(bl keyset master-key)"
export BEAMLINE_MASTER_KEY
keyset="$work/keys/k.json"
bl keyset create --out "$keyset" >&2

sections() {
  cat <<EOF
ingest:
  input: $parquet
  format: parquet
  splits: {train: 2, eval: 1}
  max_rejected_fraction: 0
validation:
  drift: false
EOF
  flights_transform
}
{ printf 'pipeline:\n  name: enc-bench\n'; sections; } >"$work/yaml/plain.yaml"
{
  printf 'pipeline:\n  name: enc-bench\n'
  printf '  encryption: {keyset: %s, master_key_env: BEAMLINE_MASTER_KEY}\n' "$keyset"
  sections
} >"$work/yaml/encrypted.yaml"

# timed <log> <command...>: runs the command, its output into <log>; prints "<wall s> <CPU s (user+sys)>
# <peak RSS MiB> <CPU s that other processes took meanwhile>".
timed() {
  local log="$1"
  shift
  local start end busy0 busy1
  wait_for_quiet "$quiet_wait"
  rm -f "$log.time"
  busy0="$(machine_busy)"
  start="$(date +%s.%N)"
  /usr/bin/time -f 'peak_rss_kb=%M cpu_s=%U %S' -o "$log.time" "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
  end="$(date +%s.%N)"
  busy1="$(machine_busy)"
  sed -n 's/^peak_rss_kb=\([0-9]*\) cpu_s=\([0-9.]*\) \([0-9.]*\)$/\1 \2 \3/p' "$log.time" |
    awk -v s="$start" -v e="$end" -v b0="$busy0" -v b1="$busy1" '{
      o = b1 - b0 - $2 - $3; printf "%.2f %.2f %d %.1f\n", e - s, $2 + $3, $1 / 1024, o < 0 ? 0 : o }'
}

# One line per run in $cases_file: case|run|wall|cpu|rss|others|ingest|statistics|schema|validate|transform|in-process|du
cases_file="$work/cases.txt"
: >"$cases_file"
stages="ingest statistics schema validate transform"

run_case() {
  local name="$1" run="$2" dir="$work/runs/$1.$2" log="$work/logs/$1.$2.log" measured line s t
  step "$name (run $run of $repeat)"
  rm -rf "$dir"
  measured="$(timed "$log" java "$heap" -jar "$jar" run "$work/yaml/$name.yaml" --pipeline-root "$dir")"
  grep -E '^ *([a-z]+: ran as|[0-9]+ rows|beamline: run)' "$log" >&2
  grep -q "^ *$rows_expected rows (0 rejected)" "$log" || { cat "$log" >&2; echo "$name: expected $rows_expected rows" >&2; exit 1; }
  line="$name|$run|$(echo "$measured" | tr ' ' '|')"
  for s in $stages; do
    t="$(sed -n "s/^  $s: ran as execution #[0-9]* in \([0-9.]*\) s.*/\1/p" "$log")"
    [ -n "$t" ] || { cat "$log" >&2; echo "$name: no time for stage $s" >&2; exit 1; }
    line="$line|$t"
  done
  line="$line|$(sed -n 's/^beamline: run .* finished in \([0-9.]*\) s.*/\1/p' "$log")|$(du -sb "$dir" | cut -f1)"
  echo "$line" >>"$cases_file"
  echo "wall, CPU s, peak RSS MiB, others' CPU s: $measured" >&2
}

for run in $(seq 1 "$repeat"); do
  if [ $((run % 2)) -eq 1 ]; then run_case plain "$run"; run_case encrypted "$run"
  else run_case encrypted "$run"; run_case plain "$run"; fi
done
plain_root="$work/runs/plain.$repeat"
enc_root="$work/runs/encrypted.$repeat"

# The per-stage table: medians over the runs of each case, and encrypted ÷ plain.
table="$(awk -F'|' -v rows="$rows_expected" '
  function median(list,    v, n, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) { t = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  BEGIN { split("process wall s|process CPU s (user+sys)|ingest s|statistics s|schema s|validate s|transform s|run summary \"finished in\" s|peak RSS MiB|CPU s of other processes meanwhile", name, "|")
          split("3 4 7 8 9 10 11 12 5 6", col, " ") }
  { c = $1; for (k = 1; k <= 10; k++) { vals[c, k] = vals[c, k] " " $(col[k]) }; n[c]++ }
  END {
    printf "| measure | plain (median of %d) | encrypted (median of %d) | encrypted ÷ plain | plain, each run | encrypted, each run |\n", n["plain"], n["encrypted"]
    print "|---|---:|---:|---:|---|---|"
    for (k = 1; k <= 10; k++) {
      p = median(vals["plain", k]); e = median(vals["encrypted", k])
      printf "| %s | %.2f | %.2f | %s | %s | %s |\n", name[k], p, e, (p > 0 ? sprintf("%.2f", e / p) : "n/a"), vals["plain", k], vals["encrypted", k]
      if (k == 3) { pi = p; ei = e }
      if (k == 7) { pt = p; et = e }
    }
    printf "| ingest rows/s | %.0f | %.0f | %.2f | | |\n", rows / pi, rows / ei, pi / ei
    printf "| transform rows/s | %.0f | %.0f | %.2f | | |\n", rows / pt, rows / et, pt / et
  }' "$cases_file")"

step "bytes on disk and the plaintext check"
plain_bytes="$(du -sb "$plain_root" | cut -f1)"
enc_bytes="$(du -sb "$enc_root" | cut -f1)"
plain_files="$(find "$plain_root" -type f | wc -l)"
enc_files="$(find "$enc_root" -type f | wc -l)"
blenc_files="$(find "$enc_root" -type f -exec sh -c 'head -c 5 "$1" | grep -q "^BLENC"' _ {} \; -print | wc -l)"
not_blenc="$(find "$enc_root" -type f ! -exec sh -c 'head -c 5 "$1" | grep -q "^BLENC"' _ {} \; -print |
  sed "s|^$enc_root/||; s/[0-9]\{8\}-[0-9]\{6\}-[0-9a-f]\{4\}/<run>/" | sort | tr '\n' ' ')"
# Markers that the plaintext root holds: the first entry of the origin vocabulary (code TAB count), the
# same code quoted as statistics.json writes it, the train split's smallest date as statistics.json writes
# it (µs), the Parquet magic, and a column name (in every Parquet footer; also in the stage parameters
# that metadata.sqlite and the run log record, which are not encrypted).
vocab_line="$(head -1 "$plain_root"/enc-bench/transform/*/vocabularies/origin.tsv)"
top_code="$(printf '%s' "$vocab_line" | cut -f1)"
min_date="$(grep -m1 -o '"min" : [0-9.E]*' "$plain_root"/enc-bench/statistics/*/statistics.json | sed 's/"min" : //')"
checks="$work/plaintext-check.txt"
: >"$checks"
for marker in "$vocab_line" "\"$top_code\"" "$min_date" "PAR1" "destination"; do
  shown="$(printf '%s' "$marker" | sed 's/\t/<TAB>/g')"
  p="$({ grep -rlaF -- "$marker" "$plain_root" || true; } | wc -l)"
  e="$({ grep -rlaF -- "$marker" "$enc_root" || true; } | wc -l)"
  which="$({ grep -rlaF -- "$marker" "$enc_root" || true; } | sed "s|^$enc_root/||; s/[0-9]\{8\}-[0-9]\{6\}-[0-9a-f]\{4\}/<run>/" | sort | tr '\n' ' ')"
  echo "| \`$shown\` | $p | $e | ${which:-none} |" >>"$checks"
done
cat "$checks" >&2

step "keyset rotate, rekey (twice), and the raw-throughput reference"
bl keyset rotate --encryption-keyset "$keyset" --master-key-env BEAMLINE_MASTER_KEY >&2
rekey_bytes="$(du -sb "$enc_root" | cut -f1)"
rekey1="$(timed "$work/logs/rekey.1.log" java "$heap" -jar "$jar" rekey --encryption-keyset "$keyset" \
  --master-key-env BEAMLINE_MASTER_KEY --pipeline-root "$enc_root")"
cat "$work/logs/rekey.1.log" >&2
rekey2="$(timed "$work/logs/rekey.2.log" java "$heap" -jar "$jar" rekey --encryption-keyset "$keyset" \
  --master-key-env BEAMLINE_MASTER_KEY --pipeline-root "$enc_root")"
cat "$work/logs/rekey.2.log" >&2
rekey1_wall="${rekey1%% *}"
rekey2_wall="${rekey2%% *}"
rekey_mbs="$(awk -v b="$rekey_bytes" -v t="$rekey1_wall" 'BEGIN {printf "%.1f", b / 1e6 / t}')"
# Without the fixed cost (JVM start, keyset, walking the root and reading every header): the second
# rekey's wall time taken off.
rekey_net_mbs="$(awk -v b="$rekey_bytes" -v t="$rekey1_wall" -v z="$rekey2_wall" 'BEGIN {printf "%.1f", (t > z ? b / 1e6 / (t - z) : 0)}')"

big="$work/ref/shards.bin"
find "$plain_root" -name '*.parquet' -print0 | sort -z | xargs -0 cat >"$work/ref/once.bin"
once="$(wc -c <"$work/ref/once.bin")"
: >"$big"
while [ "$(wc -c <"$big")" -lt $((256 * 1024 * 1024)) ]; do cat "$work/ref/once.bin" >>"$big"; done
big_bytes="$(wc -c <"$big")"
cat "$big" >/dev/null
best() { # best <command...>: the smallest wall time of 3 runs, in s
  local i s e b=""
  for i in 1 2 3; do
    s="$(date +%s.%N)"; "$@"; e="$(date +%s.%N)"
    b="$(awk -v s="$s" -v e="$e" -v b="$b" 'BEGIN {t = e - s; printf "%.3f", (b == "" || t < b) ? t : b}')"
  done
  echo "$b"
}
cat_s="$(best sh -c "cat '$big' >/dev/null")"
ctr_s="$(best openssl enc -aes-256-ctr -pbkdf2 -pass pass:x -in "$big" -out /dev/null)"
mbs() { awk -v b="$1" -v t="$2" 'BEGIN {printf "%.0f", b / 1e6 / t}'; }
ref_line="cat: $(mbs "$big_bytes" "$cat_s") MB/s; openssl enc -aes-256-ctr: $(mbs "$big_bytes" "$ctr_s") MB/s ($big_bytes bytes: the plaintext root's $(find "$plain_root" -name '*.parquet' | wc -l) Parquet shards, $once bytes, repeated; best of 3, page cache warm, $(openssl version | cut -d' ' -f1-2))"
rm -f "$big" "$work/ref/once.bin"

others="$(awk -F'|' '{o += $6} END {printf "%.0f", o}' "$cases_file")"
step "results"
echo "$table"
echo "rekey: $rekey_bytes bytes in $rekey1_wall s = $rekey_mbs MB/s; second rekey $rekey2_wall s" >&2
echo "$ref_line" >&2

[ "$results" = "none" ] && exit 0
block="$work/results-block.md"
{
  echo "$begin_marker"
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(commit_line "$root")."
  echo
  echo "- Command: \`${BENCH_REPEAT:+BENCH_REPEAT=$repeat }nice -n 10 bench/encryption.sh\`${BENCH_JAR_DIR:+ with \`BENCH_JAR_DIR\` (a built beamline.jar and lib/)} (from the repository root)"
  echo "- Machine: $(machine_line); shared: other processes took $others CPU s in all while the $((2 * repeat)) pipeline runs ran (per run in the table's last row)"
  echo "- Java: $(java_line); \`$heap\`; \`beamline run\` on the DirectRunner, one worker per core"
  echo "- Data: \`flights-3m.parquet\` (vega-datasets 3.2.1, $(wc -c <"$parquet") bytes, $rows_expected rows); ingest (train:eval = 2:1) → statistics → schema → validate → transform, no train"
  echo "- Encryption: \`pipeline.encryption: {keyset, master_key_env: BEAMLINE_MASTER_KEY}\`, Tink streaming AEAD \`AES256_GCM_HKDF_1MB\`"
  echo
  echo "$table"
  echo
  echo "| | plaintext root | encrypted root |"
  echo "|---|---:|---:|"
  echo "| bytes on disk (\`du -sb\`) | $plain_bytes | $enc_bytes ($(awk -v p="$plain_bytes" -v e="$enc_bytes" 'BEGIN {printf "%+.2f%%", (e - p) * 100 / p}')) |"
  echo "| files | $plain_files | $enc_files, $blenc_files of them beginning with the \`BLENC\` header |"
  echo
  echo "Files of the encrypted root not beginning with \`BLENC\`: ${not_blenc:-none}"
  echo
  echo "Plaintext check (files holding each marker; the markers are read from the plaintext root):"
  echo
  echo "| marker | files in the plaintext root | files in the encrypted root | which (encrypted root) |"
  echo "|---|---:|---:|---|"
  cat "$checks"
  echo
  echo "- \`beamline rekey\` after \`beamline keyset rotate\` (the encrypted root of the last run, $rekey_bytes bytes): $rekey1_wall s"
  echo "  (whole process, JVM start included) = **$rekey_mbs MB/s**; run again (every file already under the primary key: headers read only): $rekey2_wall s"
  echo "  (wall s, CPU s, peak RSS MiB, others' CPU s: $rekey1 / $rekey2); the difference, the re-encryption itself:"
  echo "  $rekey_net_mbs MB/s"
  echo "- Reference, same run: $ref_line"
  echo "$end_marker"
} >"$block"
write_section "$results" "$begin_marker" "$end_marker" "$block" "# Encryption at rest (bench/encryption.sh)"
echo "wrote $results" >&2
