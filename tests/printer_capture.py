"""A network printer stand-in: a real TCP socket on 127.0.0.1 that keeps every job's bytes."""

from __future__ import annotations

import socket
import threading


class CapturingPrinter:
    def __init__(self) -> None:
        self.jobs: list[bytes] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}?timeout=2"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            with connection:
                chunks = []
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
                self.jobs.append(b"".join(chunks))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._server.close()


def closed_port() -> int:
    """A local port nothing listens on (a printer that is switched off)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
