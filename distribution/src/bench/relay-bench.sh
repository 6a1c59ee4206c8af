#!/usr/bin/env bash
# Relay benchmark in the shapes real mail takes (issue 21), all on loopback, both MTAs in the same run.
# Each shape prints, for Carrier (and Postfix with --postfix): accepted msg/s (until the load generator got its
# last reply), end-to-end msg/s (until the sink had them all), CPU ms per message of the MTA (its process tree)
# and its peak resident memory, then the ratios Carrier / Postfix and each one's fraction of the harness's
# ceiling (the load generator straight into the sink, measured in the same run).
#
# Usage: distribution/src/bench/relay-bench.sh [--shape SHAPE[,SHAPE...]] [--postfix] [--milter] [--quick]
#   --shape    plain (default): 20,000 x 5 KB and 10,000 x 100 KB, 50 sessions, one message per session,
#                smtp-source -> MTA -> smtp-sink
#              milter: plain through one private rspamd's milter (Carrier: filter-milter; Postfix: smtpd_milters)
#              cluster: plain through filter-ratelimit, a single node then with a private redis-server (Carrier only)
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
# (dkim with --postfix), rspamd (milter), redis-server (cluster). Run as root (fanout binds port 25 of 127.0.0.x; Postfix's daemons).
#
# Scripts of other shapes (backlog-bench.sh, idle-bench.sh) are run as
#   BENCH_WORK=<work folder>/<shape> CARRIER_DIST=... bash SCRIPT [--postfix] [--quick]
# and print their own lines; a non-zero exit marks the shape failed. The exit status of this script is 0 when
# every chosen shape ran, 1 otherwise.
set -uo pipefail
BENCH_DIR=$(dirname "$(readlink -f "$0")")
. "$BENCH_DIR/common.sh"

ALL_SHAPES="plain tls dkim fanout backlog idle"
KNOWN_SHAPES="$ALL_SHAPES milter cluster"
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
SHAPES=${SHAPES:- plain}
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

# counted FILE... -> the sum of the message counts the sinks printed into FILE... (the last mesg=N of each); three
# processes however many sinks, as it runs every 50 ms while the MTA works
counted() {
  tail -c 100 "$@" 2>/dev/null | tr '\r' '\n' | awk '
    /^==> / { total += last; last = 0; next }
    match($0, /mesg=[0-9]+/) { last = substr($0, RSTART + 5, RLENGTH - 5) + 0 }
    END { print total + last }'
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
  local shape=$1 name=$2 port=$3 n=$4 size=$5 before t0 t1 t2 got cpu0 cpu1 pids hz side0=0 side1=0 want start
  local last changed now
  hz=$(getconf CLK_TCK)
  want=$((n * PER_MESSAGE))
  before=$(counted $SINK_FILES)
  pids=$(for p in $MTA_PIDS; do tree "$p"; done)
  cpu0=$(cpu_ticks $pids)
  [ -n "$SIDE_PIDS" ] && side0=$(cpu_ticks $(for p in $SIDE_PIDS; do tree "$p"; done))
  t0=$(seconds_now)
  "$DRIVER" "$port" "$n" "$size" >"$WORK/driver.out" 2>&1 || echo "WARNING: $DRIVER: $(tail -1 "$WORK/driver.out")"
  t1=$(seconds_now)
  # a driver that prints "start EPOCH_SECONDS" when its first session opens is timed from then on
  start=$(awk '/^start [0-9.]+(E[0-9]+)?$/ { printf "%.3f", $2; exit }' "$WORK/driver.out")
  [ -n "$start" ] && t0=$start
  last=-1
  while :; do
    got=$(( $(counted $SINK_FILES) - before ))
    [ "$got" -ge "$want" ] && break
    now=$(seconds_now)
    [ "$got" != "$last" ] && { last=$got; changed=$now; }
    awk -v a="$t0" -v b="$now" -v m="$TMAX" 'BEGIN { exit !(b - a > m) }' && break
    # nothing more arrived for 60 s after the generator ended: what is missing was refused or is stuck
    awk -v a="$changed" -v b="$now" 'BEGIN { exit !(b - a > 60) }' && break
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
# 10,000 at 100 KB: 2,000 took about 2 s through Carrier, too short to tell one build from another
WORKLOADS=("$((20000 / SCALE)) 5120" "$((10000 / SCALE)) 102400")
# fan-out: each message with 10 recipients, 2,000 at 5 KB and 1,000 at 100 KB (20,000 and 10,000 deliveries; 200 at
# 100 KB until 2026-12-07 took 2.5 s through Carrier, too short to tell one build from another)
FAN_WORKLOADS=("$((2000 / SCALE)) 5120" "$((1000 / SCALE)) 102400")

# start_bench_carrier HOME SINK_PORT [ROUTE_LINES]: a fresh copy of the distribution with a relay.test route to the
# sink; the caller may add files under HOME/config and HOME/deploy before calling start_carrier_and_wait
prepare_bench_carrier() {
  copy_distribution "$1"
  CARRIER_SMTP_PORT=$(free_port)
  configure_carrier "$1" "$CARRIER_SMTP_PORT" "$(free_port)" "$2"
}
# await_self_signed_certificate CARRIER_HOME: a listener without certificateFile makes a self-signed RSA-2048
# certificate at its first start, on a thread of its own (seconds of CPU without C2); a server that has run before
# has it, so the measured workloads start after it (at most 60 s)
await_self_signed_certificate() {
  local i
  grep -qs '^certificateFile' "$1"/config/org.carrier.smtp.listener-*.cfg && return 0
  for ((i = 0; i < 600; i++)); do
    grep -qs 'generated a self-signed certificate' "$1/logs/carrier.log" && return 0
    sleep 0.1
  done
  echo "(no self-signed certificate after 60 s; measuring all the same)"
}

start_carrier_and_wait() {
  start_carrier "$1"
  await_port "$CARRIER_SMTP_PORT" 120 || fail "Carrier did not start: $(tail -5 "$1/console.log")"
  await_self_signed_certificate "$1"
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

# start_bench_redis DIR: a private redis-server on a free loopback port, nothing saved; sets REDIS_PORT, REDIS_PID
start_bench_redis() {
  command -v redis-server >/dev/null || fail "redis-server missing: apt-get install redis-server"
  mkdir -p "$1"
  REDIS_PORT=$(free_port)
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$1" >"$1/redis.log" 2>&1 &
  REDIS_PID=$!
  remember_pid "$REDIS_PID"
  await_port "$REDIS_PORT" 10 || fail "redis-server did not start: $(tail -3 "$1/redis.log")"
}

# redis_keys -> how many keys the private redis-server holds (RESP over bash's /dev/tcp: no redis-cli needed)
redis_keys() {
  local reply
  exec 7<>"/dev/tcp/127.0.0.1/$REDIS_PORT" || { echo 0; return; }
  printf 'DBSIZE\r\n' >&7
  read -r -t 5 reply <&7
  exec 7>&-
  reply=${reply#:}; echo "${reply%$'\r'}"
}

# await_bundle_started HOME JAR: FileInstall has started the bundle dropped into deploy/ (at most 60 s)
await_bundle_started() {
  local i
  for ((i = 0; i < 600; i++)); do
    grep -qs "Started bundle: .*deploy/$2" "$1/logs/carrier.log" && { sleep 1; return 0; }
    sleep 0.1
  done
  return 1
}

# The cost of the shared state (issue 20): the plain workloads through the rate-limit filter (limits far above the
# run, so every message is counted and none refused), first on a single node (counters in memory), then with
# org.carrier.cluster pointing at a private redis-server (every message's counters there). Carrier only; Redis's
# own CPU is printed apart.
shape_cluster() {
  local mode home keys
  start_sink cluster
  await_port "$SINK_PORT" 10 || fail "smtp-sink did not start: $(cat "$WORK/cluster.err")"
  SINK_FILES=$WORK/cluster.count
  start_bench_redis "$WORK/cluster/redis"
  echo "shared state: smtp-source -> Carrier with filter-ratelimit -> smtp-sink; single node, then with Redis" \
    "(redis-server pid $REDIS_PID on 127.0.0.1:$REDIS_PORT, nothing saved; its CPU printed apart)"
  for mode in single redis; do
    home=$WORK/cluster/$mode
    prepare_bench_carrier "$home" "$SINK_PORT"
    cp "$home/extras/org.carrier.filter.ratelimit.jar" "$home/deploy/" || fail "no filter-ratelimit jar in $home/extras"
    printf 'messagesPerClient = 1000000000\nrecipientsPerClient = 1000000000\nmessagesPerSenderDomain = 1000000000\nrecipientsPerSenderDomain = 1000000000\n' \
      >"$home/config/org.carrier.filter.ratelimit.cfg"
    [ "$mode" = redis ] && printf 'uri = redis://127.0.0.1:%s\n' "$REDIS_PORT" >"$home/config/org.carrier.cluster.cfg"
    start_carrier_and_wait "$home"
    await_bundle_started "$home" org.carrier.filter.ratelimit.jar || fail "filter-ratelimit did not start: see $home/logs/carrier.log"
    if [ "$mode" = redis ]; then SIDE_PIDS=$REDIS_PID; SIDE_NAME=redis-server; fi
    for w in "${WORKLOADS[@]}"; do run_workload cluster "$mode" "$CARRIER_SMTP_PORT" $w; done
    stop_bench_carrier
    SIDE_PIDS=; SIDE_NAME=
  done
  keys=$(redis_keys)
  echo "redis-server holds $keys key(s) after the run (0 would mean the node never used it)"
  [ "${keys:-0}" -gt 0 ] 2>/dev/null || echo "WARNING: the rate-limit filter kept nothing in Redis"
  awk '$1 == "cluster" { key = $3 " x " int($4 / 1024) " KB"; cpu[$2, key] = $6; e2e[$2, key] = $5
      if (!(key in seen)) { seen[key] = 1; keys[++k] = key } }
    END { for (i = 1; i <= k; i++) { key = keys[i]
      if (cpu["single", key] > 0) printf "cluster %s: with Redis %+.3f ms CPU per message (%.2f against %.2f), end to end %.0f against %.0f msg/s\n",
        key, cpu["redis", key] - cpu["single", key], cpu["redis", key], cpu["single", key], e2e["redis", key], e2e["single", key] } }' "$WORK/results"
}

JAVA=${JAVA:-java}
# the load generator's and the TLS sink's JVM (not the MTA: they are not measured, only kept out of the way)
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx256m -XX:+UseSerialGC}
BENCH_SMTP=$BENCH_DIR/BenchSmtp.java
# the project's own load generator (BenchSmtp.java source): it prints when its first session opens, which is
# when run_workload's clock starts (the JDK compiling the file is not the MTA's time)
drive_tls() { timeout "$TMAX" "$JAVA" $BENCH_JAVA_OPTS "$BENCH_SMTP" source "$1" "$CONC" "$2" "$3" --tls; }
drive_fanout() {
  timeout "$TMAX" "$JAVA" $BENCH_JAVA_OPTS "$BENCH_SMTP" source "$1" "$CONC" "$2" "$3" --rcpts 10 --domains 50 --rcpt-domain fan.test
}

# start_bench_sink NAME [--tls KEYSTORE PASSWORD]: BenchSmtp.java's discard sink; sets SINK_PORT
start_bench_sink() {
  local name=$1; shift
  SINK_PORT=$(free_port)
  "$JAVA" $BENCH_JAVA_OPTS "$BENCH_SMTP" sink "$SINK_PORT" "$@" >"$WORK/$name.count" 2>"$WORK/$name.err" &
  SINK_PID=$!
  remember_pid "$SINK_PID"
  await_port "$SINK_PORT" 60 || fail "the sink did not start: $(cat "$WORK/$name.err")"
}

# make_certificate DIR: a self-signed RSA-2048 certificate for localhost and 127.0.0.1 (cert.pem, key.pem) and the
# same as a PKCS#12 keystore (sink.p12, password bench), made for this run
make_certificate() {
  mkdir -p "$1"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/key.pem" -out "$1/cert.pem" -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >"$1/openssl.out" 2>&1 || fail "openssl: $(cat "$1/openssl.out")"
  chmod 600 "$1/key.pem"
  openssl pkcs12 -export -in "$1/cert.pem" -inkey "$1/key.pem" -out "$1/sink.p12" -passout pass:bench \
    >>"$1/openssl.out" 2>&1 || fail "openssl pkcs12: $(cat "$1/openssl.out")"
}

# tls_counts FILE -> the sink's last "sessions=S tls=T"
tls_counts() { tail -c 300 "$1" | grep -o 'sessions=[0-9]* tls=[0-9]*' | tail -1; }

shape_tls() {
  local certs=$WORK/tls/certs
  command -v openssl >/dev/null || fail "openssl missing: apt-get install openssl"
  make_certificate "$certs"
  DRIVER=drive_tls
  start_bench_sink tls --tls "$certs/sink.p12" bench
  SINK_FILES=$WORK/tls.count
  echo "STARTTLS in and out: BenchSmtp.java, $CONC TLS sessions, one message each -> MTA -> BenchSmtp.java sink" \
    "with STARTTLS on 127.0.0.1:$SINK_PORT; TLS 1.3 TLS_AES_128_GCM_SHA256 at both ends, one RSA-2048 certificate" \
    "made now for all (the load generator's own CPU is not counted)"
  # a fresh JVM compiles its hot code during the first few hundred sessions: not the ceiling's time
  drive_tls "$SINK_PORT" 500 5120 >"$WORK/warmup.out" 2>&1 || fail "the TLS load generator fails: $(tail -3 "$WORK/warmup.out")"
  MTA_PIDS=$SINK_PID
  for w in "${WORKLOADS[@]}"; do run_workload tls ceiling "$SINK_PORT" $w; done
  prepare_bench_carrier "$WORK/tls/carrier" "$SINK_PORT"
  printf 'tls = encrypt\n' >>"$WORK/tls/carrier/config/org.carrier.route-bench.cfg"
  printf 'certificateFile = %s\nkeyFile = %s\n' "$certs/cert.pem" "$certs/key.pem" \
    >>"$WORK/tls/carrier/config/org.carrier.smtp.listener-default.cfg"
  start_carrier_and_wait "$WORK/tls/carrier"
  echo "    listener: certificateFile, keyFile = the certificate above; route bench: tls = encrypt"
  for w in "${WORKLOADS[@]}"; do run_workload tls carrier "$CARRIER_SMTP_PORT" $w; done
  stop_bench_carrier
  if [ "$WITH_POSTFIX" = 1 ]; then
    POSTFIX_EXTRA_CF="smtpd_tls_cert_file = $certs/cert.pem
smtpd_tls_key_file = $certs/key.pem
smtpd_tls_security_level = may
smtp_tls_security_level = encrypt" start_bench_postfix "$WORK/tls/postfix" "$SINK_PORT"
    for w in "${WORKLOADS[@]}"; do run_workload tls postfix "$POSTFIX_PORT" $w; done
    stop_bench_postfix
  fi
  echo "sink: $(tls_counts "$WORK/tls.count") (sessions that sent a command; all went over to TLS when the two are equal; 500 warmed it up)"
  print_ratios tls
}

# dkim_key DIR: an RSA-2048 key (dkim.pem, PKCS#8) and its record's p= (dkim.p)
dkim_key() {
  mkdir -p "$1"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1/dkim.pem" 2>"$1/openssl.out" \
    || fail "openssl genpkey: $(cat "$1/openssl.out")"
  chmod 600 "$1/dkim.pem"
  openssl pkey -in "$1/dkim.pem" -pubout -outform DER 2>>"$1/openssl.out" | base64 -w0 >"$1/dkim.p"
}

# sample_signed MTA_PORT DUMP_DIR KEY_DIR -> "pass d=... s=..." once a probe to sample.test reached the dump sink
# signed with a signature dkimpy verifies against the key's record (given to it directly, no DNS)
sample_signed() {
  "$PYTHON_DKIM" - "$@" <<'PY'
import dkim, glob, os, re, smtplib, sys, time
port, dump, keys = int(sys.argv[1]), sys.argv[2], sys.argv[3]
record = ("v=DKIM1; k=rsa; p=" + open(os.path.join(keys, "dkim.p")).read().strip()).encode()
before = set(glob.glob(os.path.join(dump, "*")))
body = "From: <sender@bench.test>\r\nTo: <probe@sample.test>\r\nSubject: dkim probe\r\n\r\nprobe\r\n"
try:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        s.sendmail("sender@bench.test", ["probe@sample.test"], body)
except Exception as e:
    print("error", e); sys.exit(0)
for _ in range(200):
    new = sorted(set(glob.glob(os.path.join(dump, "*"))) - before)
    if new:
        time.sleep(0.2)
        raw = open(new[0], "rb").read()
        # smtp-sink -d writes the envelope first, as X- lines; the message starts at the first header of its own
        m = re.search(rb"^(DKIM-Signature|Received|From):", raw, re.M | re.I)
        msg = raw[m.start():] if m else raw
        sig = re.search(rb"^DKIM-Signature:(.*(?:\r?\n[ \t].*)*)", msg, re.M | re.I)
        if not sig:
            print("unsigned"); sys.exit(0)
        tags = dict(t.strip().split("=", 1) for t in re.sub(rb"\s", b"", sig.group(1)).decode().split(";") if "=" in t)
        ok = dkim.verify(msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), dnsfunc=lambda name, timeout=5: record)
        print(("pass" if ok else "fail") + " d=%s s=%s a=%s" % (tags.get("d"), tags.get("s"), tags.get("a")))
        sys.exit(0)
    time.sleep(0.1)
print("nothing at the sink")
PY
}

# await_signed PORT DUMP KEYS SECONDS: until a probe comes out signed (a jar in deploy/ starts after the listener)
await_signed() {
  local i r
  for ((i = 0; i < $4; i++)); do
    r=$(sample_signed "$1" "$2" "$3")
    case "$r" in pass*) echo "    sample at the sink: DKIM $r (dkimpy against the key's record)"; return 0 ;; esac
    sleep 1
  done
  echo "    sample at the sink: $r" >&2
  return 1
}

PYTHON_DKIM=${PYTHON_DKIM:-/usr/bin/python3} # Debian's python3-dkim is in the system's Python only

shape_dkim() {
  local keys=$WORK/dkim/key dump=$WORK/dkim/dump dump_port sink_user=() odk_port odk
  "$PYTHON_DKIM" -c 'import dkim' 2>/dev/null || fail "dkimpy missing for $PYTHON_DKIM: apt-get install python3-dkim"
  dkim_key "$keys"
  start_sink dkim
  await_port "$SINK_PORT" 10 || fail "smtp-sink did not start: $(cat "$WORK/dkim.err")"
  SINK_FILES=$WORK/dkim.count
  # a second sink keeps the messages to sample.test, to check that they are really signed
  mkdir -p "$dump"; chmod 777 "$dump"
  dump_port=$(free_port)
  [ "$(id -u)" = 0 ] && sink_user=(-u nobody)
  "$SMTP_SINK" "${sink_user[@]}" -d "$dump/%H%M%S." 127.0.0.1:"$dump_port" 64 >"$WORK/dkim-dump.err" 2>&1 &
  remember_pid $!
  await_port "$dump_port" 10 || fail "the dumping smtp-sink did not start: $(cat "$WORK/dkim-dump.err")"
  echo "DKIM signing, RSA-2048 (key made now), relaxed/relaxed: smtp-source, $CONC sessions -> MTA -> smtp-sink" \
    "on 127.0.0.1:$SINK_PORT; mail to sample.test goes to a sink that keeps it (port $dump_port) for dkimpy"
  prepare_bench_carrier "$WORK/dkim/carrier" "$SINK_PORT"
  printf 'name = sample\ndomains = sample.test\ntransport = smtp\nnextHops = 127.0.0.1:%s\norder = 90\n' "$dump_port" \
    >"$WORK/dkim/carrier/config/org.carrier.route-sample.cfg"
  cp "$WORK/dkim/carrier/extras/org.carrier.filter.dkim.jar" "$WORK/dkim/carrier/deploy/" \
    || fail "no filter-dkim jar in $WORK/dkim/carrier/extras"
  printf 'signingKeys = bench.test:bench:%s\n' "$keys/dkim.pem" >"$WORK/dkim/carrier/config/org.carrier.filter.dkim.cfg"
  start_carrier_and_wait "$WORK/dkim/carrier"
  echo "    filter-dkim deployed; org.carrier.filter.dkim.cfg: signingKeys = bench.test:bench:<the key>"
  await_signed "$CARRIER_SMTP_PORT" "$dump" "$keys" 60 || fail "Carrier's sample is not signed"
  for w in "${WORKLOADS[@]}"; do run_workload dkim carrier "$CARRIER_SMTP_PORT" $w; done
  stop_bench_carrier
  if [ "$WITH_POSTFIX" = 1 ]; then
    [ -x /usr/sbin/opendkim ] || fail "opendkim missing: apt-get install opendkim"
    odk_port=$(free_port); odk=$WORK/dkim/opendkim
    mkdir -p "$odk"
    # OpenDKIM as Debian ships it, told only what to sign with (the settings Carrier's signing has by default);
    # RequireSafeKeys no: the key lies below the work folder, and /tmp, writable by all, is not "safe" to it
    cat >"$odk/opendkim.conf" <<CONF
Mode s
Socket inet:$odk_port@127.0.0.1
Domain bench.test
Selector bench
KeyFile $keys/dkim.pem
Canonicalization relaxed/relaxed
Syslog no
RequireSafeKeys no
PidFile $odk/opendkim.pid
CONF
    /usr/sbin/opendkim -f -x "$odk/opendkim.conf" >"$odk/opendkim.out" 2>&1 &
    remember_pid $!
    SIDE_PIDS=$!; SIDE_NAME=opendkim
    await_port "$odk_port" 20 || fail "opendkim did not start: $(cat "$odk/opendkim.out")"
    echo "OpenDKIM (pid $SIDE_PIDS) on inet:127.0.0.1:$odk_port, its opendkim.conf:"
    sed 's/^/    /' "$odk/opendkim.conf"
    POSTFIX_EXTRA_CF="transport_maps = inline:{sample.test=smtp:[127.0.0.1]:$dump_port}" \
      start_bench_postfix "$WORK/dkim/postfix" "$SINK_PORT" "inet:127.0.0.1:$odk_port"
    MTA_PIDS="$MTA_PIDS $SIDE_PIDS" # Postfix signs through OpenDKIM: its CPU and memory count as Postfix's
    echo "    Postfix's figures include OpenDKIM's; its share is printed apart"
    await_signed "$POSTFIX_PORT" "$dump" "$keys" 60 || fail "Postfix's sample is not signed"
    for w in "${WORKLOADS[@]}"; do run_workload dkim postfix "$POSTFIX_PORT" $w; done
    stop_bench_postfix
  fi
  print_ratios dkim
}

FAN_NSD=127.0.0.99   # the fan-out shape's nsd (port 53: Postfix's resolver asks no other port)
FAN_FIRST=101        # the MX hosts of d1..d50.fan.test: 127.0.0.101 .. 127.0.0.150, port 25

# start_fanout_dns DIR: nsd serving fan.test (d1..d50 with an MX each) on $FAN_NSD:53
start_fanout_dns() {
  local dir=$1 k pid
  command -v nsd >/dev/null 2>&1 || [ -x /usr/sbin/nsd ] || fail "nsd missing: apt-get install nsd"
  mkdir -p "$dir"
  {
    printf '$TTL 3600\n@ IN SOA ns.fan.test. hostmaster.fan.test. 1 3600 600 86400 3600\n@ IN NS ns.fan.test.\n'
    printf 'ns IN A %s\n' "$FAN_NSD"
    for ((k = 1; k <= 50; k++)); do
      printf 'd%d IN MX 10 mx.d%d.fan.test.\nmx.d%d IN A 127.0.0.%d\n' "$k" "$k" "$k" $((FAN_FIRST + k - 1))
    done
  } >"$dir/fan.test.zone"
  cat >"$dir/nsd.conf" <<CONF
server:
  ip-address: $FAN_NSD@53
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  database: ""
  zonesdir: "$dir"
  zonelistfile: "$dir/zone.list"
  xfrdfile: "$dir/xfrd.state"
  xfrdir: "$dir"
  pidfile: "$dir/nsd.pid"
  logfile: "$dir/nsd.log"
  server-count: 1
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: "fan.test"
  zonefile: "$dir/fan.test.zone"
CONF
  # a server left over from an earlier run would answer in place of ours (and ours could not bind)
  for ((k = 0; k < 100; k++)); do mx_answer "$FAN_NSD" || break; sleep 0.1; done
  mx_answer "$FAN_NSD" && fail "something already answers DNS on $FAN_NSD:53"
  "$(command -v nsd || echo /usr/sbin/nsd)" -d -c "$dir/nsd.conf" >"$dir/nsd.out" 2>&1 &
  pid=$!
  remember_pid "$pid"
  for ((k = 0; k < 100; k++)); do
    mx_answer "$FAN_NSD" && kill -0 "$pid" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || fail "nsd did not start: $(cat "$dir/nsd.out" "$dir/nsd.log" 2>/dev/null | tail -5)"
    sleep 0.1
  done
  fail "nsd does not answer on $FAN_NSD:53"
}

# mx_answer ADDRESS -> 0 when a DNS server on ADDRESS:53 answers the MX query of d1.fan.test within 200 ms
mx_answer() {
  python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(0.2)
q=bytes.fromhex("abcd01000001000000000000")+b"".join(bytes([len(p)])+p.encode() for p in "d1.fan.test".split("."))+bytes.fromhex("00000f0001")
s.sendto(q,(sys.argv[1],53)); s.recv(512)' "$1" 2>/dev/null
}

shape_fanout() {
  local k files=
  [ "$(id -u)" = 0 ] || fail "shape fanout binds port 25 of 127.0.0.x and gives Postfix a private resolv.conf: run as root"
  start_fanout_dns "$WORK/fanout/nsd"
  mkdir -p "$WORK/fanout"
  for ((k = 1; k <= 50; k++)); do
    start_sink "fanout/sink-$k" "127.0.0.$((FAN_FIRST + k - 1)):25"
    files="$files $WORK/fanout/sink-$k.count"
  done
  for ((k = 1; k <= 50; k++)); do
    await_port25 "127.0.0.$((FAN_FIRST + k - 1))" || fail "smtp-sink $k did not start: $(cat "$WORK/fanout/sink-$k.err")"
  done
  SINK_FILES=$files; PER_MESSAGE=10; DRIVER=drive_fanout
  echo "MX fan-out: BenchSmtp.java, $CONC sessions, one message each with 10 recipients in 10 of 50 domains" \
    "(d1..d50.fan.test, MX records served by nsd on $FAN_NSD:53) -> MTA -> 50 smtp-sinks on" \
    "127.0.0.$FAN_FIRST..$((FAN_FIRST + 49)):25; msg/s and CPU are per message of 10 deliveries"
  prepare_bench_carrier "$WORK/fanout/carrier" 1
  printf 'name = bench\ndomains = *.fan.test\ntransport = mx\norder = 100\n' \
    >"$WORK/fanout/carrier/config/org.carrier.route-bench.cfg"
  sed -i "s/^servers *=.*/servers = $FAN_NSD:53/" "$WORK/fanout/carrier/config/org.carrier.dns.cfg"
  start_carrier_and_wait "$WORK/fanout/carrier"
  echo "    route bench: domains = *.fan.test, transport = mx; org.carrier.dns.cfg: servers = $FAN_NSD:53"
  for w in "${FAN_WORKLOADS[@]}"; do run_workload fanout carrier "$CARRIER_SMTP_PORT" $w; done
  stop_bench_carrier
  if [ "$WITH_POSTFIX" = 1 ]; then
    printf 'nameserver %s\noptions attempts:2 timeout:2\n' "$FAN_NSD" >"$WORK/fanout/resolv.conf"
    echo "Postfix runs in a mount namespace of its own where /etc/resolv.conf is: $(tr '\n' ' ' <"$WORK/fanout/resolv.conf")"
    POSTFIX_RESOLV_CONF=$WORK/fanout/resolv.conf POSTFIX_EXTRA_CF="relayhost =
smtp_dns_support_level = enabled
smtp_host_lookup = dns" start_bench_postfix "$WORK/fanout/postfix" 1
    for w in "${FAN_WORKLOADS[@]}"; do run_workload fanout postfix "$POSTFIX_PORT" $w; done
    stop_bench_postfix
  fi
  print_ratios fanout
}

# await_port25 ADDRESS: until something accepts on ADDRESS:25 (10 s at most)
await_port25() {
  local i
  for ((i = 0; i < 100; i++)); do (exec 3<>"/dev/tcp/$1/25") 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

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
