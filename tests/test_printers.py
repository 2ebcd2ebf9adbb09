"""Ticket delivery: real ESC/POS jobs to a TCP port, to device files, and to the preview folder,
and the printer addresses that are refused."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from kiosk.printing import (
    PrinterError,
    decode_raster,
    encode_escpos,
    open_printer,
    print_ticket,
    render_ticket,
)
from tests.test_printing import SLIP


class RawPortPrinter:
    """A network printer on 127.0.0.1: records what each connection sent (or never reads)."""

    def __init__(self, *, reads: bool = True) -> None:
        self.reads = reads
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.received: list[bytes] = []
        self.got_one = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve)

    def _serve(self) -> None:
        held = []
        while True:
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                if self.stop.is_set():
                    break
                continue
            if not self.reads:
                held.append(conn)
                continue
            with conn:
                conn.settimeout(5)
                chunks = []
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
            self.received.append(b"".join(chunks))
            self.got_one.set()
        for conn in held:
            conn.close()

    def __enter__(self) -> RawPortPrinter:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(10)
        self.listener.close()


def test_network_printer_receives_the_whole_job_in_one_connection(tmp_path):
    data = encode_escpos(render_ticket(SLIP))
    with RawPortPrinter() as server:
        printer = open_printer(f"tcp://127.0.0.1:{server.port}", tmp_path)
        assert printer.send(data, "A001") == f"tcp://127.0.0.1:{server.port}"
        assert server.got_one.wait(5)
    assert server.received == [data]


def test_network_printer_that_is_off_fails_fast_with_a_reason():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    printer = open_printer(f"tcp://127.0.0.1:{port}?timeout=2")
    started = time.monotonic()
    with pytest.raises(PrinterError, match=f"127.0.0.1:{port}") as failure:
        printer.send(b"\x1b@", "A001")
    assert time.monotonic() - started < 5
    assert isinstance(failure.value.__cause__, OSError)


def test_network_printer_that_never_reads_takes_a_small_job_and_times_out_on_a_huge_one():
    with RawPortPrinter(reads=False) as server:
        printer = open_printer(f"tcp://127.0.0.1:{server.port}?timeout=0.5")
        printer.send(b"\x1b@" + b"\x00" * 1000, "small")
        started = time.monotonic()
        with pytest.raises(PrinterError, match="no answer within 0.5 s"):
            printer.send(b"\x00" * (64 * 1024 * 1024), "huge")  # more than any socket buffer
        assert time.monotonic() - started < 5


def test_device_file_printer_appends_each_job(tmp_path):
    target = tmp_path / "lp0"
    printer = open_printer(f"file://{target}")
    assert printer.send(b"one", "A001") == str(target)
    printer.send(b"two", "A002")
    assert target.read_bytes() == b"onetwo"


def test_device_file_in_a_missing_folder_is_a_printer_error(tmp_path):
    printer = open_printer(f"file://{tmp_path}/unplugged/lp0")
    with pytest.raises(PrinterError, match="unplugged/lp0"):
        printer.send(b"\x1b@", "A001")


def test_missing_dev_node_is_not_created():
    node = Path("/dev/khiu-test-no-such-printer")
    with pytest.raises(PrinterError, match="could not open"):
        open_printer(f"file://{node}").send(b"\x1b@", "A001")
    assert not node.exists()


def test_preview_keeps_the_bytes_and_a_picture(tmp_path):
    image = render_ticket(SLIP)
    data = encode_escpos(image)
    printer = open_printer("preview", tmp_path / "previews")
    where = Path(printer.send(data, "DEMO-A001", image))
    assert where == tmp_path / "previews" / "DEMO-A001.bin"
    assert where.read_bytes() == data
    with Image.open(where.with_suffix(".png")) as saved:
        assert saved.convert("1").tobytes() == image.tobytes()


def test_preview_without_an_image_draws_one_from_the_bytes_and_keeps_names_inside(tmp_path):
    image = render_ticket(SLIP, 384)
    where = Path(open_printer("preview", tmp_path).send(encode_escpos(image), "../A 001"))
    assert where.parent == tmp_path
    with Image.open(where.with_suffix(".png")) as saved:
        assert saved.size == (384, image.height)


def test_print_ticket_renders_for_the_paper_named_in_the_url(tmp_path):
    printer = open_printer("preview?width=384", tmp_path)
    where = Path(print_ticket(printer, SLIP))
    assert where.name == "A001.bin"
    assert decode_raster(where.read_bytes()).width == 384


def test_usb_printer_without_pyusb_says_what_is_missing():
    try:
        import usb  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pyusb is installed: the missing-extra message cannot be seen")
    with pytest.raises(PrinterError, match="pyusb"):
        open_printer("usb://04b8:0202").send(b"\x1b@", "A001")


@pytest.mark.parametrize("url", [
    "lpt1", "http://printer.local/", "tcp://", "tcp://host:notaport", "tcp://host?timeout=-1",
    "tcp://host?speed=9600", "file://relative/lp0", "usb://epson", "preview?width=500", "",
])
def test_unknown_printer_address_is_refused_with_the_accepted_forms(url):
    with pytest.raises(ValueError, match="PRINTER_URL"):
        open_printer(url, "/tmp")


def test_unknown_scheme_lists_what_is_accepted():
    with pytest.raises(ValueError, match="tcp://HOST.*file:///PATH.*usb://VID:PID.*preview"):
        open_printer("lpt://1")
