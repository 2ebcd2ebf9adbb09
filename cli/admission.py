"""How many requests a worker process runs at once (SERVER_REQUESTS_AT_ONCE, default 1).

A process runs one Python thread at a time (the GIL). When eight requests of one worker take
turns at it, the request holding SQLite's write slot waits for the other seven between its
statements, and every writer of every worker waits behind it: measured on two cores, the
slot was held 0.8 ms a write instead of 0.2. So each worker runs one request at a time and
the server runs several workers per core (SERVER_WORKERS), which is what Python servers with
one-request workers do; waitress's threads still read and write the sockets meanwhile.

A request waits at most SERVER_QUEUE_WAIT_MS for its turn and then runs beside the others,
so a slow page (a report over months, a catalog import) holds a kiosk up for no longer than
that. An event stream takes its turn to start and then streams outside it: its body is a
generator that waitress runs after the app has returned.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


class Admission:
    """WSGI middleware: at most `at_once` requests inside the app, each waiting at most
    `max_wait` seconds for its turn."""

    def __init__(self, app: Callable[..., Iterable[bytes]], at_once: int, max_wait: float):
        self.app = app
        self.turns = threading.Semaphore(at_once)
        self.max_wait = max_wait

    def __call__(self, environ: dict[str, Any], start_response) -> Iterable[bytes]:
        admitted = self.turns.acquire(timeout=self.max_wait)
        try:
            return self.app(environ, start_response)
        finally:
            if admitted:
                self.turns.release()


def admitted(app: Callable[..., Iterable[bytes]], at_once: int, max_wait_ms: int):
    """app behind an Admission, or app itself when at_once is 0 (no limit)."""
    return Admission(app, at_once, max_wait_ms / 1000) if at_once > 0 else app
