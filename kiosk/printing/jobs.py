"""Print jobs: a ticket is committed first, then printed; the outcome is recorded either way."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app

from kiosk.printing.printers import PrinterError, open_printer, print_ticket
from kiosk.printing.slip import TicketSlip
from models import PrintJob, PrintStatus, Ticket, db
from models.base import begin_write, now_utc
from models.estimates import eta_minutes, people_ahead
from models.staff import calling_counters
from web.i18n import counter_list, fee_text
from web.qr import public_url

log = logging.getLogger("khiu.printing")


def preview_dir() -> Path:
    configured = current_app.config.get("PRINT_PREVIEW_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "printouts"


def slip_for(ticket: Ticket) -> TicketSlip:
    config = current_app.config
    ahead = people_ahead(db.session, ticket, priority_ratio=config["PRIORITY_RATIO"])
    hotline = config["COMPLAINT_CHANNELS"][1]  # (Thai, English)
    counters = calling_counters(db.session, ticket.service_id)
    return TicketSlip(
        office_name=config["OFFICE_NAME"], office_name_en=config["OFFICE_NAME_EN"],
        number=ticket.number, service_name_th=ticket.service.name_th,
        service_name_en=ticket.service.name_en, priority=ticket.priority,
        people_ahead=ahead,
        eta_minutes=eta_minutes(db.session, ticket.service_id, ahead, ticket.business_day),
        issued_at=ticket.issued_at, fee_line=fee_text(ticket.service, "th"),
        fee_line_en=fee_text(ticket.service, "en"),
        status_url=public_url("tickets.status", token=ticket.token),
        complaint_line="ร้องเรียน/แนะนำบริการ: " + hotline[0],
        complaint_line_en="Complaints and suggestions: " + hotline[1],
        counters_th=counter_list(counters, "th"), counters_en=counter_list(counters, "en"),
    )


def new_print_job(ticket: Ticket) -> PrintJob:
    job = PrintJob(ticket=ticket, printer_url=current_app.config["PRINTER_URL"])
    db.session.add(job)
    return job


def run_print_job(job: PrintJob) -> PrintJob:
    """Send a committed job to its printer and commit the outcome. Never raises a fault of the
    printer or of the way to it; the database may (busy) when the outcome is written."""
    ticket = job.ticket
    name = f"{ticket.business_day:%Y%m%d}-{ticket.number}-{job.id}"
    try:
        printer = open_printer(job.printer_url, preview_dir())
        destination = print_ticket(printer, slip_for(ticket), name)
    except Exception as exc:  # off, out of paper, or a fault of the driver or the rendering
        expected = isinstance(exc, PrinterError | OSError)
        log.warning("ticket %s did not print: %s", ticket.number, exc, exc_info=not expected)
        status, destination, error = PrintStatus.FAILED, "", str(exc)[:2000]
    else:
        status, error = PrintStatus.PRINTED, ""
    job_id = job.id
    begin_write(db.session)
    job = db.session.get(PrintJob, job_id)
    job.status, job.destination, job.error = status, destination, error
    job.finished_at = now_utc()
    db.session.commit()
    return job


def reprint(ticket: Ticket) -> PrintJob:
    """A fresh print job for a ticket (after a jam, or on request), printed now."""
    begin_write(db.session)
    ticket = db.session.get(Ticket, ticket.id)
    job = new_print_job(ticket)
    db.session.commit()
    return run_print_job(job)
