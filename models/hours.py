"""Opening hours, e.g. "mon-fri 08:00-16:00; sat 09:00-12:00", or "always"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from models.base import local

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RULE = re.compile(r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+"
                  r"(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$")


@dataclass(frozen=True)
class OpeningHours:
    spec: str
    # weekday (0 = Monday) -> list of (opens, closes)
    windows: dict[int, tuple[tuple[time, time], ...]]
    always: bool = False

    def is_open(self, moment: datetime) -> bool:
        if self.always:
            return True
        here = local(moment)
        return any(opens <= here.time() < closes
                   for opens, closes in self.windows.get(here.weekday(), ()))

    def describe(self, lang: str) -> str:
        if self.always:
            return "เปิดตลอดเวลา" if lang == "th" else "Always open"
        thai_days = ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์")
        english_days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        names = thai_days if lang == "th" else english_days
        parts = []
        for day, windows in sorted(self.windows.items()):
            times = ", ".join(f"{o:%H:%M}-{c:%H:%M}" for o, c in windows)
            parts.append(f"{names[day]} {times}" + (" น." if lang == "th" else ""))
        return "; ".join(parts)


def _clock(text: str) -> time:
    hours, minutes = (int(x) for x in text.split(":"))
    return time(hours, minutes)


def parse_hours(spec: str) -> OpeningHours:
    """Raises ValueError with the part that could not be read."""
    cleaned = spec.strip().lower()
    if cleaned in ("always", "24/7"):
        return OpeningHours(spec, {}, always=True)
    windows: dict[int, list[tuple[time, time]]] = {}
    for part in filter(None, (p.strip() for p in cleaned.split(";"))):
        match = RULE.match(part)
        if not match:
            raise ValueError(f"cannot read opening hours {part!r}: use e.g. 'mon-fri 08:00-16:00'")
        try:
            opens, closes = _clock(match["start"]), _clock(match["end"])
        except ValueError as exc:
            raise ValueError(f"bad time in opening hours {part!r}") from exc
        if closes <= opens:
            raise ValueError(f"opening hours {part!r} close before they open")
        for group in match["days"].split(","):
            first, _, last = group.partition("-")
            if first not in DAYS or (last and last not in DAYS):
                raise ValueError(f"unknown day in opening hours {part!r}")
            start, end = DAYS.index(first), DAYS.index(last or first)
            for day in range(start, end + 1):
                windows.setdefault(day, []).append((opens, closes))
    if not windows:
        raise ValueError("opening hours are empty: give e.g. 'mon-fri 08:00-16:00' or 'always'")
    return OpeningHours(spec, {d: tuple(w) for d, w in windows.items()})
