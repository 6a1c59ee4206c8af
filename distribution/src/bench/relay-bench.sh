#!/usr/bin/env bash
# Relay benchmark: Postfix's smtp-source sends to Carrier, Carrier relays to Postfix's smtp-sink, all on
# 127.0.0.1. Workloads: 20,000 messages of 5 KB and 2,000 of 100 KB, 50 concurrent sessions, one message
# per session. For each it prints accepted msg/s (until smtp-source got its last reply), end-to-end msg/s
# (until the sink had them all), CPU ms per message of the MTA (its process tree) and its peak resident memory.
#
# Usage: distribution/src/bench/relay-bench.sh [--postfix] [--milter] [--quick]
#   --postfix  also run a plain Postfix relay (a private instance under the work folder) through the same steps
#   --milter   the shape "relay through rspamd's milter": one private rspamd (proxy worker, milter mode) scans for
#              Carrier (filter-milter deployed, org.carrier.filter.milter-rspamd.cfg) and then for Postfix
#              (smtpd_milters); implies --postfix. MTA CPU is the MTA's process tree only; rspamd's is printed apart.
#   --quick    a tenth of the messages (a smoke run)
#   env: CARRIER_DIST (default distribution/target/carrier: build it with mvn -q -B -DskipTests package)
#        CARRIER_JAVA_OPTS (JVM options for Carrier; default: those of bin/carrier)
#        BENCH_WORK (default a new folder under /tmp), TMAX=900 (seconds per workload at most)
# Needs: postfix (smtp-source, smtp-sink), python3, for --milter rspamd. Run as root or a user that may run smtp-sink.
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"

WITH_POSTFIX=0; WITH_MILTER=0; SCALE=1
for a in "$@"; do
  case "$a" in
    --postfix) WITH_POSTFIX=1 ;;
    --milter) WITH_MILTER=1; WITH_POSTFIX=1 ;;
    --quick) SCALE=10 ;;
    *) sed -n '2,18p' "$0"; exit 2 ;;
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
SINK_PID=; MTA_PIDS=; CARRIER_PID=; PF_CONF=; RSPAMD_PID=
cleanup() {
  stop_process "$SINK_PID"
  stop_process "$RSPAMD_PID"
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
  local name=$1 port=$2 n=$3 size=$4 before t0 t1 t2 got cpu0 cpu1 pids hz scan0=0 scan1=0
  hz=$(getconf CLK_TCK)
  before=$(sink_messages "$WORK/sink.count"); before=${before:-0}
  pids=$(for p in $MTA_PIDS; do tree "$p"; done)
  cpu0=$(cpu_ticks $pids)
  [ -n "$RSPAMD_PID" ] && scan0=$(cpu_ticks $(tree "$RSPAMD_PID"))
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
  [ -n "$RSPAMD_PID" ] && scan1=$(cpu_ticks $(tree "$RSPAMD_PID"))
  awk -v name="$name" -v n="$n" -v size="$size" -v got="$got" -v a="$t0" -v b="$t1" -v c="$t2" \
      -v cpu=$((cpu1 - cpu0)) -v hz="$hz" -v rss="$(peak_rss_mb $pids)" 'BEGIN {
    printf "%-8s %6d x %3d KB: accepted %7.0f msg/s, end-to-end %7.0f msg/s (%d of %d at the sink in %.1f s), CPU %.2f ms/msg, peak RSS %d MB\n",
      name, n, size / 1024, n / (b - a), got / (c - a), got, n, c - a, 1000 * cpu / hz / n, rss }'
  if [ -n "$RSPAMD_PID" ]; then
    awk -v name="$name" -v n="$n" -v cpu=$((scan1 - scan0)) -v hz="$hz" -v rss="$(peak_rss_mb $(tree "$RSPAMD_PID"))" 'BEGIN {
      printf "%-8s   rspamd for it: CPU %.2f ms/msg, peak RSS %d MB (since rspamd started)\n", name, 1000 * cpu / hz / n, rss }'
  fi
}

echo "relay benchmark: $CONC sessions, sink 127.0.0.1:$SINK_PORT, work folder $WORK; $(box_load)"
echo "NOTE: other work on this machine (e.g. builds) takes CPU from both MTAs; compare figures of one run."

MILTER=
if [ "$WITH_MILTER" = 1 ]; then
  RSPAMD_PORT=$(free_port)
  start_rspamd "$WORK/rspamd" "$RSPAMD_PORT"
  MILTER=inet:127.0.0.1:$RSPAMD_PORT
  echo "rspamd (pid $RSPAMD_PID, proxy worker in milter mode) on $MILTER"
fi

HOME_DIR=$WORK/carrier
copy_distribution "$HOME_DIR"
SMTP_PORT=$(free_port); HTTP_PORT=$(free_port)
configure_carrier "$HOME_DIR" "$SMTP_PORT" "$HTTP_PORT" "$SINK_PORT"
if [ -n "$MILTER" ]; then
  cp "$HOME_DIR/extras/org.carrier.filter.milter.jar" "$HOME_DIR/deploy/" || fail "no filter-milter jar in $HOME_DIR/extras"
  printf 'address = %s\n' "$MILTER" >"$HOME_DIR/config/org.carrier.filter.milter-rspamd.cfg"
fi
start_carrier "$HOME_DIR"
await_port "$SMTP_PORT" 120 || fail "Carrier did not start: $(tail -5 "$HOME_DIR/console.log")"
MTA_PIDS=$CARRIER_PID
echo "Carrier (pid $CARRIER_PID, JVM options: $(jvm_options "$CARRIER_PID")) on 127.0.0.1:$SMTP_PORT"
if [ -n "$MILTER" ]; then
  await_gtube_rejected "$SMTP_PORT" 60 || fail "Carrier does not pass mail to rspamd: GTUBE got $(gtube_reply "$SMTP_PORT")"
  sleep 2 # a probe accepted before the filter started has reached the sink before the first workload counts
fi
for w in "${WORKLOADS[@]}"; do run_workload carrier "$SMTP_PORT" $w; done
stop_process "$CARRIER_PID"; CARRIER_PID=

if [ "$WITH_POSTFIX" = 1 ]; then
  PF_PORT=$(free_port)
  PF_CONF=$("$(dirname "$(readlink -f "$0")")/postfix-relay.sh" "$WORK/postfix" "$PF_PORT" "$SINK_PORT" "$MILTER") || fail "postfix did not start"
  MTA_PIDS=$(tr -dc 0-9 <"$WORK/postfix/queue/pid/master.pid")
  echo "Postfix (master pid $MTA_PIDS) on 127.0.0.1:$PF_PORT${MILTER:+, smtpd_milters = $MILTER}"
  if [ -n "$MILTER" ]; then
    await_gtube_rejected "$PF_PORT" 60 || fail "Postfix does not pass mail to rspamd: GTUBE got $(gtube_reply "$PF_PORT")"
  fi
  for w in "${WORKLOADS[@]}"; do run_workload postfix "$PF_PORT" $w; done
fi
echo "done; $(box_load)"
