#!/usr/bin/env bash
# Idle-connections benchmark (issue 21, shape "idle"): how many idle inbound SMTP sessions Carrier holds, at what
# resident memory, and whether a new session still gets its greeting within 1 s meanwhile. Target: 50,000 idle
# sessions within 500 MB RSS at the default -Xmx.
#
# Usage: distribution/src/bench/idle-bench.sh [--quick] [--postfix] [CONNECTIONS] [PROBES]
#   --quick    2,000 sessions (a smoke run)
#   --postfix  prints why Postfix is not run through this shape
#   default 50,000 sessions, 200 probes. The client (idle_connections.py) spreads them over holder processes and the
#   source addresses 127.0.0.2, 127.0.0.3, ...; Carrier's listener is configured to admit them (maxConnections and
#   maxConnectionsPerClient above the count; loopback is a trusted network, so stress timeouts do not apply, and the
#   sessions stay within RFC 5321 §4.5.3.2.7's 5-minute idle timeout, commandTimeoutSeconds = 300).
#   Every session is a file descriptor in Carrier: the script raises the open-files limit to the hard limit, and
#   holds fewer sessions (saying so) where that hard limit is lower than the count.
#   env: CARRIER_DIST, CARRIER_JAVA_OPTS (default: those of bin/carrier), BENCH_WORK (default a new folder, removed)
set -uo pipefail
here="$(dirname "$(readlink -f "$0")")"
. "$here/common.sh"

CONNECTIONS=50000; PROBES=200; n=0; WITH_POSTFIX=0
for a in "$@"; do
  case "$a" in
    --quick) CONNECTIONS=2000; PROBES=50 ;;
    --postfix) WITH_POSTFIX=1 ;;
    [0-9]*) if [ $n = 0 ]; then CONNECTIONS=$a; else PROBES=$a; fi; n=$((n + 1)) ;;
    *) sed -n '2,17p' "$0"; exit 2 ;;
  esac
done
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=1048576
ulimit -n "$hard"
if [ "$hard" -lt $((CONNECTIONS + 1000)) ]; then
  echo "NOTE: the open-files hard limit here is $hard (ulimit -Hn; raising it needs CAP_SYS_RESOURCE): Carrier can hold" \
    "$((hard - 1000)) sessions, not $CONNECTIONS"
  CONNECTIONS=$((hard - 1000))
fi
PER_PROCESS=$((hard - 200 < 15000 ? hard - 200 : 15000))

OWN_WORK=0; [ -z "${BENCH_WORK:-}" ] && OWN_WORK=1
WORK=${BENCH_WORK:-$(mktemp -d /tmp/carrier-idle.XXXXXX)}
mkdir -p "$WORK" || fail "cannot create the work folder $WORK (BENCH_WORK)"
WORK=$(cd "$WORK" && pwd)
CARRIER_PID=
cleanup() {
  stop_process "$CARRIER_PID"
  if [ "$OWN_WORK" = 1 ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

HOME_DIR="$WORK/carrier"
copy_distribution "$HOME_DIR"
SMTP_PORT=$(free_port); HTTP_PORT=$(free_port)
configure_carrier "$HOME_DIR" "$SMTP_PORT" "$HTTP_PORT" "$(free_port)"
limit=$((CONNECTIONS + PROBES + 100))
sed -i -e '/^maxConnections/d' -e '/^maxConnectionsPerClient/d' "$HOME_DIR/config/org.carrier.smtp.listener-default.cfg"
printf 'maxConnections = %s\nmaxConnectionsPerClient = %s\n' "$limit" "$limit" >>"$HOME_DIR/config/org.carrier.smtp.listener-default.cfg"

echo "== idle: $CONNECTIONS idle sessions, $PROBES probes; $(box_load); open files limit $(ulimit -n)"
start_carrier "$HOME_DIR"
python3 "$here/idle_connections.py" --port "$SMTP_PORT" --pid "$CARRIER_PID" --connections "$CONNECTIONS" \
  --probes "$PROBES" --per-process "$PER_PROCESS"
status=$?
echo "Carrier JVM options: $(jvm_options "$CARRIER_PID")"
if [ "$WITH_POSTFIX" = 1 ]; then
  echo "Postfix: not run. Its smtpd is a process per session: $CONNECTIONS idle sessions are $CONNECTIONS smtpd processes"
  echo "  (default_process_limit 100 holds the rest in the listen queue, ungreeted), each several MB resident."
fi
exit $status
