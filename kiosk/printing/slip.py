"""What a printed queue ticket says: everything the renderer needs, nothing from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TicketSlip:
    office_name: str
    office_name_en: str
    number: str
    service_name_th: str
    service_name_en: str
    priority: bool
    people_ahead: int
    eta_minutes: int
    issued_at: datetime
    fee_line: str
    status_url: str
    complaint_line: str
    fee_line_en: str = ""
    complaint_line_en: str = ""
    # The counters that will call the ticket ("1, 2 หรือ 3" / "1, 2 or 3"); blank: not printed.
    counters_th: str = ""
    counters_en: str = ""

    def __post_init__(self) -> None:
        # A naive time would print as if it were Bangkok or UTC depending on the server: refuse it.
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("TicketSlip.issued_at must be an aware datetime (UTC)")
        if self.people_ahead < 0 or self.eta_minutes < 0:
            raise ValueError("TicketSlip.people_ahead and eta_minutes cannot be negative")
        if not self.number:
            raise ValueError("TicketSlip.number is empty")
