"""Writes a backlog of deferred messages straight into a Carrier spool, in the queue's own on-disk format
(bundles/queue: Spool, EnvelopeFile, QueueIds), as a run whose destination was down leaves it: for each message
ID.msg (the content, then the envelope as it arrived and the trailer line "carrier-trailer " + its length in 10
digits) and ID.env (the state after one failed attempt: DEFERRED, 1 attempt, the next one an hour on); and what a
kill -9 leaves beside them (receptions never acknowledged in incoming/, an envelope being rewritten), which
start-up removes.

Used by backlog-bench.sh:  python3 backlog_spool.py SPOOL COUNT DOMAIN [SIZE]
"""
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import quote_plus

DIGITS = "0123456789ABCDEFGHJKLMNPQRSTVWXZ"  # QueueIds.DIGITS


def queue_id(value):
    """QueueIds.format: 12 characters, 5 bits each."""
    out = []
    for _ in range(12):
        out.append(DIGITS[value & 31])
        value >>= 5
    return "".join(reversed(out))


def enc(text):
    """EnvelopeFile.enc: '=' and the URL-encoded UTF-8 value (java.net.URLEncoder's form)."""
    return "=" + quote_plus(text, safe="*-._")


def instant(t):
    """java.time.Instant.toString for a whole-millisecond UTC time."""
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    ms = t.microsecond // 1000
    return s + (f".{ms:03d}Z" if ms else "Z")


def envelope(qid, arrival, size, rcpt, state, attempts, next_attempt, reply):
    code, status, text = reply if reply else (None, None, None)
    lines = ["carrier-envelope 1", f"id {qid}", f"arrival {instant(arrival)}", f"size {size}", "held false",
             f"sender {enc('sender@backlog.test')}",
             " ".join(["rcpt", enc(rcpt), state, str(attempts), instant(next_attempt) if next_attempt else "-",
                       str(code) if code else "-", enc(status) if status else "-", enc(text) if text else "-", "-"])]
    return ("\n".join(lines) + "\n").encode()


def main():
    spool, count, domain = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 1024
    queue = os.path.join(spool, "queue")
    for d in (spool, queue, os.path.join(spool, "incoming"), os.path.join(spool, "corrupt")):
        os.makedirs(d, mode=0o700, exist_ok=True)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    arrival = now - timedelta(hours=1)
    retry = now + timedelta(hours=1)
    reply = (421, "4.4.1", "bench: connection refused")
    # IDs of an hour ago, 1,000 a millisecond: they sort before anything the started Carrier issues
    base = int(arrival.timestamp() * 1000)
    filler = b"x" * 76 + b"\r\n"
    begun = time.time()
    for i in range(count):
        qid = queue_id(((base + i // 1000) << 16) | (i % 1000))
        rcpt = f"r{i}@{domain}"
        head = (f"Received: from bench.test by backlog.test; {arrival:%a, %d %b %Y %H:%M:%S} +0000\r\n"
                f"From: sender@backlog.test\r\nTo: {rcpt}\r\nSubject: backlog {i}\r\n"
                f"Message-ID: <{qid}@backlog.test>\r\n\r\n").encode()
        body = filler * max(1, (size - len(head)) // len(filler))
        content = head + body
        arrived = envelope(qid, arrival, len(content), rcpt, "PENDING", 0, None, None)
        trailer = arrived + b"carrier-trailer " + str(len(arrived)).zfill(10).encode() + b"\n"
        write(os.path.join(queue, qid + ".msg"), content + trailer)
        write(os.path.join(queue, qid + ".env"), envelope(qid, arrival, len(content), rcpt, "DEFERRED", 1, retry, reply))
        if (i + 1) % 100000 == 0:
            print(f"  {i + 1} messages written ({time.time() - begun:.0f} s)", flush=True)
    # what a kill -9 leaves: receptions never acknowledged, an envelope being rewritten
    for i in range(50):
        write(os.path.join(spool, "incoming", queue_id(((base + count) << 16) | i)), b"Subject: partial\r\n")
    write(os.path.join(queue, queue_id(base << 16) + ".env.tmp"), b"carrier-envelope 1\nid ")
    print(f"{count} deferred messages of {len(content)} bytes written to {queue} in {time.time() - begun:.0f} s")


def write(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


if __name__ == "__main__":
    main()
