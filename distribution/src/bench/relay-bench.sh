#!/usr/bin/env bash
# Relay benchmark: Postfix's smtp-source sends to Carrier, Carrier relays to Postfix's smtp-sink, all on
# 127.0.0.1. Workloads: 20,000 messages of 5 KB and 2,000 of 100 KB, 50 concurrent sessions, one message
# per session. For each it prints accepted msg/s (until smtp-source got its last reply), end-to-end msg/s
# (until the sink had them all), CPU ms per message of the MTA (its process tree) and its peak resident memory.
#
# Usage: distribution/src/bench/relay-bench.sh [--postfix] [--quick]
#   --postfix  also run a plain Postfix relay (a private instance under the work folder) through the same steps
#   --quick    a tenth of the messages (a smoke run)
#   env: CARRIER_DIST (default distribution/target/carrier: build it with mvn -q -B -DskipTests package)
#        CARRIER_JAVA_OPTS (JVM options for Carrier; default: those of bin/carrier)
#        BENCH_WORK (default a new folder under /tmp), TMAX=900 (seconds per workload at most)
# Needs: postfix (smtp-source, smtp-sink), python3. Run as root or a user that may run smtp-sink.
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"

WITH_POSTFIX=0; SCALE=1
for a in "$@"; do
  case "$a" in
    --postfix) WITH_POSTFIX=1 ;;
    --quick) SCALE=10 ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
  esac
done
[ -x "$SMTP_SOURCE" ] && [ -x "$SMTP_SINK" ] || fail "smtp-source/smtp-sink missing: apt-get install postfix"
TMAX=${TMAX:-900}
WORKLOADS=("$((20000 / SCALE)) 5120" "$((2000 / SCALE)) 102400")
CONC=50
WORK=${BENCH_WORK:-$(mktemp -d /tmp/carrier-bench.XXXXXX)}
mkdir -p "$WORK" || fail "cannot create the work folder $WORK (BENCH_WORK)"
WORK=$(cd "$WORK" && pwd)
chmod 755 "$WORK" # Postfix's daemons run as user postfix and must reach their queue below it
if [ "$WITH_POSTFIX" = 1 ]; then
  # ... and so must every folder above it (a BENCH_WORK under a private home would fail deep inside Postfix)
  d=$WORK
  while [ "$d" != / ]; do
    d=$(dirname "$d")
    [ "$(stat -c %A "$d" | cut -c10)" = x ] || [ "$(stat -c %A "$d" | cut -c10)" = t ] \
      || fail "Postfix's daemons (user postfix) cannot reach $WORK: $d is not searchable by others; choose another BENCH_WORK"
  done
fi
SINK_PID=; MTA_PIDS=; CARRIER_PID=; PF_CONF=
cleanup() {
  stop_process "$SINK_PID"
  stop_process "$CARRIER_PID"
  [ -n "$PF_CONF" ] && postfix -c "$PF_CONF" stop >/dev/null 2>&1
}
trap cleanup EXIT INT TERM

SINK_PORT=$(free_port)
sink_user=(); [ "$(id -u)" = 0 ] && sink_user=(-u nobody)
"$SMTP_SINK" "${sink_user[@]}" -c 127.0.0.1:"$SINK_PORT" 1024 >"$WORK/sink.count" 2>"$WORK/sink.err" &
SINK_PID=$!
await_port "$SINK_PORT" 10 || fail "smtp-sink did not start: $(cat "$WORK/sink.err")"

# run_workload NAME SMTP_PORT N SIZE: one workload against the MTA whose root pids are in MTA_PIDS
run_workload() {
  local name=$1 port=$2 n=$3 size=$4 before t0 t1 t2 got cpu0 cpu1 pids hz
  hz=$(getconf CLK_TCK)
  before=$(sink_messages "$WORK/sink.count"); before=${before:-0}
  pids=$(for p in $MTA_PIDS; do tree "$p"; done)
  cpu0=$(cpu_ticks $pids)
  t0=$(seconds_now)
  timeout "$TMAX" "$SMTP_SOURCE" -4 -s "$CONC" -m "$n" -l "$size" -f sender@bench.test -t rcpt@relay.test \
    -M bench.test 127.0.0.1:"$port" >"$WORK/source.out" 2>&1 || echo "WARNING: smtp-source: $(tail -1 "$WORK/source.out")"
  t1=$(seconds_now)
  while :; do
    got=$(sink_messages "$WORK/sink.count"); got=$(( ${got:-0} - before ))
    [ "$got" -ge "$n" ] && break
    awk -v a="$t0" -v b="$(seconds_now)" -v m="$TMAX" 'BEGIN { exit !(b - a > m) }' && break
    sleep 0.05
  done
  t2=$(seconds_now)
  pids=$(for p in $MTA_PIDS; do tree "$p"; done)
  cpu1=$(cpu_ticks $pids)
  awk -v name="$name" -v n="$n" -v size="$size" -v got="$got" -v a="$t0" -v b="$t1" -v c="$t2" \
      -v cpu=$((cpu1 - cpu0)) -v hz="$hz" -v rss="$(peak_rss_mb $pids)" 'BEGIN {
    printf "%-8s %6d x %3d KB: accepted %7.0f msg/s, end-to-end %7.0f msg/s (%d of %d at the sink in %.1f s), CPU %.2f ms/msg, peak RSS %d MB\n",
      name, n, size / 1024, n / (b - a), got / (c - a), got, n, c - a, 1000 * cpu / hz / n, rss }'
}

echo "relay benchmark: $CONC sessions, sink 127.0.0.1:$SINK_PORT, work folder $WORK; $(box_load)"
echo "NOTE: other work on this machine (e.g. builds) takes CPU from both MTAs; compare figures of one run."

HOME_DIR=$WORK/carrier
copy_distribution "$HOME_DIR"
SMTP_PORT=$(free_port); HTTP_PORT=$(free_port)
configure_carrier "$HOME_DIR" "$SMTP_PORT" "$HTTP_PORT" "$SINK_PORT"
start_carrier "$HOME_DIR"
await_port "$SMTP_PORT" 120 || fail "Carrier did not start: $(tail -5 "$HOME_DIR/console.log")"
MTA_PIDS=$CARRIER_PID
echo "Carrier (pid $CARRIER_PID, JVM options: $(jvm_options "$CARRIER_PID")) on 127.0.0.1:$SMTP_PORT"
for w in "${WORKLOADS[@]}"; do run_workload carrier "$SMTP_PORT" $w; done
stop_process "$CARRIER_PID"; CARRIER_PID=

if [ "$WITH_POSTFIX" = 1 ]; then
  PF_PORT=$(free_port)
  PF_CONF=$("$(dirname "$(readlink -f "$0")")/postfix-relay.sh" "$WORK/postfix" "$PF_PORT" "$SINK_PORT") || fail "postfix did not start"
  MTA_PIDS=$(tr -dc 0-9 <"$WORK/postfix/queue/pid/master.pid")
  echo "Postfix (master pid $MTA_PIDS) on 127.0.0.1:$PF_PORT"
  for w in "${WORKLOADS[@]}"; do run_workload postfix "$PF_PORT" $w; done
fi
echo "done; $(box_load)"
