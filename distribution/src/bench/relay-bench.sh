#!/usr/bin/env bash
# Relay benchmark in the shapes real mail takes (issue 21), all on loopback, both MTAs in the same run.
# Each shape prints, for Carrier (and Postfix with --postfix): accepted msg/s (until the load generator got its
# last reply), end-to-end msg/s (until the sink had them all), CPU ms per message of the MTA (its process tree)
# and its peak resident memory, then the ratios Carrier / Postfix and each one's fraction of the harness's
# ceiling (the load generator straight into the sink, measured in the same run).
#
# Usage: distribution/src/bench/relay-bench.sh [--shape SHAPE[,SHAPE...]] [--postfix] [--milter] [--quick]
#   --shape    plain (default): 20,000 x 5 KB and 2,000 x 100 KB, 50 sessions, one message per session,
#                smtp-source -> MTA -> smtp-sink
#              milter: plain through one private rspamd's milter (Carrier: filter-milter; Postfix: smtpd_milters)
#              tls: STARTTLS in and out (BenchSmtp.java drives 50 TLS sessions, a TLS sink of its own)
#              dkim: plain, every message DKIM-signed with RSA-2048 (Carrier: filter-dkim; Postfix: OpenDKIM)
#              fanout: 10 recipients a message over 50 domains whose MX records a private nsd serves
#              backlog, idle: backlog-bench.sh and idle-bench.sh next to this script, run with the same options
#              all: plain,tls,dkim,fanout,backlog,idle
#   --postfix  also run a private stock Postfix (under the work folder) through the same steps
#   --milter   the same as --shape milter (kept for the README's older command); implies --postfix
#   --quick    a tenth of the messages (a smoke run)
#   env: CARRIER_DIST (default distribution/target/carrier: build it with mvn -q -B -DskipTests package)
#        CARRIER_JAVA_OPTS (JVM options for Carrier; default: those of bin/carrier)
#        BENCH_WORK (default a new folder under /tmp; created when missing), TMAX=900 (seconds per workload at most)
# Needs: postfix (smtp-source, smtp-sink), python3, java (tls, fanout), openssl (tls), nsd (fanout), opendkim
# (dkim with --postfix), rspamd (milter). Run as root (fanout binds port 25 of 127.0.0.x; Postfix's daemons).
#
# Scripts of other shapes (backlog-bench.sh, idle-bench.sh) are run as
#   BENCH_WORK=<work folder>/<shape> CARRIER_DIST=... bash SCRIPT [--postfix] [--quick]
# and print their own lines; a non-zero exit marks the shape failed. The exit status of this script is 0 when
# every chosen shape ran, 1 otherwise.
set -uo pipefail
BENCH_DIR=$(dirname "$(readlink -f "$0")")
. "$BENCH_DIR/common.sh"

ALL_SHAPES="plain tls dkim fanout backlog idle"
KNOWN_SHAPES="$ALL_SHAPES milter"
usage() { sed -n '2,30p' "$0" >&2; exit 2; }

SHAPES=; WITH_POSTFIX=0; QUICK=0; SCALE=1
add_shapes() {
  local s
  for s in ${1//,/ }; do
    [ "$s" = all ] && { SHAPES="$SHAPES $ALL_SHAPES"; continue; }
    [[ " $KNOWN_SHAPES " == *" $s "* ]] || { echo "unknown shape '$s'; known: $KNOWN_SHAPES all" >&2; usage; }
    [[ " $SHAPES " == *" $s "* ]] || SHAPES="$SHAPES $s"
  done
}
while [ $# -gt 0 ]; do
  case "$1" in
    --shape) [ $# -ge 2 ] || usage; add_shapes "$2"; shift ;;
    --shape=*) add_shapes "${1#--shape=}" ;;
    --postfix) WITH_POSTFIX=1 ;;
    --milter) add_shapes milter; WITH_POSTFIX=1 ;;
    --quick) QUICK=1; SCALE=10 ;;
    *) usage ;;
  esac
  shift
done
SHAPES=${SHAPES:-plain}
[ -x "$SMTP_SOURCE" ] && [ -x "$SMTP_SINK" ] || fail "smtp-source/smtp-sink missing: apt-get install postfix"
TMAX=${TMAX:-900}
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

# --- what a shape starts, stopped when it ends (each shape runs in its own subshell with this trap) ---
STARTED_PIDS=; POSTFIX_CONFS=; CARRIER_PID=
remember_pid() { STARTED_PIDS="$1 $STARTED_PIDS"; }
shape_cleanup() {
  local p c
  for p in $CARRIER_PID $STARTED_PIDS; do stop_process "$p"; done
  for c in $POSTFIX_CONFS; do postfix -c "$c" stop >/dev/null 2>&1; done
}

# start_sink NAME [ADDRESS:PORT] -> an smtp-sink counting messages into $WORK/NAME.count; sets SINK_PORT
start_sink() {
  local name=$1 listen=${2:-} pid sink_user=()
  [ -n "$listen" ] || { SINK_PORT=$(free_port); listen=127.0.0.1:$SINK_PORT; }
  [ "$(id -u)" = 0 ] && sink_user=(-u nobody)
  "$SMTP_SINK" "${sink_user[@]}" -c "$listen" 1024 >"$WORK/$name.count" 2>"$WORK/$name.err" &
  pid=$!
  remember_pid "$pid"
  SINK_PID=$pid
}

# counted FILE... -> the sum of the message counts the sinks printed into FILE...
counted() {
  local f v total=0
  for f in "$@"; do v=$(sink_messages "$f"); total=$((total + ${v:-0})); done
  echo "$total"
}

# drive_smtp_source PORT N SIZE: the default load generator, Postfix's smtp-source (a driver stops after TMAX)
drive_smtp_source() {
  timeout "$TMAX" "$SMTP_SOURCE" -4 -s "$CONC" -m "$2" -l "$3" -f sender@bench.test -t rcpt@relay.test -M bench.test 127.0.0.1:"$1"
}

# Set by each shape: the load generator (a function taking PORT N SIZE), the sinks' count files, the deliveries
# each message makes at the sinks, and the pids whose process trees are the MTA under test.
DRIVER=drive_smtp_source; SINK_FILES=; PER_MESSAGE=1; MTA_PIDS=; SIDE_PIDS=; SIDE_NAME=

# run_workload SHAPE NAME SMTP_PORT N SIZE: one workload against MTA_PIDS; one line, and one in $WORK/results
run_workload() {
  local shape=$1 name=$2 port=$3 n=$4 size=$5 before t0 t1 t2 got cpu0 cpu1 pids hz side0=0 side1=0 want
  hz=$(getconf CLK_TCK)
  want=$((n * PER_MESSAGE))
  before=$(counted $SINK_FILES)
  pids=$(for p in $MTA_PIDS; do tree "$p"; done)
  cpu0=$(cpu_ticks $pids)
  [ -n "$SIDE_PIDS" ] && side0=$(cpu_ticks $(for p in $SIDE_PIDS; do tree "$p"; done))
  t0=$(seconds_now)
  "$DRIVER" "$port" "$n" "$size" >"$WORK/driver.out" 2>&1 || echo "WARNING: $DRIVER: $(tail -1 "$WORK/driver.out")"
  t1=$(seconds_now)
  while :; do
    got=$(( $(counted $SINK_FILES) - before ))
    [ "$got" -ge "$want" ] && break
    awk -v a="$t0" -v b="$(seconds_now)" -v m="$TMAX" 'BEGIN { exit !(b - a > m) }' && break
    sleep 0.05
  done
  t2=$(seconds_now)
  pids=$(for p in $MTA_PIDS; do tree "$p"; done)
  cpu1=$(cpu_ticks $pids)
  [ -n "$SIDE_PIDS" ] && side1=$(cpu_ticks $(for p in $SIDE_PIDS; do tree "$p"; done))
  [ "$got" -ge "$want" ] || echo "WARNING: $name: only $got of $want deliveries reached the sink within ${TMAX} s"
  awk -v shape="$shape" -v name="$name" -v n="$n" -v size="$size" -v got="$got" -v want="$want" -v per="$PER_MESSAGE" \
      -v a="$t0" -v b="$t1" -v c="$t2" -v cpu=$((cpu1 - cpu0)) -v hz="$hz" -v rss="$(peak_rss_mb $pids)" \
      -v results="$WORK/results" 'BEGIN {
    e2e = got / per / (c - a)
    printf "%-8s %6d x %3d KB: accepted %7.0f msg/s, end-to-end %7.0f msg/s (%d of %d at the sink in %.1f s), CPU %.2f ms/msg, peak RSS %d MB\n",
      name, n, size / 1024, n / (b - a), e2e, got, want, c - a, 1000 * cpu / hz / n, rss
    printf "%s %s %d %d %.3f %.4f %d\n", shape, name, n, size, e2e, 1000 * cpu / hz / n, rss >>results }'
  if [ -n "$SIDE_PIDS" ]; then
    awk -v name="$name" -v side="$SIDE_NAME" -v n="$n" -v cpu=$((side1 - side0)) -v hz="$hz" \
        -v rss="$(peak_rss_mb $(for p in $SIDE_PIDS; do tree "$p"; done))" 'BEGIN {
      printf "%-8s   %s for it: CPU %.2f ms/msg, peak RSS %d MB (since it started)\n", name, side, 1000 * cpu / hz / n, rss }'
  fi
}

# print_ratios SHAPE: per workload of the shape, Carrier / Postfix end to end and CPU, and each MTA's fraction of
# the ceiling (when the shape measured one)
print_ratios() {
  awk -v shape="$1" '$1 == shape { key = $3 " x " int($4 / 1024) " KB"; e2e[$2, key] = $5; cpu[$2, key] = $6
      if (!(key in seen)) { seen[key] = 1; keys[++k] = key } }
    END {
      for (i = 1; i <= k; i++) {
        key = keys[i]; line = sprintf("%-6s %s:", shape, key)
        if (("ceiling", key) in e2e && e2e["ceiling", key] > 0) {
          line = line sprintf(" ceiling %.0f msg/s; Carrier at %.0f%%", e2e["ceiling", key], 100 * e2e["carrier", key] / e2e["ceiling", key])
          if (("postfix", key) in e2e) line = line sprintf(", Postfix at %.0f%%", 100 * e2e["postfix", key] / e2e["ceiling", key])
          line = line ";"
        }
        if (("postfix", key) in e2e && e2e["postfix", key] > 0 && cpu["carrier", key] > 0)
          line = line sprintf(" end to end Carrier / Postfix %.1fx, CPU per message Postfix / Carrier %.1fx",
            e2e["carrier", key] / e2e["postfix", key], cpu["postfix", key] / cpu["carrier", key])
        print line
      }
    }' "$WORK/results"
}

# workloads: the plain relay's two sizes, a tenth of them with --quick
WORKLOADS=("$((20000 / SCALE)) 5120" "$((2000 / SCALE)) 102400")

# start_bench_carrier HOME SINK_PORT [ROUTE_LINES]: a fresh copy of the distribution with a relay.test route to the
# sink; the caller may add files under HOME/config and HOME/deploy before calling start_carrier_and_wait
prepare_bench_carrier() {
  copy_distribution "$1"
  CARRIER_SMTP_PORT=$(free_port)
  configure_carrier "$1" "$CARRIER_SMTP_PORT" "$(free_port)" "$2"
}
start_carrier_and_wait() {
  start_carrier "$1"
  await_port "$CARRIER_SMTP_PORT" 120 || fail "Carrier did not start: $(tail -5 "$1/console.log")"
  MTA_PIDS=$CARRIER_PID
  echo "Carrier (pid $CARRIER_PID, JVM options: $(jvm_options "$CARRIER_PID")) on 127.0.0.1:$CARRIER_SMTP_PORT"
}
stop_bench_carrier() { stop_process "$CARRIER_PID"; CARRIER_PID=; }

# start_bench_postfix BASE SINK_PORT [MILTER]: a private Postfix relaying to the sink; sets POSTFIX_PORT, MTA_PIDS
start_bench_postfix() {
  local conf
  POSTFIX_PORT=$(free_port)
  conf=$("$BENCH_DIR/postfix-relay.sh" "$1" "$POSTFIX_PORT" "$2" "${3:-}") || fail "postfix did not start"
  POSTFIX_CONFS="$conf $POSTFIX_CONFS"
  MTA_PIDS=$(tr -dc 0-9 <"$1/queue/pid/master.pid")
  echo "Postfix (master pid $MTA_PIDS) on 127.0.0.1:$POSTFIX_PORT; its settings beyond the stock ones:"
  postconf -c "$conf" -n | sed 's/^/    /'
}
stop_bench_postfix() {
  local c
  for c in $POSTFIX_CONFS; do postfix -c "$c" stop >/dev/null 2>&1; done
  POSTFIX_CONFS=
}

# --- shapes ---

shape_plain() {
  start_sink plain
  await_port "$SINK_PORT" 10 || fail "smtp-sink did not start: $(cat "$WORK/plain.err")"
  SINK_FILES=$WORK/plain.count
  echo "plain relay: smtp-source, $CONC sessions, one message each -> MTA -> smtp-sink on 127.0.0.1:$SINK_PORT"
  # the harness's ceiling: smtp-source straight into smtp-sink (its CPU is the sink's)
  MTA_PIDS=$SINK_PID
  for w in "${WORKLOADS[@]}"; do run_workload plain ceiling "$SINK_PORT" $w; done
  prepare_bench_carrier "$WORK/plain/carrier" "$SINK_PORT"
  start_carrier_and_wait "$WORK/plain/carrier"
  for w in "${WORKLOADS[@]}"; do run_workload plain carrier "$CARRIER_SMTP_PORT" $w; done
  stop_bench_carrier
  if [ "$WITH_POSTFIX" = 1 ]; then
    start_bench_postfix "$WORK/plain/postfix" "$SINK_PORT"
    for w in "${WORKLOADS[@]}"; do run_workload plain postfix "$POSTFIX_PORT" $w; done
    stop_bench_postfix
  fi
  print_ratios plain
}

shape_milter() {
  local rspamd_port milter
  start_sink milter
  await_port "$SINK_PORT" 10 || fail "smtp-sink did not start: $(cat "$WORK/milter.err")"
  SINK_FILES=$WORK/milter.count
  rspamd_port=$(free_port)
  start_rspamd "$WORK/milter/rspamd" "$rspamd_port"
  remember_pid "$RSPAMD_PID"
  milter=inet:127.0.0.1:$rspamd_port
  echo "relay through rspamd's milter: rspamd (pid $RSPAMD_PID, proxy worker in milter mode) on $milter;" \
    "MTA CPU is the MTA's process tree only, rspamd's is printed apart"
  SIDE_PIDS=$RSPAMD_PID; SIDE_NAME=rspamd
  prepare_bench_carrier "$WORK/milter/carrier" "$SINK_PORT"
  cp "$WORK/milter/carrier/extras/org.carrier.filter.milter.jar" "$WORK/milter/carrier/deploy/" \
    || fail "no filter-milter jar in $WORK/milter/carrier/extras"
  printf 'address = %s\n' "$milter" >"$WORK/milter/carrier/config/org.carrier.filter.milter-rspamd.cfg"
  start_carrier_and_wait "$WORK/milter/carrier"
  await_gtube_rejected "$CARRIER_SMTP_PORT" 60 \
    || fail "Carrier does not pass mail to rspamd: GTUBE got $(gtube_reply "$CARRIER_SMTP_PORT")"
  sleep 2 # a probe accepted before the filter started has reached the sink before the first workload counts
  for w in "${WORKLOADS[@]}"; do run_workload milter carrier "$CARRIER_SMTP_PORT" $w; done
  stop_bench_carrier
  if [ "$WITH_POSTFIX" = 1 ]; then
    start_bench_postfix "$WORK/milter/postfix" "$SINK_PORT" "$milter"
    await_gtube_rejected "$POSTFIX_PORT" 60 \
      || fail "Postfix does not pass mail to rspamd: GTUBE got $(gtube_reply "$POSTFIX_PORT")"
    for w in "${WORKLOADS[@]}"; do run_workload milter postfix "$POSTFIX_PORT" $w; done
    stop_bench_postfix
  fi
  print_ratios milter
}

shape_tls() { fail "shape tls: not built yet"; }
shape_dkim() { fail "shape dkim: not built yet"; }
shape_fanout() { fail "shape fanout: not built yet"; }

# shapes of their own scripts (backlog-bench.sh, idle-bench.sh): the same options, a work folder below ours
run_script_shape() {
  local shape=$1 script=$BENCH_DIR/$1-bench.sh args=()
  [ -f "$script" ] || fail "shape $shape: $(basename "$script") is not there"
  [ "$WITH_POSTFIX" = 1 ] && args+=(--postfix)
  [ "$QUICK" = 1 ] && args+=(--quick)
  mkdir -p "$WORK/$shape"
  BENCH_WORK=$WORK/$shape CARRIER_DIST=$BENCH_DIST TMAX=$TMAX bash "$script" "${args[@]}"
}
shape_backlog() { run_script_shape backlog; }
shape_idle() { run_script_shape idle; }

MTAS="Carrier only"; [ "$WITH_POSTFIX" = 1 ] && MTAS="Carrier and Postfix"
echo "relay benchmark: shapes$SHAPES ($MTAS), work folder $WORK; $(box_load)"
echo "NOTE: other work on this machine (e.g. builds) takes CPU from both MTAs; compare figures of one run."
: >"$WORK/results"
FAILED=; SHAPE_PID=
trap '[ -n "$SHAPE_PID" ] && kill -TERM "$SHAPE_PID" 2>/dev/null && wait "$SHAPE_PID"; exit 143' INT TERM
for s in $SHAPES; do
  echo "== shape $s"
  (trap shape_cleanup EXIT; trap 'exit 143' INT TERM; "shape_$s") &
  SHAPE_PID=$!
  wait "$SHAPE_PID" || { FAILED="$FAILED $s"; echo "== shape $s FAILED"; }
  SHAPE_PID=
done
echo "done; $(box_load)"
[ -z "$FAILED" ] || { echo "failed shapes:$FAILED"; exit 1; }
