"""Khiu in its own process (waitress), as an office runs it: for benchmarks and process tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from scripts.demo_server import free_port

ROOT = Path(__file__).resolve().parent.parent


def flask(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                            env=env, capture_output=True, text=True, check=True)
    return result.stdout


def demo_environment(folder: str, database_url: str | None = None) -> dict[str, str]:
    """Settings for a demo office in folder (SQLite there unless database_url is given)."""
    return {**os.environ, "SECRET_KEY": "khiu-process", "OPENING_HOURS": "always",
            "DATABASE_URL": database_url or f"sqlite:///{folder}/khiu.db",
            "PRINT_PREVIEW_DIR": f"{folder}/printouts"}


def prepare(env: dict[str, str]) -> str:
    """init-db and seed-demo; returns an API token of the demo supervisor."""
    flask(["init-db"], env)
    flask(["seed-demo"], env)
    return flask(["create-token", "supervisor"], env).strip().splitlines()[-1]


@contextmanager
def server_process(env: dict[str, str], threads: int = 64,
                   workers: int = 1) -> Iterator[tuple[subprocess.Popen, str]]:
    """One `flask serve` (with `workers` processes); yields the process (a test may kill it)
    and its base URL once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "serve", "--port", str(port),
         "--threads", str(threads), "--workers", str(workers)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/api/v1/counters", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError("the Khiu process exited at start-up") from None
                time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)


@contextmanager
def serving(env: dict[str, str], threads: int = 64, workers: int = 1) -> Iterator[str]:
    """One `flask serve` (with `workers` processes); yields its base URL once it answers."""
    with server_process(env, threads, workers) as (_, base):
        yield base


@contextmanager
def khiu_server(database_url: str | None = None, threads: int = 64, processes: int = 1,
                workers: int = 1) -> Iterator[tuple[list[str], str]]:
    """A prepared demo office served by `processes` servers of `workers` worker processes
    each: yields (base URLs, token)."""
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        env = demo_environment(folder, database_url)
        token = prepare(env)
        bases = [stack.enter_context(serving(env, threads, workers)) for _ in range(processes)]
        yield bases, token
