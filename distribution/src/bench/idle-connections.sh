#!/usr/bin/env bash
# Benchmark: how many idle SMTP sessions the listener holds, at what resident memory, and how fast a new
# session still gets its greeting meanwhile. Issue 3's target: 10,000 idle connections within 300 MB RSS,
# new greetings in under 100 ms.
#
#   mvn -q -B -DskipTests package && distribution/src/bench/idle-connections.sh [connections] [probes]
#
# Works on a copy of distribution/target/carrier in a temporary folder, on free loopback ports, and removes
# it afterwards. Environment: CARRIER_JAVA_OPTS (JVM options for Carrier; default below), JAVA.
set -euo pipefail

connections="${1:-10000}"
probes="${2:-200}"
here="$(cd "$(dirname "$0")" && pwd)"
dist="$here/../../target/carrier"
[ -x "$dist/bin/carrier" ] || { echo "build the distribution first: mvn -q -B -DskipTests package" >&2; exit 1; }

# Each connection is a file descriptor in Carrier and one in the client: raise the limit as far as allowed.
want=$((connections + 4096))
hard="$(ulimit -Hn)"
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
  echo "warning: the hard limit of open files is $hard; $want wanted" >&2
  want="$hard"
fi
ulimit -n "$want"

work="$(mktemp -d "${TMPDIR:-/tmp}/carrier-bench-XXXXXX")"
cleanup() {
  [ -n "${carrier_pid:-}" ] && kill "$carrier_pid" 2>/dev/null && wait "$carrier_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cp -r "$dist" "$work/carrier"
home="$work/carrier"
rm -rf "$home/data" "$home/logs"/*

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
smtp_port="$(free_port)"
http_port="$(free_port)"
sed -i "s/^org.osgi.service.http.port=.*/org.osgi.service.http.port=$http_port/" "$home/conf/felix.properties"
# The listener's connection limits must allow the load (every session comes from 127.0.0.1).
cat > "$home/config/org.carrier.smtp.listener-default.cfg" <<CFG
name = default
bindAddress = 127.0.0.1
port = $smtp_port
maxConnections = $((connections + probes + 100))
maxConnectionsPerClient = $((connections + probes + 100))
CFG

export CARRIER_JAVA_OPTS="${CARRIER_JAVA_OPTS:--Xms64m -Xmx192m -XX:+UseSerialGC -Xss256k -XX:MaxDirectMemorySize=64m}"
echo "Carrier JVM options: $CARRIER_JAVA_OPTS"
echo "Machine: $(nproc) cores; load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
"$home/bin/carrier" > "$work/console.log" 2>&1 < /dev/null &
carrier_pid=$!

python3 "$here/idle_connections.py" --port "$smtp_port" --pid "$carrier_pid" --connections "$connections" --probes "$probes"
