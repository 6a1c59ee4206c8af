#!/usr/bin/env bash
# Recovery benchmark: how long Carrier takes to come back after a crash with a large queue.
# It fills a fresh spool with N queued messages (default 100,000; 2 KB each, every recipient deferred
# with its next attempt an hour ahead, as a backlog behind a dead next hop looks), adds what a kill -9
# leaves behind (partial receptions, half-written envelopes), starts Carrier and measures until the queue
# has read every entry back and until SMTP answers; it prints both, the peak resident memory, and checks
# that every message was recovered.
#
# Usage: distribution/src/bench/recovery-bench.sh [N=100000]
#   env: CARRIER_DIST (default distribution/target/carrier), CARRIER_JAVA_OPTS (default -Xmx256m -XX:+UseSerialGC)
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"

N=${1:-100000}
[[ $N =~ ^[0-9]+$ && $N -ge 1 && $N -le 2000000 ]] || fail "N must be 1..2000000"
WORK=$(mktemp -d /tmp/carrier-recovery.XXXXXX)
CARRIER_PID=
trap 'stop_process "$CARRIER_PID"; rm -rf "$WORK"' EXIT INT TERM

HOME_DIR=$WORK/carrier
copy_distribution "$HOME_DIR"
SMTP_PORT=$(free_port); HTTP_PORT=$(free_port); DEAD_PORT=$(free_port)
configure_carrier "$HOME_DIR" "$SMTP_PORT" "$HTTP_PORT" "$DEAD_PORT"
SPOOL=$HOME_DIR/data/spool

echo "filling $SPOOL with $N queued messages ..."
python3 - "$SPOOL" "$N" <<'PY'
# Writes entries in the spool's documented format (EnvelopeFile: one record per line, =URL-encoded fields).
import os, sys, time, datetime
spool, n = sys.argv[1], int(sys.argv[2])
digits = "0123456789ABCDEFGHJKLMNPQRSTVWXZ"
def queue_id(value):
    return "".join(digits[(value >> (5 * i)) & 31] for i in reversed(range(12)))
for d in ("incoming", "queue", "corrupt"):
    os.makedirs(os.path.join(spool, d), exist_ok=True)
start = int(time.time() * 1000) - 3_600_000
body = ("Subject: backlog\r\nFrom: sender@bench.test\r\n\r\n" + "x" * 76 + "\r\n") * 24
now = datetime.datetime.now(datetime.timezone.utc)
arrival = (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
retry = (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
queue = os.path.join(spool, "queue")
for i in range(n):
    qid = queue_id(((start + i // 1000) << 16) | (i % 1000))
    with open(os.path.join(queue, qid + ".msg"), "w") as f:
        f.write(body)
    with open(os.path.join(queue, qid + ".env"), "w") as f:
        f.write("carrier-envelope 1\nid %s\narrival %s\nsize %d\nheld false\nsender =sender%%40bench.test\n"
                "rcpt =rcpt%d%%40relay.test DEFERRED 1 %s 451 =4.4.1 =connection+refused =127.0.0.1\n"
                % (qid, arrival, len(body), i, retry))
# what a kill -9 leaves: receptions never acknowledged, an envelope being rewritten
for i in range(50):
    with open(os.path.join(spool, "incoming", queue_id(((start + n) << 16) | i)), "w") as f:
        f.write("Subject: partial\r\n")
open(os.path.join(queue, queue_id(start << 16) + ".env.tmp"), "w").write("carrier-envelope 1\nid ")
PY
sync
echo "spool: $(du -sh "$SPOOL" | cut -f1); dropping nothing from the page cache (a warm restart, as after a process crash)"

export CARRIER_JAVA_OPTS=${CARRIER_JAVA_OPTS:--Xmx256m -XX:+UseSerialGC}
t0=$(seconds_now)
start_carrier "$HOME_DIR"
await_port "$SMTP_PORT" 600 || fail "Carrier did not start: $(tail -5 "$HOME_DIR/console.log")"
t1=$(seconds_now)
line=$(grep -h "queue recovered" "$HOME_DIR/logs/carrier.log" | tail -1)
recovered=$(echo "$line" | grep -o 'recovered [0-9]*' | grep -o '[0-9]*')
ms=$(echo "$line" | grep -o 'in [0-9]* ms' | grep -o '[0-9]*')
sleep 2
echo "recovery: $N queued messages (${CARRIER_JAVA_OPTS}): queue read back ${recovered:-?} in ${ms:-?} ms;" \
  "SMTP answered $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s after start;" \
  "peak RSS $(peak_rss_mb "$CARRIER_PID") MB; $(box_load)"
[ "${recovered:-0}" -eq "$N" ] || { echo "FAILED: recovered ${recovered:-0} of $N" >&2; exit 1; }
