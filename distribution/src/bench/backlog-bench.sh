#!/usr/bin/env bash
# Backlog benchmark (issue 21, shape "backlog"): Carrier started over a spool of N deferred messages (default
# 1,000,000) whose destination is down. It prints the time from bin/carrier to the first SMTP greeting, how long a
# message accepted at once waits for its delivery to another destination while the backlog is read, the time until
# the queue is fully read (its "queue recovered" log line), heap and resident memory then, and the rate at which a
# flush (carrier:flush) delivers the backlog once the destination is back (end to end into smtp-sink), with CPU ms
# per message.
#
# Usage: distribution/src/bench/backlog-bench.sh [--quick] [--postfix] [COUNT]
#   --quick    20,000 messages (a smoke run)
#   --postfix  prints why Postfix is not run through this shape (below)
#   env: CARRIER_DIST, CARRIER_JAVA_OPTS (default: those of bin/carrier), BENCH_WORK (default a new folder under /tmp,
#        removed afterwards), TMAX=3600 (seconds per step at most), SIZE=1024 (bytes per message)
# The backlog is written straight into the spool in the queue's own format (backlog_spool.py: .msg with its trailer
# and .env, as a failed attempt leaves them): 1,000,000 messages are 2,000,000 files and about 8 GB of 4 KB blocks.
# Needs: postfix's smtp-sink, python3, jcmd (the JDK's).
set -uo pipefail
here="$(dirname "$(readlink -f "$0")")"
. "$here/common.sh"

COUNT=1000000; WITH_POSTFIX=0
for a in "$@"; do
  case "$a" in
    --quick) COUNT=20000 ;;
    --postfix) WITH_POSTFIX=1 ;;
    [0-9]*) COUNT=$a ;;
    *) sed -n '2,17p' "$0"; exit 2 ;;
  esac
done
[ -x "$SMTP_SINK" ] || fail "smtp-sink missing: apt-get install postfix"
TMAX=${TMAX:-3600}
SIZE=${SIZE:-1024}
OWN_WORK=0; [ -z "${BENCH_WORK:-}" ] && OWN_WORK=1
WORK=${BENCH_WORK:-$(mktemp -d /tmp/carrier-backlog.XXXXXX)}
mkdir -p "$WORK" || fail "cannot create the work folder $WORK (BENCH_WORK)"
WORK=$(cd "$WORK" && pwd)
SINK_PID=; FRESH_PID=; CARRIER_PID=
cleanup() {
  stop_process "$SINK_PID"
  stop_process "$FRESH_PID"
  stop_process "$CARRIER_PID"
  if [ "$OWN_WORK" = 1 ]; then rm -rf "$WORK"; else rm -rf "$WORK/carrier/data/spool"; fi
}
trap cleanup EXIT INT TERM

sink_user=(); [ "$(id -u)" = 0 ] && sink_user=(-u nobody)
start_sink() { # PORT FILE -> pid on stdout's caller via SINK_STARTED
  "$SMTP_SINK" "${sink_user[@]}" -c 127.0.0.1:"$1" 1024 >"$2" 2>"$2.err" &
  SINK_STARTED=$!
  await_port "$1" 10 || fail "smtp-sink did not start: $(cat "$2.err")"
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# greeting PORT -> 0 once a 220 greeting was read on 127.0.0.1:PORT
greeting() {
  python3 - "$1" <<'PY'
import socket, sys
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
        sys.exit(0 if s.recv(512).startswith(b"220") else 1)
except OSError:
    sys.exit(1)
PY
}

# send_one PORT RCPT -> the reply code to one message
send_one() {
  python3 - "$1" "$2" <<'PY'
import smtplib, sys
try:
    with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60) as s:
        s.sendmail("probe@bench.test", [sys.argv[2]], "Subject: fresh mail\r\n\r\naccepted while the backlog is read\r\n")
        print(250)
except smtplib.SMTPException as e:
    print("error", e)
PY
}

echo "== backlog: $COUNT deferred messages of $SIZE bytes; $(box_load); $(free -m | awk '/^Mem:/ { print $2 " MB RAM" }')"
HOME_DIR="$WORK/carrier"
copy_distribution "$HOME_DIR"
SMTP_PORT=$(free_port); HTTP_PORT=$(free_port); SINK_PORT=$(free_port); FRESH_PORT=$(free_port)
configure_carrier "$HOME_DIR" "$SMTP_PORT" "$HTTP_PORT" "$SINK_PORT"
printf 'name = fresh\ndomains = fresh.test\ntransport = smtp\nnextHops = 127.0.0.1:%s\norder = 101\n' "$FRESH_PORT" \
  >"$HOME_DIR/config/org.carrier.route-fresh.cfg"
mkdir -p -m 700 "$HOME_DIR/data"
python3 "$here/backlog_spool.py" "$HOME_DIR/data/spool" "$COUNT" relay.test "$SIZE" || fail "the backlog could not be written"
echo "spool on disk: $(du -sh "$HOME_DIR/data/spool" | cut -f1) (page cache warm: the files were just written)"

start_sink "$FRESH_PORT" "$WORK/fresh.count"; FRESH_PID=$SINK_STARTED
t0=$(seconds_now)
start_carrier "$HOME_DIR"
until greeting "$SMTP_PORT"; do
  kill -0 "$CARRIER_PID" 2>/dev/null || fail "Carrier stopped: $(tail -20 "$HOME_DIR/console.log")"
  awk -v a="$t0" -v b="$(seconds_now)" -v m="$TMAX" 'BEGIN { exit !(b - a > m) }' && fail "no greeting within $TMAX s"
  sleep 0.02
done
t_greet=$(seconds_now)
echo "first SMTP greeting: $(elapsed "$t0" "$t_greet") s after bin/carrier was run"

# New mail while the backlog is read: to another destination, which is up; its delivery must not wait for the reading.
reply=$(send_one "$SMTP_PORT" fresh@fresh.test)
t_acc=$(seconds_now)
until [ "$(sink_messages "$WORK/fresh.count")" = 1 ]; do
  awk -v a="$t_acc" -v b="$(seconds_now)" -v m="$TMAX" 'BEGIN { exit !(b - a > m) }' && break
  sleep 0.02
done
t_fresh=$(seconds_now)
read_yet=no; grep -q "queue recovered" "$HOME_DIR/logs/carrier.log" 2>/dev/null && read_yet=yes
echo "a message accepted then ($reply): delivered $(elapsed "$t_acc" "$t_fresh") s after its 250 (backlog fully read by then: $read_yet)"

until grep -q "queue recovered" "$HOME_DIR/logs/carrier.log" 2>/dev/null; do
  kill -0 "$CARRIER_PID" 2>/dev/null || fail "Carrier stopped: $(tail -20 "$HOME_DIR/console.log")"
  awk -v a="$t0" -v b="$(seconds_now)" -v m="$TMAX" 'BEGIN { exit !(b - a > m) }' && fail "the queue was not read within $TMAX s"
  sleep 0.2
done
t_read=$(seconds_now)
echo "queue fully read: $(elapsed "$t0" "$t_read") s after bin/carrier was run; $(grep -o 'queue recovered.*' "$HOME_DIR/logs/carrier.log" | tail -1)"
recovered=$(grep -o 'queue recovered [0-9]*' "$HOME_DIR/logs/carrier.log" | tail -1 | grep -o '[0-9]*$')
[ "${recovered:-0}" -eq "$COUNT" ] || fail "recovered ${recovered:-0} of $COUNT messages"
heap=$(jcmd "$CARRIER_PID" GC.heap_info 2>/dev/null | awk '/total [0-9]+K, used/ { gsub(/K,?/, "", $0); for (i = 1; i <= NF; i++) if ($i == "used") u += $(i + 1) } END { printf "%d", u / 1024 }')
echo "then: heap used ${heap:-?} MB (JVM: $(jvm_options "$CARRIER_PID")), RSS $(awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$CARRIER_PID/status") MB, peak RSS $(peak_rss_mb "$CARRIER_PID") MB"

# The destination comes back: a flush delivers the backlog.
start_sink "$SINK_PORT" "$WORK/sink.count"; SINK_PID=$SINK_STARTED
hz=$(getconf CLK_TCK)
cpu0=$(cpu_ticks $(tree "$CARRIER_PID"))
t1=$(seconds_now)
echo "flush: $("$HOME_DIR/bin/carrier" shell carrier:flush 2>&1 | tail -1)"
while :; do
  got=$(sink_messages "$WORK/sink.count"); got=${got:-0}
  [ "$got" -ge "$COUNT" ] && break
  awk -v a="$t1" -v b="$(seconds_now)" -v m="$TMAX" 'BEGIN { exit !(b - a > m) }' && break
  sleep 0.5
done
t2=$(seconds_now)
cpu1=$(cpu_ticks $(tree "$CARRIER_PID"))
awk -v n="$got" -v total="$COUNT" -v a="$t1" -v b="$t2" -v c="$((cpu1 - cpu0))" -v hz="$hz" 'BEGIN {
  d = b - a; printf "flush: %d of %d delivered in %.1f s: %.0f msg/s end to end, %.2f ms CPU per message\n", n, total, d, n / d, c * 1000 / hz / (n ? n : 1) }'
echo "peak RSS over the run: $(peak_rss_mb "$CARRIER_PID") MB"
if [ "$WITH_POSTFIX" = 1 ]; then
  echo "Postfix: not run. Its deferred queue can only be made by Postfix itself (its queue files are cleanup(8)'s"
  echo "  internal record format, and postsuper moves files, it does not make them): $COUNT messages sent through it"
  echo "  with the destination down take $COUNT / ~220 msg/s (its plain-relay rate here) before the measure begins."
fi
