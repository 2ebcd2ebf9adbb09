"""Ticket printing behind a seam: slip → image (Thai shaped by Raqm) → ESC/POS bytes → printer.

    printer = open_printer(app.config["PRINTER_URL"], preview_dir)   # ValueError if malformed
    print_ticket(printer, slip)                                      # PrinterError on any fault

Printing is never part of issuing a ticket: the ticket exists first, a failed print is retried.
"""

from kiosk.printing.escpos_bytes import decode_raster, encode_escpos
from kiosk.printing.printers import Printer, PrinterError, open_printer, print_ticket
from kiosk.printing.render import (
    PAPER_58MM,
    PAPER_80MM,
    RenderedTicket,
    draw_ticket,
    raqm_available,
    render_ticket,
)
from kiosk.printing.slip import TicketSlip

__all__ = [
    "PAPER_58MM",
    "PAPER_80MM",
    "Printer",
    "PrinterError",
    "RenderedTicket",
    "TicketSlip",
    "decode_raster",
    "draw_ticket",
    "encode_escpos",
    "open_printer",
    "print_ticket",
    "raqm_available",
    "render_ticket",
]
