#!/usr/bin/env bash
# The bundled Flink 1.19.0 session cluster on this host: one JobManager JVM and N TaskManager JVMs,
# started from jars resolved from Maven Central (flink/cluster-lib.pom.xml; there is no flink-dist
# there). Beamline jobs reach it with: ./beamline run <pipeline.yaml> --runner=flink --flinkMaster=localhost:8081
#
#   flink/cluster.sh start [--taskmanagers N] [--slots S] [--rest-port P] [--tm-memory SIZE] [--dir D]
#   flink/cluster.sh stop   [--dir D]
#   flink/cluster.sh status [--dir D]
#
# start: writes the configuration to D/conf, starts the JVMs (logs in D/log, process ids in D/pid),
# and waits until all N*S task slots are registered with the JobManager (its REST /overview); exit 1,
# with the end of the logs, when they are not within 90 s. Memory is sized the way Flink's own scripts
# size it (BashJavaUtils GET_JM_RESOURCE_PARAMS / GET_TM_RESOURCE_PARAMS from the process sizes).
# TensorFlow, its native library and protobuf are on the TaskManagers' class path and loaded
# parent-first, so TensorFlow's native library is loaded once per TaskManager and any number of
# training jobs can run one after another.
# stop: stops the processes whose ids start recorded (TERM, then KILL after 30 s); nothing else.
# status: the processes and the JobManager's /overview; exit 0 when the JobManager answers, else 1.
#
# Defaults: 2 TaskManagers, 1 slot each, REST port 8081, 4096m per TaskManager (a 2048m TaskManager
# fails Beam's jobs for want of network buffers), D = flink/work. Environment: JAVA_HOME.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd="${1:-}"
[ $# -gt 0 ] && shift
taskmanagers=2
slots=1
rest_port=8081
tm_memory=4096m
jm_memory=1600m
dir="$root/flink/work"
while [ $# -gt 0 ]; do
  case "$1" in
    --taskmanagers) taskmanagers="$2"; shift 2 ;;
    --slots) slots="$2"; shift 2 ;;
    --rest-port) rest_port="$2"; shift 2 ;;
    --tm-memory) tm_memory="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) echo "cluster.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
for n in "$taskmanagers" "$slots" "$rest_port"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "cluster.sh: '$n' is not a positive number" >&2; exit 2; }
done
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
lib="$root/flink/cluster-jars/lib"
tf="$root/flink/cluster-jars/tensorflow"
conf="$dir/conf"
logs="$dir/log"
pids="$dir/pid"

# Java 17 needs these for Flink's and Kryo's reflection (as Flink's own config.yaml sets env.java.opts.all).
java17=(--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED)

# GET on the JobManager's REST API; prints the body, fails when nothing answers. Plain bash, no curl.
rest_get() (
  exec 3<>"/dev/tcp/127.0.0.1/$rest_port" || exit 1
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
  body="$(timeout 5 cat <&3)" || exit 1
  case "$body" in "HTTP/1."?" 200"*) ;; *) exit 1 ;; esac
  printf '%s\n' "${body#*$'\r\n\r\n'}"
) 2>/dev/null

json_number() { grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2 || true; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

resolve_jars() {
  if [ ! -d "$lib" ] || [ ! -d "$tf" ] || [ "$root/flink/cluster-lib.pom.xml" -nt "$lib" ]; then
    echo "cluster.sh: resolving Flink $( [ -d "$lib" ] && echo again || echo ) (mvn -f flink/cluster-lib.pom.xml package) ..." >&2
    rm -rf "$lib" "$tf"
    (cd "$root" && mvn -q -B -Dstyle.color=never -f flink/cluster-lib.pom.xml package) >&2
    touch "$lib"
  fi
}

write_conf() {
  mkdir -p "$conf" "$logs" "$pids"
  cat > "$conf/flink-conf.yaml" <<CONF
jobmanager.rpc.address: localhost
jobmanager.bind-host: localhost
jobmanager.rpc.port: $((rest_port + 100))
rest.address: localhost
rest.bind-address: localhost
rest.port: $rest_port
taskmanager.host: localhost
taskmanager.bind-host: localhost
taskmanager.numberOfTaskSlots: $slots
jobmanager.memory.process.size: $jm_memory
taskmanager.memory.process.size: $tm_memory
taskmanager.memory.network.fraction: 0.3
parallelism.default: 1
classloader.parent-first-patterns.additional: org.tensorflow.;org.bytedeco.;com.google.protobuf.
heartbeat.interval: 5000
heartbeat.timeout: 30000
# A job that cannot get its slots (a TaskManager lost during scheduling) fails after a minute, not five.
slot.request.timeout: 60000
io.tmp.dirs: $dir/tmp
web.tmpdir: $dir/tmp/web
blob.storage.directory: $dir/tmp/blob
# Read by Beamline's client (JobManager REST /jobmanager/config) to name a lost TaskManager's log file.
beamline.cluster.log-dir: $logs
CONF
  cat > "$conf/log4j.properties" <<'CONF'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.fileName = ${sys:log.file}
appender.main.append = true
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.pekko.name = org.apache.pekko
logger.pekko.level = WARN
CONF
  mkdir -p "$dir/tmp"
}

# The JVM options and dynamic properties Flink's BashJavaUtils derives from the configuration.
resource_params() {
  local out
  out="$("$java" -classpath "$lib/*" -Dlog4j2.level=WARN org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$conf" 2>&1)" || {
    echo "cluster.sh: BashJavaUtils $1 failed:" >&2; echo "$out" >&2; exit 1; }
  printf '%s\n' "$out" | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://'
}

launch() { # name main-class classpath jvm-params dynamic-params
  local name="$1" main="$2" cp="$3" jvm="$4" dyn="$5"
  # shellcheck disable=SC2086
  nohup setsid "$java" $jvm "${java17[@]}" -Dlog.file="$logs/$name.log" \
    -Dlog4j.configurationFile="file:$conf/log4j.properties" -classpath "$cp" "$main" \
    --configDir "$conf" $dyn > "$logs/$name.out" 2>&1 < /dev/null &
  echo $! > "$pids/$name.pid"
}

start() {
  if alive "$pids/jobmanager.pid"; then
    echo "cluster.sh: a cluster is already running from $dir (JobManager pid $(cat "$pids/jobmanager.pid")); stop it first" >&2
    exit 1
  fi
  if rest_get /overview >/dev/null 2>&1; then
    echo "cluster.sh: something already answers on port $rest_port; choose another with --rest-port" >&2
    exit 1
  fi
  resolve_jars
  rm -rf "$pids" "$logs" "$dir/tmp"
  write_conf
  local jm tm
  mapfile -t jm < <(resource_params GET_JM_RESOURCE_PARAMS)
  mapfile -t tm < <(resource_params GET_TM_RESOURCE_PARAMS)
  launch jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint "$lib/*" "${jm[0]}" "${jm[1]:-}"
  for i in $(seq 1 "$taskmanagers"); do
    launch "taskmanager-$i" org.apache.flink.runtime.taskexecutor.TaskManagerRunner "$lib/*:$tf/*" "${tm[0]}" "${tm[1]:-} -D taskmanager.resource-id=taskmanager-$i"
  done
  local want=$((taskmanagers * slots)) deadline=$((SECONDS + 90)) overview have
  while :; do
    overview="$(rest_get /overview 2>/dev/null || true)"
    have="$(printf '%s' "$overview" | json_number slots-total)"
    [ "${have:-0}" -eq "$want" ] && break
    for p in "$pids"/*.pid; do
      alive "$p" || { echo "cluster.sh: $(basename "$p" .pid) exited; its log:" >&2; tail -n 30 "$logs/$(basename "$p" .pid).log" "$logs/$(basename "$p" .pid).out" >&2 || true; stop >/dev/null; exit 1; }
    done
    if [ $SECONDS -ge $deadline ]; then
      echo "cluster.sh: only ${have:-0} of $want task slots registered after 90 s; logs in $logs" >&2
      stop >/dev/null
      exit 1
    fi
    sleep 0.5
  done
  echo "cluster.sh: Flink $(printf '%s' "$overview" | grep -o '"flink-version":"[^"]*"' | cut -d'"' -f4) session cluster up: $taskmanagers TaskManagers, $want slots, REST http://localhost:$rest_port; logs in $logs"
}

stop() {
  local p pid stopped=0
  [ -d "$pids" ] || { echo "cluster.sh: no cluster started from $dir"; return 0; }
  for p in "$pids"/*.pid; do
    [ -f "$p" ] || continue
    if alive "$p"; then
      pid="$(cat "$p")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
      stopped=$((stopped + 1))
    fi
    rm -f "$p"
  done
  echo "cluster.sh: stopped $stopped processes started from $dir"
}

status() {
  local p rc=1 overview
  for p in "$pids"/*.pid; do
    [ -f "$p" ] || continue
    if alive "$p"; then echo "$(basename "$p" .pid): running, pid $(cat "$p")"; else echo "$(basename "$p" .pid): not running"; fi
  done
  if overview="$(rest_get /overview 2>/dev/null)" && [ -n "$overview" ]; then
    echo "REST http://localhost:$rest_port/overview: $overview"
    rc=0
  else
    echo "no JobManager answers on port $rest_port"
  fi
  return $rc
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: flink/cluster.sh start|stop|status [--taskmanagers N] [--slots S] [--rest-port P] [--tm-memory SIZE] [--dir D]" >&2; exit 2 ;;
esac
