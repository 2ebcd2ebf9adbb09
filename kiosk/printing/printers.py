"""Where ticket bytes go, chosen by the PRINTER_URL setting.

    tcp://HOST[:PORT][?timeout=SECONDS]   network printer, raw port (9100 unless given)
    file:///dev/usb/lp0[?timeout=SECONDS] a printer device file (or any file path)
    usb://VID:PID                         USB printer by hex vendor:product id (needs pyusb)
    preview                               .bin and .png files in the preview folder (default)

Every URL may also carry `width=384` (58 mm paper) or `width=576` (80 mm, the default): the dots
the ticket is rendered for. Any failure to deliver raises PrinterError; a malformed URL raises
ValueError when the printer is opened, so a wrong setting shows at start-up.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from escpos.printer import Usb
from PIL import Image

from kiosk.printing.escpos_bytes import decode_raster, encode_escpos
from kiosk.printing.render import PAPER_80MM, draw_ticket
from kiosk.printing.slip import TicketSlip

ACCEPTED = ("tcp://HOST[:PORT][?timeout=SECONDS]", "file:///PATH", "usb://VID:PID", "preview")
RAW_PORT = 9100
NETWORK_TIMEOUT = 3.0
DEVICE_TIMEOUT = 10.0


class PrinterError(Exception):
    """A ticket could not be delivered to the printer; the message says where and why."""


class Printer(Protocol):
    width_dots: int

    def send(self, data: bytes, name: str, image: Image.Image | None = None) -> str:
        """Deliver one print job; returns where it went. Raises PrinterError."""
        ...


@dataclass(frozen=True)
class NetworkPrinter:
    host: str
    port: int = RAW_PORT
    timeout: float = NETWORK_TIMEOUT
    width_dots: int = PAPER_80MM

    def send(self, data: bytes, name: str, image: Image.Image | None = None) -> str:
        where = f"{self.host}:{self.port}"
        step = "connect to"
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as conn:
                step = "send to"
                conn.sendall(data)
                # The printer may already have closed its side; what matters is that it got it all.
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_WR)
        except TimeoutError as exc:
            raise PrinterError(f"could not {step} the network printer at {where}: "
                               f"no answer within {self.timeout:g} s") from exc
        except OSError as exc:
            raise PrinterError(f"could not {step} the network printer at {where}: "
                               f"{exc.strerror or exc}") from exc
        return f"tcp://{where}"


@dataclass(frozen=True)
class DevicePrinter:
    path: Path
    timeout: float = DEVICE_TIMEOUT
    width_dots: int = PAPER_80MM

    def send(self, data: bytes, name: str, image: Image.Image | None = None) -> str:
        # A device node must exist already (creating /dev/usb/lp0 as a plain file would swallow
        # every ticket); any other path is appended to, which is handy for spooling and tests.
        is_device = self.path.is_relative_to("/dev")
        flags = os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | (0 if is_device else os.O_CREAT)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            raise PrinterError(f"could not open the printer device {self.path}: "
                               f"{exc.strerror or exc}") from exc
        try:
            self._write_all(fd, data)
        except OSError as exc:
            raise PrinterError(f"could not write to the printer device {self.path}: "
                               f"{exc.strerror or exc}") from exc
        finally:
            os.close(fd)
        return str(self.path)

    def _write_all(self, fd: int, data: bytes) -> None:
        # Non-blocking with a deadline: a USB printer out of paper would otherwise hang forever.
        deadline = time.monotonic() + self.timeout
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"printer busy for {self.timeout:g} s "
                                       "(out of paper or offline?)") from None
                select.select([], [fd], [], remaining)


@dataclass(frozen=True)
class UsbPrinter:
    vendor_id: int
    product_id: int
    width_dots: int = PAPER_80MM

    def send(self, data: bytes, name: str, image: Image.Image | None = None) -> str:
        where = f"usb://{self.vendor_id:04x}:{self.product_id:04x}"
        if not Usb.is_usable():
            raise PrinterError(f"usb printing needs the pyusb extra (python-escpos[usb]) "
                               f"to reach {where}; or use file:///dev/usb/lp0")
        printer = Usb(self.vendor_id, self.product_id, timeout=int(DEVICE_TIMEOUT * 1000))
        try:
            printer.open()
            printer._raw(data)  # python-escpos has no public call for ready-made bytes
        except Exception as exc:  # pyusb and python-escpos raise several unrelated types
            raise PrinterError(f"could not print to the USB printer {where}: {exc}") from exc
        finally:
            printer.close()
        return where


@dataclass(frozen=True)
class PreviewPrinter:
    folder: Path
    width_dots: int = PAPER_80MM

    def send(self, data: bytes, name: str, image: Image.Image | None = None) -> str:
        """Writes NAME.bin (the bytes) and NAME.png; returns the .bin path."""
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "ticket"
        target = self.folder / f"{stem}.bin"
        if image is None:
            with contextlib.suppress(ValueError):
                image = decode_raster(data)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _replace_atomically(target, lambda f: f.write(data))
            if image is not None:
                _replace_atomically(target.with_suffix(".png"),
                                    lambda f: image.save(f, format="PNG"))
        except OSError as exc:
            raise PrinterError(f"could not write the print preview {target}: "
                               f"{exc.strerror or exc}") from exc
        return str(target)


def _replace_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    # The staff preview page may read the file while a reprint replaces it.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _options(query: str, allowed: set[str], url: str) -> dict[str, str]:
    options = {key: values[-1] for key, values in parse_qs(query, strict_parsing=False).items()}
    unknown = set(options) - allowed
    if unknown:
        raise ValueError(f"PRINTER_URL {url!r}: unknown option(s) {', '.join(sorted(unknown))}; "
                         f"allowed: {', '.join(sorted(allowed))}")
    return options


def _number(options: dict[str, str], key: str, default: float, url: str) -> float:
    try:
        value = float(options.get(key, default))
    except ValueError:
        raise ValueError(f"PRINTER_URL {url!r}: {key} must be a number") from None
    if not 0 < value <= 600:
        raise ValueError(f"PRINTER_URL {url!r}: {key} must be between 0 and 600")
    return value


def _width(options: dict[str, str], url: str) -> int:
    width = options.get("width", str(PAPER_80MM))
    if not width.isdigit() or int(width) % 8 or not 256 <= int(width) <= 832:
        raise ValueError(f"PRINTER_URL {url!r}: width is the paper width in dots, "
                         "384 for 58 mm or 576 for 80 mm")
    return int(width)


def open_printer(url: str, preview_dir: str | os.PathLike[str] | None = None) -> Printer:
    """The printer named by a PRINTER_URL; ValueError (listing the accepted forms) if malformed."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "tcp":
        options = _options(parts.query, {"timeout", "width"}, url)
        try:
            port = parts.port or RAW_PORT
        except ValueError:
            raise ValueError(f"PRINTER_URL {url!r}: the port must be a number 1-65535") from None
        if not parts.hostname:
            raise ValueError(f"PRINTER_URL {url!r}: no host; write tcp://HOST:PORT")
        return NetworkPrinter(parts.hostname, port, _number(options, "timeout", NETWORK_TIMEOUT,
                                                           url), _width(options, url))
    if scheme == "file":
        options = _options(parts.query, {"timeout", "width"}, url)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError(f"PRINTER_URL {url!r}: write an absolute path after file://, "
                             "e.g. file:///dev/usb/lp0")
        return DevicePrinter(Path(unquote(parts.path)), _number(options, "timeout",
                                                                DEVICE_TIMEOUT, url),
                             _width(options, url))
    if scheme == "usb":
        options = _options(parts.query, {"width"}, url)
        ids = re.fullmatch(r"([0-9A-Fa-f]{1,4}):([0-9A-Fa-f]{1,4})", parts.netloc)
        if not ids or parts.path not in ("", "/"):
            raise ValueError(f"PRINTER_URL {url!r}: write usb://VID:PID in hex, "
                             "e.g. usb://04b8:0202")
        return UsbPrinter(int(ids[1], 16), int(ids[2], 16), _width(options, url))
    if parts.path.lower() == "preview" and not scheme and not parts.netloc:
        options = _options(parts.query, {"width"}, url)
        if preview_dir is None:
            raise ValueError("PRINTER_URL 'preview' needs a preview folder")
        return PreviewPrinter(Path(preview_dir), _width(options, url))
    raise ValueError(f"PRINTER_URL {url!r} is not a printer address; accepted forms: "
                     + ", ".join(ACCEPTED))


def print_ticket(printer: Printer, slip: TicketSlip, name: str | None = None) -> str:
    """Render the slip for the printer's paper, encode it and send it; raises PrinterError."""
    image = draw_ticket(slip, printer.width_dots).image
    return printer.send(encode_escpos(image), name or slip.number, image)
