"""Serve the app with waitress: many threads, because event streams hold a thread each.

With --workers N above 1 the command forks N worker processes that share one listening
socket, so a 2-core office server uses both cores; the least busy worker takes each new
connection (cli/balance.py). Each worker runs one request at a time (cli/admission.py), so
four workers suit two cores. Beside their connection counts, workers share only the
database: SQLite queues their writers on its lock, and live screens hear the other workers'
events through the event watcher (kiosk/events.py).
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from cli.admission import admitted
from cli.balance import WorkerLoads, serve_balanced
from models import db


def listening_socket(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    return sock


def served_app(app: Flask):
    return admitted(app, app.config["SERVER_REQUESTS_AT_ONCE"],
                    app.config["SERVER_QUEUE_WAIT_MS"])


def settle_heap() -> None:
    """Take the objects made so far (the app, its blueprints, compiled statements, the
    catalog) out of the cyclic garbage collector's view before serving.

    Otherwise every full collection walks them all again: in each of the forked workers,
    whose heaps are copies of one another, so their collections came at the same moments
    and stalled all four together for about 300 ms (the ticket benchmark's p99 on
    PostgreSQL read 186-370 ms; the slowest request of a run 63-105 ms after this, in
    alternating runs). Freezing before fork() is what the gc module's documentation advises,
    and it also keeps the workers from touching, and so copying, the pages of those
    objects."""
    gc.collect()
    gc.freeze()


def run_single(app: Flask, host: str, port: int, threads: int) -> None:
    import waitress

    waitress.serve(served_app(app), sockets=[listening_socket(host, port)], threads=threads,
                   ident="khiu")


def supervise(app: Flask, host: str, port: int, threads: int, workers: int) -> None:
    """Fork the workers, restart one that dies, stop them all on SIGTERM or Ctrl-C."""
    sock = listening_socket(host, port)  # fails here if the port is taken
    sock.listen(1024)
    loads = WorkerLoads(workers)
    with app.app_context():
        db.engine.dispose()  # no connection may be shared with a child
    settle_heap()
    children: dict[int, int] = {}  # pid: worker index (its slot in loads)
    stopping = False

    def fork_worker(index: int) -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                serve_balanced(served_app(app), sock, threads, loads, index)
            finally:
                os._exit(0)
        children[pid] = index

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for index in range(workers):
        fork_worker(index)
    while children:
        try:
            pid, _ = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        index = children.pop(pid, None)
        if index is None:
            continue
        loads.bury(index)
        if not stopping:
            click.echo(f"worker {pid} exited; starting another", err=True)
            fork_worker(index)
    sys.exit(0)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 to serve the office LAN.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", type=int, default=None,
              help="Worker threads per process (default: SERVER_THREADS setting).")
@click.option("--workers", type=click.IntRange(1, 16), default=None,
              help="Worker processes on the same port (default: SERVER_WORKERS setting).")
@with_appcontext
def serve_command(host: str, port: int, threads: int | None, workers: int | None) -> None:
    """Run Khiu with the waitress production server."""
    app = current_app._get_current_object()
    threads = threads or app.config["SERVER_THREADS"]
    workers = workers or app.config["SERVER_WORKERS"]
    click.echo(f"Khiu on http://{host}:{port}/ ({workers} x {threads} threads)")
    if workers == 1:
        settle_heap()
        run_single(app, host, port, threads)
    else:
        supervise(app, host, port, threads, workers)


COMMANDS = [serve_command]
