"""A lean HTTP/1.1 keep-alive client for the benchmarks.

The load runs on the same two cores as the server, so every microsecond the client spends is
taken from the server being measured. http.client parses each response's headers with the
email package and costs about 0.3 ms a request; this client reads the status line and
Content-Length only (what a JSON API answer needs) and costs a fraction of that.
"""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit


class LeanClient:
    """Requests over one keep-alive connection (opened again when the server closed it); JSON
    bodies in and out. Not for general use: it expects answers with Content-Length (as
    Flask's JSON answers have) or no body (204)."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30):
        parts = urlsplit(base_url)
        self.address = (parts.hostname, parts.port)
        self.timeout = timeout
        self.socket: socket.socket | None = None
        self._connect()
        self.host = parts.netloc
        self.extra = f"Authorization: Bearer {token}\r\n" if token else ""
        self.buffer = b""

    def _connect(self) -> None:
        self.socket = socket.create_connection(self.address, timeout=self.timeout)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, data: bytes) -> None:
        if self.socket is None:  # the server closed the connection after its last answer
            self._connect()
        self.socket.sendall(data)

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        payload = json.dumps(body or {}).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.extra}"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
        self._send(head.encode() + payload)
        return self._response()

    def get(self, path: str) -> tuple[int, dict | None]:
        self._send(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.extra}\r\n".encode())
        return self._response()

    def _response(self) -> tuple[int, dict | None]:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._receive()
        head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
        status = int(head[9:12])
        length, closing = 0, False
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            name = name.lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                closing = value.strip().lower() == "close"
        while len(self.buffer) < length:
            self._receive()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if closing:
            # waitress closes the connection after an answer without Content-Length (a 204,
            # "nobody waits"); the next request opens a new one.
            self.close()
        return status, json.loads(body) if body else None

    def _receive(self) -> None:
        chunk = self.socket.recv(1 << 16)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        """Close the connection; a later request opens a new one."""
        if self.socket is not None:
            self.socket.close()
            self.socket = None
        self.buffer = b""
