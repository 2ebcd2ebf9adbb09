"""A Khiu server with the demo catalog on a temporary SQLite file, in a background thread.

Used by the browser tests, the screenshot script and the benchmarks, so each runs against
the real app under waitress, set up by the same commands an administrator uses.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from waitress.server import create_server

from app import create_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_app(folder: Path, **settings: Any) -> Flask:
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'khiu.db'}",
        "SECRET_KEY": "demo-server-" + folder.name,
        **settings,
    }
    app = create_app(overrides=config)
    runner = app.test_cli_runner()
    for command in (["init-db"], ["seed-demo"]):
        result = runner.invoke(args=command)
        if result.exit_code != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.output}")
    return app


@contextmanager
def running(app: Flask, threads: int = 16) -> Iterator[str]:
    """Serve app with waitress on a free local port; yields the base URL."""
    server = create_server(app, host="127.0.0.1", port=free_port(), threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Close every socket from inside waitress's own loop (closing them from this thread
        # races its select()); with no channel left the loop returns.
        def close_all() -> None:
            for channel in list(server._map.values()):
                channel.close()

        try:
            server.trigger.pull_trigger(close_all)
        except OSError:  # its trigger is closed already: the loop is ending on its own
            close_all()
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=2)
