# Shell functions the benchmark scripts share; sourced, not run: `. "$here/lib.sh"`.

step() { printf '\n== %s\n' "$*" >&2; }

# build_bench <repository root> <classes folder>: builds Beamline (mvn package -DskipTests, offline
# first) and compiles every class of bench/src into the (emptied) classes folder, against the runner's
# jar and its libraries. Run the classes with -cp "<classes>:$root/runner/target/beamline.jar:$root/runner/target/lib/*".
build_bench() {
  local root="$1" classes="$2"
  step "build (mvn package -DskipTests, then javac bench/src)"
  (cd "$root" && { mvn -q -B -o package -DskipTests || mvn -q -B package -DskipTests; }) >&2
  rm -rf "$classes"
  mkdir -p "$classes"
  find "$root/bench/src" -name '*.java' -print0 |
    xargs -0 javac --release 17 -nowarn -d "$classes" -cp "$root/runner/target/beamline.jar:$root/runner/target/lib/*"
}

# The busy CPU seconds of the whole machine so far (user, nice, system, irq, softirq, steal).
machine_busy() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / {printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / hz}' /proc/stat; }

# wait_for_quiet <seconds>: waits, at most that long, until other processes use less than a quarter
# of a core (the cases share the machine's cores with whatever else runs on it).
wait_for_quiet() {
  local limit="$1" waited=0 b0 b1
  while [ "$waited" -lt "$limit" ]; do
    b0="$(machine_busy)"
    sleep 1
    b1="$(machine_busy)"
    awk -v a="$b0" -v b="$b1" 'BEGIN {exit !(b - a < 0.25)}' && return 0
    waited=$((waited + 1))
  done
  echo "the machine is still busy after ${limit} s; running anyway" >&2
}

# The machine and the JVM, one line each, for a results section.
machine_line() {
  local cpu mem
  cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)"
  mem="$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null)"
  echo "$(nproc) cores${cpu:+ ($cpu)}, ${mem:-unknown memory}; $(uname -sr)"
}
java_line() { java -version 2>&1 | awk 'NR <= 2 {printf "%s%s", (NR > 1 ? "; " : ""), $0}'; }

# commit_line <repository root>: the commit, and whether files outside bench/RESULTS.md differ from it.
commit_line() {
  local commit dirty
  commit="$(cd "$1" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  dirty="$(cd "$1" && git status --porcelain -- . ':!bench/RESULTS.md' 2>/dev/null || true)"
  echo "\`$commit\`${dirty:+ (with uncommitted changes)}"
}

# write_section <results file> <begin marker line> <end marker line> <block file> <heading if new>:
# replaces the lines from the begin marker to the end marker with the block file (which holds both
# markers); without the markers, appends the heading and the block. The rest of the file stays.
write_section() {
  local results="$1" begin="$2" end="$3" block="$4" heading="$5" tmp
  [ -f "$results" ] || printf '# Beamline benchmarks\n' >"$results"
  tmp="$(mktemp "$results.XXXXXX")"
  if grep -q "^$begin" "$results"; then
    awk -v block="$block" -v b="$begin" -v e="$end" '
      index($0, b) == 1 { while ((getline line < block) > 0) print line; skip = 1; next }
      skip && index($0, e) == 1 { skip = 0; next }
      !skip { print }' "$results" >"$tmp"
  else
    { cat "$results"; printf '\n%s\n\n' "$heading"; cat "$block"; } >"$tmp"
  fi
  mv "$tmp" "$results"
}

# penguins_sections <penguins.csv>: the ingest: and transform: sections of examples/privacy/pipeline.yaml
# for that file, as YAML text (the penguins benchmarks add their own pipeline: and train: sections).
penguins_sections() {
  cat <<EOF
ingest:
  input: $1
  format: csv
  csv: {delimiter: ",", header: true, null_values: [""]}
  splits: {train: 2, eval: 1}
  max_rejected_fraction: 0
transform:
  features:
    species: {vocabulary: {oov_buckets: 0}}
    island: {vocabulary: {}, encode: one_hot}
    sex: {vocabulary: {}, encode: one_hot}
    culmen_length_mm: {scale: z_score}
    culmen_depth_mm: {scale: z_score}
    flipper_length_mm: {scale: z_score}
    body_mass_g: {scale: z_score}
EOF
}

# flights_transform: the transform: section of the flights benchmarks (delayed = delay > 15; distance
# z-scored; origin and destination with full vocabularies, one OOV bucket; the hour of departure), written
# once for federated.sh and encryption.sh.
flights_transform() {
  cat <<'EOF'
transform:
  features:
    delayed: {input: delay, binarize: 15}
    distance: {scale: z_score}
    origin: {vocabulary: {oov_buckets: 1}}
    destination: {vocabulary: {oov_buckets: 1}}
    hour: {input: date, time_part: hour_of_day}
EOF
}

# resolve_jar_dir: sets jar_dir to the folder of beamline.jar and lib/: $jar_dir as given (BENCH_JAR_DIR,
# made absolute; no build), or, when empty, runner/target after build_bench "$root" "$classes".
resolve_jar_dir() {
  if [ -z "$jar_dir" ]; then
    build_bench "$root" "$classes"
    jar_dir="$root/runner/target"
  else
    jar_dir="$(cd "$jar_dir" && pwd)"
    step "using $jar_dir (BENCH_JAR_DIR: no Maven build)"
  fi
}
