"""Start Khiu in its own process (waitress), on a fresh demo database, for benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scripts.demo_server import free_port

ROOT = Path(__file__).resolve().parent.parent


def flask(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                            env=env, capture_output=True, text=True, check=True)
    return result.stdout


@contextmanager
def khiu_server(database_url: str | None = None, threads: int = 64) -> Iterator[tuple[str, str]]:
    """Yields (base URL, API token of the demo supervisor)."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "SECRET_KEY": "bench", "OPENING_HOURS": "always",
               "DATABASE_URL": database_url or f"sqlite:///{folder}/khiu.db",
               "PRINT_PREVIEW_DIR": f"{folder}/printouts"}
        flask(["init-db"], env)
        flask(["seed-demo"], env)
        token = flask(["create-token", "supervisor"], env).strip().splitlines()[-1]
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "serve", "--port", str(port),
             "--threads", str(threads)], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/api/v1/counters", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            yield base, token
        finally:
            process.terminate()
            process.wait(timeout=10)
