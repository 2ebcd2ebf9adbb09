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
    """Requests over one connection; JSON bodies in and out. Not for general use: it expects
    answers with Content-Length (as Flask's JSON answers have) or no body (204)."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30):
        parts = urlsplit(base_url)
        self.socket = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.host = parts.netloc
        self.extra = f"Authorization: Bearer {token}\r\n" if token else ""
        self.buffer = b""

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        payload = json.dumps(body or {}).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.extra}"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
        self.socket.sendall(head.encode() + payload)
        return self._response()

    def get(self, path: str) -> tuple[int, dict | None]:
        self.socket.sendall(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.extra}\r\n"
                            .encode())
        return self._response()

    def _response(self) -> tuple[int, dict | None]:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._receive()
        head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
        status = int(head[9:12])
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        while len(self.buffer) < length:
            self._receive()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, json.loads(body) if body else None

    def _receive(self) -> None:
        chunk = self.socket.recv(1 << 16)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.socket.close()
