"""Holds N idle SMTP sessions open against Carrier and measures its resident memory and greeting latency.

Used by idle-bench.sh. The sessions are spread over several holder processes (each within the open-files limit)
and several source addresses 127.0.0.2, 127.0.0.3, ... (one address reaches the port from at most the ~28,000
ports of the ephemeral range). Prints the figures and exits non-zero if a target is missed.
"""
import argparse
import os
import selectors
import socket
import statistics
import subprocess
import sys
import time

PER_ADDRESS = 25000  # below the 28,232 ports of Linux's default ephemeral range (32768-60999)


def java_pid(shell_pid):
    """bin/carrier execs java, so the PID is Java's; follow a child just in case."""
    try:
        with open(f"/proc/{shell_pid}/task/{shell_pid}/children") as f:
            children = f.read().split()
        if children:
            return int(children[0])
    except OSError:
        pass
    return shell_pid


def rss_mb(pid, field="VmRSS:"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no " + field)


def wait_for_port(port, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.settimeout(5)
                if s.recv(512).startswith(b"220"):
                    s.sendall(b"QUIT\r\n")
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"Carrier did not answer on port {port} within {seconds} s")


def greeting_ms(port):
    """Milliseconds from connect() to the end of the 220 line; -1 if no greeting came within 10 s."""
    start = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            data = b""
            while not data.endswith(b"\r\n"):
                chunk = s.recv(512)
                if not chunk:
                    return -1
                data += chunk
            elapsed = (time.perf_counter() - start) * 1000
            s.sendall(b"QUIT\r\n")
            return elapsed if data.startswith(b"220") else -1
    except OSError:
        return -1


def hold(port, count, first_address):
    """A holder process: opens `count` sessions, reads each greeting, prints 'greeted refused', holds them until
    its stdin closes."""
    sel = selectors.DefaultSelector()
    sockets, greeted, refused, pending = [], 0, 0, 0
    for i in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.bind((f"127.0.0.{first_address + i // PER_ADDRESS}", 0))
        s.connect_ex(("127.0.0.1", port))
        sel.register(s, selectors.EVENT_READ)
        sockets.append(s)
        pending += 1
        # At most 500 sessions waiting for their greeting: a measure of sessions held, not of a SYN flood.
        while pending >= 500:
            g, r = drain(sel, 1)
            if g + r == 0:
                break
            greeted, refused, pending = greeted + g, refused + r, pending - g - r
    deadline = time.time() + 120
    while pending > 0 and time.time() < deadline:
        g, r = drain(sel, 1)
        greeted, refused, pending = greeted + g, refused + r, pending - g - r
    sel.close()
    print(greeted, refused + pending, flush=True)
    sys.stdin.read()  # until the parent is done measuring
    alive = sum(1 for s in sockets if still_open(s))
    print(alive, flush=True)


def still_open(s):
    try:
        s.setblocking(False)
        return s.recv(1, socket.MSG_PEEK) != b""  # b"" is the server's close (an idle timeout, a 421)
    except BlockingIOError:
        return True
    except OSError:
        return False


def drain(sel, timeout):
    greeted = refused = 0
    for key, _ in sel.select(timeout):
        try:
            data = key.fileobj.recv(512)
        except BlockingIOError:
            continue
        except OSError:
            data = b""
        sel.unregister(key.fileobj)
        if data.startswith(b"220"):
            greeted += 1
        else:
            refused += 1
    return greeted, refused


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--connections", type=int, default=50000)
    p.add_argument("--probes", type=int, default=200)
    p.add_argument("--per-process", type=int, default=15000, help="sessions a holder process opens (open-files limit)")
    p.add_argument("--max-rss-mb", type=float, default=500)
    p.add_argument("--max-greeting-ms", type=float, default=1000)
    p.add_argument("--hold", nargs=2, type=int, metavar=("COUNT", "FIRST_ADDRESS"), help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.hold:
        return hold(a.port, a.hold[0], a.hold[1])

    wait_for_port(a.port)
    pid = java_pid(a.pid)
    time.sleep(3)
    idle_before = [greeting_ms(a.port) for _ in range(20)]
    rss_start = rss_mb(pid)
    t0 = time.time()
    holders, left, address = [], a.connections, 2
    while left > 0:
        n = min(left, a.per_process)
        holders.append(subprocess.Popen([sys.executable, __file__, "--port", str(a.port), "--pid", "0", "--hold", str(n), str(address)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
        address += (n + PER_ADDRESS - 1) // PER_ADDRESS
        left -= n
    greeted = refused = 0
    for h in holders:
        g, r = map(int, h.stdout.readline().split())
        greeted, refused = greeted + g, refused + r
    opened_s = time.time() - t0
    time.sleep(5)
    rss_held = rss_mb(pid)
    latencies = [greeting_ms(a.port) for _ in range(a.probes)]
    failed = sum(1 for x in latencies if x < 0)
    latencies = sorted(x for x in latencies if x >= 0) or [float("inf")]
    rss_after, rss_peak = rss_mb(pid), rss_mb(pid, "VmHWM:")
    alive = 0
    for h in holders:
        h.stdin.close()
        alive += int(h.stdout.readline() or 0)
        h.wait(60)
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(f"idle sessions greeted: {greeted} of {a.connections} (refused or no greeting: {refused}) in {opened_s:.1f} s; "
          f"still open after the probes: {alive}")
    print(f"Carrier RSS: {rss_start:.0f} MB before, {rss_held:.0f} MB holding them, {rss_after:.0f} MB after the probes "
          f"(peak {rss_peak:.0f} MB); {(rss_held - rss_start) * 1024 / max(greeted, 1):.1f} KB per held session")
    print(f"greeting latency with no load: median {statistics.median(idle_before):.1f} ms")
    print(f"greeting latency of {a.probes} new sessions while holding them: median {statistics.median(latencies):.1f} ms, "
          f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms, without a greeting: {failed}")
    ok = greeted == a.connections and max(rss_held, rss_after) <= a.max_rss_mb and latencies[-1] <= a.max_greeting_ms and failed == 0
    print(f"targets (all greeted, RSS <= {a.max_rss_mb:.0f} MB, every new greeting within {a.max_greeting_ms:.0f} ms):",
          "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
