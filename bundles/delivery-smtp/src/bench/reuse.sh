#!/usr/bin/env bash
# Throughput of the SMTP client with and without connection reuse, against Postfix's smtp-sink on loopback.
# Usage: bundles/delivery-smtp/src/bench/reuse.sh [messages] [threads]   (after mvn -DskipTests package)
set -euo pipefail
cd "$(dirname "$0")/../../../.."
messages=${1:-5000}
threads=${2:-8}
module=bundles/delivery-smtp
mvn -q -B -pl bundles/api,$module test-compile dependency:build-classpath -Dmdep.outputFile="$PWD/$module/target/bench.classpath" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sink_user=(); [ "$(id -u)" = 0 ] && sink_user=(-u nobody)
/usr/sbin/smtp-sink "${sink_user[@]}" 127.0.0.1:"$port" 256 &
sink=$!
trap 'kill $sink' EXIT
sleep 0.5
java -cp "$module/target/classes:$module/target/test-classes:$(cat $module/target/bench.classpath)" \
  org.carrier.delivery.smtp.internal.ReuseBenchmark "$port" "$messages" "$threads"
