"""Ticket render + ESC/POS encode, the benchmark that needs no server (`bench.run` prints it)."""

from __future__ import annotations

import secrets
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bench.stats import percentile


def bench_print(rounds: int) -> dict:
    """Render + encode of tickets as a kiosk prints them one after another: the office's lines
    and the service's are the same on each, while the number, the people ahead, the time and
    the status page's address (its random token, so its QR) differ on every ticket."""
    from kiosk.printing import TicketSlip, encode_escpos, render_ticket

    slip = TicketSlip("สำนักงานเขตตัวอย่าง", "Demo District Office", "A123",
                      "การขอมีบัตรประจำตัวประชาชนใหม่ กรณีบัตรหายหรือถูกทำลาย",
                      "New ID card (lost or destroyed)", False, 12, 35,
                      datetime.now(UTC), "ค่าธรรมเนียม 100 บาท", "http://192.168.1.20:5000/t/x",
                      "ร้องเรียน/แนะนำบริการ: สายด่วนกรุงเทพมหานคร 1555",
                      "Fee 100 baht", "Complaints and suggestions: Bangkok hotline 1555",
                      "1, 2 หรือ 3", "1, 2 or 3")
    render_ticket(slip)  # the office's first ticket of the day draws its lines
    times = []
    for n in range(rounds):
        ticket = replace(slip, number=f"A{124 + n:03d}", people_ahead=12 + n,
                         eta_minutes=35 + 3 * n, issued_at=slip.issued_at + timedelta(minutes=n),
                         status_url="http://192.168.1.20:5000/t/" + secrets.token_urlsafe(24))
        started = time.perf_counter()
        encode_escpos(render_ticket(ticket))
        times.append((time.perf_counter() - started) * 1000)
    return {"mean": statistics.mean(times), "p95": percentile(times, .95)}
