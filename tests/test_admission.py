"""cli/admission.py: a worker runs one request at a time, but never holds one up for long."""

from __future__ import annotations

import threading
import time

from cli.admission import Admission, admitted


def run(app, environ=None) -> bytes:
    return b"".join(app(environ or {}, lambda status, headers: None))


def test_no_more_requests_run_at_once_than_allowed():
    inside = 0
    most = 0
    lock = threading.Lock()

    def app(environ, start_response):
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.01)
        with lock:
            inside -= 1
        return [b"ok"]

    gated = Admission(app, at_once=1, max_wait=5)
    threads = [threading.Thread(target=run, args=(gated,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1


def test_a_request_that_waited_too_long_runs_anyway():
    slow_started = threading.Event()
    release_slow = threading.Event()

    def app(environ, start_response):
        if environ.get("slow"):
            slow_started.set()
            release_slow.wait(5)
        return [b"done"]

    gated = Admission(app, at_once=1, max_wait=0.1)
    slow = threading.Thread(target=run, args=(gated, {"slow": True}))
    slow.start()
    slow_started.wait(5)
    started = time.monotonic()
    assert run(gated) == b"done"  # the slow request still has its turn
    waited = time.monotonic() - started
    release_slow.set()
    slow.join()
    assert 0.09 <= waited < 1


def test_a_stream_streams_outside_its_turn_and_a_failure_gives_the_turn_back():
    more = threading.Event()

    def app(environ, start_response):
        if environ.get("fail"):
            raise RuntimeError("a view failed")
        if environ.get("stream"):
            def body():
                yield b"first"
                more.wait(5)
                yield b"second"
            return body()
        return [b"page"]

    gated = Admission(app, at_once=1, max_wait=5)
    stream = iter(gated({"stream": True}, lambda status, headers: None))
    assert next(stream) == b"first"
    started = time.monotonic()
    assert run(gated) == b"page"  # while the stream is open
    try:
        run(gated, {"fail": True})
    except RuntimeError:
        pass
    assert run(gated) == b"page"
    assert time.monotonic() - started < 1
    more.set()
    assert next(stream) == b"second"


def test_no_limit_leaves_the_app_as_it_is():
    def app(environ, start_response):
        return [b""]

    assert admitted(app, 0, 100) is app
    assert isinstance(admitted(app, 1, 100), Admission)
