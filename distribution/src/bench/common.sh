# Helpers shared by the Carrier benchmarks (sourced). Loopback only: every address used is 127.0.0.1.

BENCH_DIST=${CARRIER_DIST:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/target/carrier}
SMTP_SOURCE=${SMTP_SOURCE:-/usr/sbin/smtp-source}
SMTP_SINK=${SMTP_SINK:-/usr/sbin/smtp-sink}

fail() { echo "$(basename "$0"): $*" >&2; exit 2; }

# A TCP port nobody listens on (the kernel picks it; it stays free until someone binds it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# listening PORT -> 0 once something accepts on 127.0.0.1:PORT
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# await_port PORT SECONDS
await_port() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do listening "$1" && return 0; sleep 0.1; done
  return 1
}

seconds_now() { date +%s.%N; }

# cpu_ticks PID... -> user+system CPU ticks of the processes and of the children they reaped
cpu_ticks() {
  local p total=0 t
  for p in "$@"; do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo "$total"
}

# tree PID -> the pid and all its descendants
tree() {
  local p=$1 c
  echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done
}

# peak_rss_mb PID... -> sum of the processes' peak resident memory (VmHWM) in MB
peak_rss_mb() {
  local p kb=0 v
  for p in "$@"; do
    v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
    kb=$((kb + ${v:-0}))
  done
  echo $((kb / 1024))
}

# sink_messages FILE -> the message count smtp-sink -c last printed
sink_messages() {
  local v
  v=$(tail -c 300 "$1" 2>/dev/null | tr '\r' '\n' | grep -o 'mesg=[0-9]*' | tail -1)
  echo "${v#mesg=}"
}

# copy_distribution TARGET: a fresh copy of the built distribution without the state of earlier runs
copy_distribution() {
  [ -x "$BENCH_DIST/bin/carrier" ] || fail "no distribution at $BENCH_DIST: run 'mvn -q -B -DskipTests package' first"
  mkdir -p "$1"
  (cd "$BENCH_DIST" && tar --exclude=./data --exclude=./logs -cf - .) | (cd "$1" && tar -xf -)
}

# configure_carrier HOME SMTP_PORT HTTP_PORT SINK_PORT: listener, console and a relay.test route to the sink
configure_carrier() {
  sed -i "s/^port = .*/port = $2/" "$1/config/org.carrier.smtp.listener-default.cfg"
  sed -i "s/^org.osgi.service.http.port=.*/org.osgi.service.http.port=$3/" "$1/conf/felix.properties"
  printf 'name = bench\ndomains = relay.test\ntransport = smtp\nnextHops = 127.0.0.1:%s\norder = 100\n' "$4" \
    >"$1/config/org.carrier.route-bench.cfg"
}

# start_carrier HOME -> sets CARRIER_PID (bin/carrier execs the JVM, so this is the JVM's pid)
start_carrier() {
  (cd "$1" && exec bin/carrier </dev/null >"$1/console.log" 2>&1) &
  CARRIER_PID=$!
}

# jvm_options PID -> the -X options the JVM runs with (bin/carrier's defaults or CARRIER_JAVA_OPTS)
jvm_options() {
  tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep '^-X' | tr '\n' ' '
}

# stop_process PID: TERM, then KILL after 20 s; only that pid
stop_process() {
  local i
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 0
  kill "$1" 2>/dev/null
  for ((i = 0; i < 200; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

# what else runs on this box: the load average and the busiest other processes
box_load() {
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
}
