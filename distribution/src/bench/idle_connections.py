"""Holds N idle SMTP sessions open against Carrier and measures its resident memory and greeting latency.

Used by idle-connections.sh; prints the figures and exits non-zero if a target is missed.
"""
import argparse
import os
import selectors
import socket
import statistics
import sys
import time


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


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def wait_for_port(port, seconds=60):
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
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = s.recv(512)
            if not chunk:
                raise RuntimeError("closed before the greeting")
            data += chunk
        elapsed = (time.perf_counter() - start) * 1000
        if not data.startswith(b"220"):
            raise RuntimeError(f"no greeting: {data!r}")
        s.sendall(b"QUIT\r\n")
    return elapsed


def open_idle(port, count):
    """Opens `count` sessions without blocking and reads each greeting; returns the sockets and refusals."""
    sel = selectors.DefaultSelector()
    sockets, greeted, refused = [], 0, 0
    for i in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        sel.register(s, selectors.EVENT_READ)
        sockets.append(s)
        # Keep at most 1,000 sessions waiting for their greeting, so the measure is of sessions held, not of a SYN flood.
        while len(sockets) - greeted - refused >= 1000:
            before = greeted + refused
            greeted, refused = drain(sel, greeted, refused, 1)
            if greeted + refused == before:
                break
    deadline = time.time() + 120
    while greeted + refused < count and time.time() < deadline:
        greeted, refused = drain(sel, greeted, refused, 1)
    sel.close()
    return sockets, greeted, refused


def drain(sel, greeted, refused, timeout):
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
    p.add_argument("--connections", type=int, default=10000)
    p.add_argument("--probes", type=int, default=200)
    a = p.parse_args()

    wait_for_port(a.port)
    pid = java_pid(a.pid)
    time.sleep(3)
    idle_before = [greeting_ms(a.port) for _ in range(20)]
    rss_start = rss_mb(pid)
    t0 = time.time()
    held, greeted, refused = open_idle(a.port, a.connections)
    opened_s = time.time() - t0
    time.sleep(5)
    rss_held = rss_mb(pid)
    latencies = [greeting_ms(a.port) for _ in range(a.probes)]
    rss_after = rss_mb(pid)
    alive = 0
    for s in held:
        try:
            s.send(b"")
            alive += 1
        except OSError:
            pass
    for s in held:
        s.close()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"idle sessions greeted: {greeted} of {a.connections} (refused or failed: {refused}) in {opened_s:.1f} s; still open: {alive}")
    print(f"Carrier RSS: {rss_start:.0f} MB before, {rss_held:.0f} MB holding them, {rss_after:.0f} MB after the probes")
    print(f"greeting latency with no load: median {statistics.median(idle_before):.1f} ms")
    print(f"greeting latency of {a.probes} new sessions while holding them: median {statistics.median(latencies):.1f} ms, "
          f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms")
    ok = greeted == a.connections and max(rss_held, rss_after) <= 300 and p95 < 100
    print("targets (all greeted, RSS <= 300 MB, p95 greeting < 100 ms):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
