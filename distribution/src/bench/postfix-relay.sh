#!/usr/bin/env bash
# Starts a private Postfix relay for the benchmark: listens on 127.0.0.1:PORT, relays everything to
# [127.0.0.1]:SINK_PORT, stock settings (its queue is synced like Carrier's), nothing under /etc/postfix.
# Usage: postfix-relay.sh BASE PORT SINK_PORT [MILTER]   (prints the config folder for `postfix -c`)
#   MILTER: a milter for smtpd_milters (e.g. inet:127.0.0.1:11332), with milter_default_action = tempfail
#   env POSTFIX_EXTRA_CF: main.cf lines a shape needs (TLS, DNS), one "name = value" a line (postconf -e)
#   env POSTFIX_RESOLV_CONF: a resolv.conf that Postfix's processes see as /etc/resolv.conf (its own mount
#       namespace, unshare -m, with that file bind-mounted; needs root): the DNS of the fan-out shape
set -euo pipefail
base=$1; port=$2; sink=$3; milter=${4:-}
conf=$base/conf; queue=$base/queue; data=$base/data
mkdir -p "$conf" "$queue" "$data"
chown postfix "$data"
cat >"$conf/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $queue
data_directory = $data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.bench.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relayhost = [127.0.0.1]:$sink
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_dns_support_level = disabled
smtp_host_lookup = native
maillog_file_prefixes = /dev/null
maillog_file = /dev/null
CF
if [ -n "$milter" ]; then
  printf 'smtpd_milters = %s\nmilter_default_action = tempfail\nmilter_protocol = 6\n' "$milter" >>"$conf/main.cf"
fi
if [ -n "${POSTFIX_EXTRA_CF:-}" ]; then
  while IFS= read -r line; do
    [ -n "$line" ] && postconf -c "$conf" -e "$line"
  done <<<"$POSTFIX_EXTRA_CF"
fi
# master.cf: Postfix's stock services without chroot (column 5), the SMTP listener on the chosen port only
awk -v listen="127.0.0.1:$port" '
  /^#/ || /^[ \t]/ || NF < 8 { print; next }
  $2 == "inet" && $1 != "smtp" { next }
  { if ($1 == "smtp" && $2 == "inet") $1 = listen; $5 = "n"; print }' /usr/share/postfix/master.cf.dist >"$conf/master.cf"
if [ -n "${POSTFIX_RESOLV_CONF:-}" ]; then
  # the master and every daemon it starts stay in this mount namespace, so only they see the private resolver
  unshare -m --propagation private sh -c 'mount --bind "$1" /etc/resolv.conf && postfix -c "$2" start' \
    sh "$POSTFIX_RESOLV_CONF" "$conf" >&2
else
  postfix -c "$conf" start >/dev/null 2>&1 || script -qec "postfix -c '$conf' start" /dev/null >&2
fi
for ((i = 0; i < 100; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
echo "$conf"
