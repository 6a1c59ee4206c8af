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

# The private rspamd of the tests (test-support/fixtures' rspamd/ resources, the same files the Java fixture
# org.carrier.testing.Rspamd writes out): its proxy worker in milter mode on 127.0.0.1:PORT, its state under DIR.
RSPAMD_CONF_SOURCE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/test-support/fixtures/src/main/resources/rspamd

# start_rspamd DIR PORT -> sets RSPAMD_PID once it accepts connections (a cold start compiles for about 20 s)
start_rspamd() {
  local dir=$1 port=$2 dns f
  [ -x /usr/bin/rspamd ] || fail "rspamd missing: apt-get install rspamd"
  dns=$(free_port)
  mkdir -p "$dir"/{db,run,log,tmp,cache}
  for f in rspamd.conf override.d/options.inc local.d/milter_headers.conf; do
    mkdir -p "$(dirname "$dir/$f")"
    sed -e "s|@PORT@|$port|g" -e "s|@DNS@|$dns|g" -e "s|@DIR@|$dir|g" -e "s|@CACHE@|$dir/cache|g" \
      "$RSPAMD_CONF_SOURCE/$f" >"$dir/$f"
  done
  /usr/bin/rspamd -f -i -c "$dir/rspamd.conf" --var=LOCAL_CONFDIR="$dir" --var=DBDIR="$dir/db" \
    --var=RUNDIR="$dir/run" --var=LOGDIR="$dir/log" >"$dir/rspamd.out" 2>&1 &
  RSPAMD_PID=$!
  await_port "$port" 120 || fail "rspamd did not start: $(tail -5 "$dir/log/rspamd.log" "$dir/rspamd.out")"
}

# gtube_reply PORT -> the reply to a message holding the GTUBE line (rspamd's milter rejects it: 554 5.7.1)
gtube_reply() {
  python3 - "$1" <<'PY'
import smtplib, sys
body = "Subject: gtube probe\r\n\r\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n"
try:
    with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30) as s:
        s.sendmail("probe@bench.test", ["rcpt@relay.test"], body)
        print("250")
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode(errors="replace"))
except Exception as e:
    print("error", e)
PY
}

# await_gtube_rejected PORT SECONDS: until the MTA on PORT passes mail to rspamd (a jar in deploy/ starts after the
# listener); 0 once a GTUBE probe got 554
await_gtube_rejected() {
  local i
  for ((i = 0; i < $2; i++)); do
    case "$(gtube_reply "$1")" in 554*) return 0 ;; esac
    sleep 1
  done
  return 1
}

# what else runs on this box: the load average and the busiest other processes
box_load() {
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
}
