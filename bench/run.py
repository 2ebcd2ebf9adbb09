"""Khiu benchmarks: `python -m bench.run` (or `make bench`). Prints a Markdown table.

- issue: tickets over HTTP, 16 concurrent clients, server under waitress in its own process
- call-next: 8 counters claiming tickets over HTTP (bench/calling.py), each visit finished by
  a request of its own, then (a second run) by the counter's next call-next ({"finish": TOKEN})
- quiet counter: call-next behind another service's long queue, one counter at a time
- board: call-to-board latency over SSE with 50 boards connected
- print: ticket render + ESC/POS encode
Targets (2 cores): >= 750 tickets/s with p99 <= 50 ms; >= 500 calls/s; SSE p95 <= 50 ms;
render + encode <= 30 ms.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter as Tally
from contextlib import ExitStack

from bench.calling import (
    WARM_UP,
    bench_call,
    bench_quiet_counter,
    refill,
    run_key,
    run_threads,
)
from bench.http import LeanClient as Client
from bench.printing import bench_print
from bench.reports import report_rows
from bench.stats import percentile
from scripts.khiu_process import khiu_server
from scripts.postgres_server import throwaway_postgres
from tests.load_helpers import KIOSK_SERVICES


def bench_issue(base: str, clients: int, per_client: int) -> dict:
    latencies: list[float] = []
    numbers: list[str] = []
    untimed: list[str] = []  # the warm-up's numbers: checked for duplicates, not timed
    lock = threading.Lock()
    timed = threading.Barrier(clients + 1)

    def kiosk(index: int) -> None:
        client = Client(base)
        mine, got = [], []
        for n in range(WARM_UP):
            status, data = client.post("/api/v1/tickets", {
                "service": KIOSK_SERVICES[n % len(KIOSK_SERVICES)],
                "idempotency_key": run_key(f"w{index}-{n}")})
            if status == 201:
                with lock:
                    untimed.append(data["number"])
        timed.wait()
        for n in range(per_client):
            body = {"service": KIOSK_SERVICES[(index + n) % len(KIOSK_SERVICES)],
                    "idempotency_key": run_key(f"b{index}-{n}")}
            started = time.perf_counter()
            status, data = client.post("/api/v1/tickets", body)
            mine.append(time.perf_counter() - started)
            if status == 201:
                got.append(data["number"])
        client.close()
        with lock:
            latencies.extend(mine)
            numbers.extend(got)

    elapsed = run_threads(clients, kiosk, timed)
    duplicates = sum(c - 1 for c in Tally(numbers + untimed).values() if c > 1)
    return {"rate": len(numbers) / elapsed, "p50": percentile(latencies, .5) * 1000,
            "p99": percentile(latencies, .99) * 1000, "count": len(numbers),
            "failed": clients * per_client - len(numbers), "duplicates": duplicates}


def bench_board(base: str, token: str, boards: int, calls: int) -> dict:
    """Call-to-board latency: from sending call-next to each board reading the called number.

    The boards are 50 connections read by one thread with a selector. (Fifty reader threads in
    the benchmark's own interpreter would measure how long they queue for its GIL: real
    boards are separate browsers.)
    """
    import selectors
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    selector = selectors.DefaultSelector()
    request = (f"GET /board/events HTTP/1.1\r\nHost: {parts.netloc}\r\n"
               "Accept: text/event-stream\r\n\r\n").encode()
    for _ in range(boards):
        sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        sock.sendall(request)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, {"buffer": b"", "scanned": 0})
    arrivals: dict[str, list[float]] = {}
    stop = threading.Event()
    marker = b'data-number="'

    def read_boards() -> None:
        while not stop.is_set():
            for key, _ in selector.select(timeout=0.1):
                chunk = key.fileobj.recv(1 << 16)
                now = time.perf_counter()
                state = key.data
                state["buffer"] += chunk
                while (found := state["buffer"].find(marker, state["scanned"])) >= 0:
                    end = state["buffer"].find(b'"', found + len(marker))
                    if end < 0:
                        break
                    number = state["buffer"][found + len(marker):end].decode()
                    arrivals.setdefault(number, []).append(now)
                    state["scanned"] = end
                state["buffer"] = state["buffer"][state["scanned"]:]
                state["scanned"] = 0

    reader = threading.Thread(target=read_boards, daemon=True)
    reader.start()
    time.sleep(1.0)  # every board has connected and read its first message
    caller = Client(base, token)
    desk = Client(base)
    counter = caller.get("/api/v1/counters")[1][0]["id"]
    sent: dict[str, float] = {}
    for n in range(calls):
        desk.post("/api/v1/tickets", {"service": "REG-BIRTH",
                                      "idempotency_key": run_key(f"sse-{n}")})
        started = time.perf_counter()
        status, data = caller.post(f"/api/v1/counters/{counter}/call-next")
        number = data["ticket"]["number"]
        sent[number] = started
        time.sleep(0.3)
        caller.post(f"/api/v1/tickets/{data['ticket']['token']}/finish")
    time.sleep(1)
    stop.set()
    reader.join()
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    delays = [(arrived - sent[number]) * 1000 for number, times in arrivals.items()
              if number in sent for arrived in times]
    missed = calls * boards - len(delays)
    return {"p50": percentile(delays, .5), "p95": percentile(delays, .95), "missed": missed,
            "deliveries": len(delays)}


def machine_reference() -> float:
    """Milliseconds for a fixed pure-Python workload, the best of five: how fast this machine
    runs at the moment (the project's 2-core machine has moved by a third within a day), so
    rows of different runs can be compared."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        sum(i * i for i in range(500_000))
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="benchmark this database instead of SQLite")
    parser.add_argument("--postgres", action="store_true",
                        help="benchmark a throwaway PostgreSQL started for the run")
    parser.add_argument("--tickets", type=int, default=3200, help="tickets issued in all")
    parser.add_argument("--workers", type=int, default=4,
                        help="server worker processes (flask serve --workers)")
    parser.add_argument("--no-reports", action="store_true",
                        help="skip the report pages (they first generate 200,000 visits)")
    args = parser.parse_args()
    with ExitStack() as stack:
        url = args.database_url
        if args.postgres:
            url = stack.enter_context(throwaway_postgres())
        rows = run_all(url, args.tickets, args.workers, reports=not args.no_reports)
    print("| benchmark | throughput | latency | correctness | target |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


def run_all(url: str | None, tickets: int, workers: int, reports: bool = True) -> list[str]:
    engine = "PostgreSQL" if url else "SQLite"
    engine += f", {workers} worker{'s' if workers > 1 else ''}"
    rows = []
    before = machine_reference()
    with khiu_server(url, workers=workers) as ([base], token):
        issue = bench_issue(base, 16, tickets // 16)
        rows.append(f"| issue ticket, 16 clients, {engine} | {issue['rate']:.0f} tickets/s | "
                    f"p50 {issue['p50']:.1f} ms, p99 {issue['p99']:.1f} ms | "
                    f"{issue['duplicates']} duplicates, {issue['failed']} failed | "
                    "≥ 750/s, p99 ≤ 50 ms |")
        call = bench_call(base, token)
        rows.append(f"| call-next, 8 counters, {engine} | {call['rate']:.0f} calls/s "
                    f"(each + finish) | p50 {call['p50']:.1f} ms, p99 {call['p99']:.1f} ms | "
                    f"{call['doubles']} double calls of {call['count']} | ≥ 500/s |")
        refill(base, tickets)
        one = bench_call(base, token, finish_with_call=True)
        rows.append(f"| call-next finishing the counter's last visit, 8 counters, {engine} | "
                    f"{one['rate']:.0f} calls/s (one request each) | p50 {one['p50']:.1f} ms, "
                    f"p99 {one['p99']:.1f} ms | {one['doubles']} double calls of {one['count']} "
                    "| ≥ 500/s |")
        board = bench_board(base, token, boards=50, calls=20)
        rows.append(f"| call → board over SSE, 50 boards, {engine} | "
                    f"{board['deliveries']} deliveries | p50 {board['p50']:.1f} ms, "
                    f"p95 {board['p95']:.1f} ms | {board['missed']} missed | p95 ≤ 50 ms |")
        quiet = bench_quiet_counter(base, token, others=3000, calls=100)
        rows.append(f"| call-next at a quiet counter, 3,000 tickets of another service waiting, "
                    f"{engine} | — | p50 {quiet['p50']:.1f} ms, p95 {quiet['p95']:.1f} ms | — | "
                    "— |")
    printing = bench_print(30)
    rows.append(f"| ticket render + ESC/POS encode (576 dots) | — | mean {printing['mean']:.1f} ms,"
                f" p95 {printing['p95']:.1f} ms | — | ≤ 30 ms |")
    rows.append(f"| machine reference: a fixed Python loop, before / after the queue rows | — | "
                f"{before:.1f} / {machine_reference():.1f} ms | — | — |")
    if url is None and reports:  # report pages on 200,000 visits, SQLite (bench/reports.py)
        rows.extend(report_rows())
    return rows


if __name__ == "__main__":
    main()
