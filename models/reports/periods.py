"""Report periods: Bangkok dates, the presets (day, week, month, Thai fiscal year) and labels.

A report covers the visits whose business day (the Bangkok date the ticket was issued) falls in
the range, both ends included. The Thai government fiscal year runs from 1 October to
30 September and is named by the Buddhist Era year it ends in: FY 2570 = 1 Oct 2026 - 30 Sep 2027.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

BE_OFFSET = 543
# Longer ranges are refused: a report is for reading, and an unbounded one would scan years.
MAX_DAYS = 3 * 366

THAI_MONTHS = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
               "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
THAI_MONTHS_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                     "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")


class PeriodError(ValueError):
    """A range the reports refuse, with a message in Thai and English."""

    def __init__(self, message_th: str, message_en: str):
        super().__init__(message_en)
        self.message_th = message_th
        self.message_en = message_en


class Every(enum.StrEnum):
    """Trend granularity."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def default_every(self) -> Every:
        if self.days <= 31:
            return Every.DAY
        if self.days <= 120:
            return Every.WEEK
        return Every.MONTH

    def label(self, lang: str = "th") -> str:
        """"ปีงบประมาณ พ.ศ. 2570", "พฤศจิกายน 2569", or "1 พ.ย. 2569 – 15 พ.ย. 2569"."""
        en = lang == "en"
        if self == fiscal_year(self.end):
            year = fiscal_year_be(self.end)
            return f"Fiscal year {year - BE_OFFSET} (B.E. {year})" if en \
                else f"ปีงบประมาณ พ.ศ. {year}"
        if self == month_of(self.start):
            return f"{EN_MONTHS[self.start.month - 1]} {self.start.year}" if en \
                else f"{THAI_MONTHS[self.start.month - 1]} {self.start.year + BE_OFFSET}"
        if self.start == self.end:
            return be_date(self.start, lang)
        return f"{be_date(self.start, lang)} – {be_date(self.end, lang)}"


def be_date(day: date, lang: str = "th") -> str:
    """1 ต.ค. 2569 (Thai, Buddhist Era) / 1 Oct 2026."""
    if lang == "en":
        return f"{day.day} {EN_MONTHS[day.month - 1][:3]} {day.year}"
    return f"{day.day} {THAI_MONTHS_SHORT[day.month - 1]} {day.year + BE_OFFSET}"


def be_iso(day: date) -> str:
    """2569-10-01: the ISO order with the Buddhist Era year, for export cells."""
    return f"{day.year + BE_OFFSET:04d}-{day.month:02d}-{day.day:02d}"


def day_of(day: date) -> DateRange:
    return DateRange(day, day)


def week_of(day: date) -> DateRange:
    """Monday to Sunday, as the office's working week is counted."""
    monday = day - timedelta(days=day.weekday())
    return DateRange(monday, monday + timedelta(days=6))


def month_of(day: date) -> DateRange:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return DateRange(first, following - timedelta(days=1))


def fiscal_year_be(day: date) -> int:
    """The Buddhist Era year of the fiscal year day belongs to (October starts the next one)."""
    return day.year + BE_OFFSET + (1 if day.month >= 10 else 0)


def fiscal_year(day: date) -> DateRange:
    end_year = fiscal_year_be(day) - BE_OFFSET
    return DateRange(date(end_year - 1, 10, 1), date(end_year, 9, 30))


def shift_months(day: date, months: int) -> date:
    """The first day of the month `months` away from day's month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Preset:
    key: str
    label_th: str
    label_en: str
    range: DateRange


def presets(today: date) -> list[Preset]:
    """The ranges offered as one-tap links on the report screen."""
    last_month = month_of(shift_months(today, -1))
    return [
        Preset("day", "วันนี้", "Today", day_of(today)),
        Preset("week", "สัปดาห์นี้", "This week", week_of(today)),
        Preset("month", "เดือนนี้", "This month", month_of(today)),
        Preset("last-month", "เดือนที่แล้ว", "Last month", last_month),
        Preset("fy", f"ปีงบประมาณ {fiscal_year_be(today)}",
               f"Fiscal year {fiscal_year_be(today) - BE_OFFSET}", fiscal_year(today)),
        Preset("last-fy", f"ปีงบประมาณ {fiscal_year_be(today) - 1}",
               f"Fiscal year {fiscal_year_be(today) - 1 - BE_OFFSET}",
               fiscal_year(fiscal_year(today).start - timedelta(days=1))),
    ]


def _parse(text: str, name: str) -> date:
    # Exactly YYYY-MM-DD in ASCII digits: date.fromisoformat alone also takes 20261001,
    # 2026-W40-4 and Thai digits, none of which the API document calls a date.
    if len(text) != 10 or not text.isascii() or text[4] != "-" or text[7] != "-" \
            or not (text[:4] + text[5:7] + text[8:]).isdigit():
        raise _invalid(name)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _invalid(name) from None


def _invalid(name: str) -> PeriodError:
    return PeriodError(f"วันที่ '{name}' ไม่ถูกต้อง: ต้องอยู่ในรูป ปปปป-ดด-วว (ค.ศ.) เช่น 2026-10-01",
                       f"Invalid date '{name}': it must be YYYY-MM-DD, e.g. 2026-10-01")


def parse_range(start: str | None, end: str | None, today: date) -> DateRange:
    """The range of ?from=&to= (ISO dates, common era).

    Both missing: this month. Only `to` missing: up to today; only `from` missing: from the
    first day of `to`'s month. A parameter given empty (?from=) is an invalid date, not a
    missing one.
    """
    if start is None and end is None:
        return month_of(today)
    last = today if end is None else _parse(end, "to")
    first = last.replace(day=1) if start is None else _parse(start, "from")
    if last < first:
        raise PeriodError("วันที่สิ้นสุดต้องไม่ก่อนวันที่เริ่มต้น (ไม่ระบุ = วันนี้)",
                          "'to' (today when not given) must not be before 'from'")
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(f"ช่วงวันที่ยาวเกิน {MAX_DAYS} วัน",
                          f"The range is longer than {MAX_DAYS} days")
    return DateRange(first, last)


def bucket_start(day: date, every: Every) -> date:
    if every is Every.WEEK:
        return day - timedelta(days=day.weekday())
    if every is Every.MONTH:
        return day.replace(day=1)
    return day


def buckets(period: DateRange, every: Every) -> list[date]:
    """The first day of every trend bucket touching the range, in order."""
    found, day = [], bucket_start(period.start, every)
    while day <= period.end:
        found.append(day)
        if every is Every.MONTH:
            day = shift_months(day, 1)
        else:
            day += timedelta(days=7 if every is Every.WEEK else 1)
    return found


def bucket_label(start: date, every: Every, lang: str = "th") -> str:
    if every is Every.MONTH:
        if lang == "en":
            return f"{EN_MONTHS[start.month - 1][:3]} {start.year}"
        return f"{THAI_MONTHS_SHORT[start.month - 1]} {(start.year + BE_OFFSET) % 100:02d}"
    if lang == "en":
        return f"{start.day} {EN_MONTHS[start.month - 1][:3]}"
    return f"{start.day} {THAI_MONTHS_SHORT[start.month - 1]}"
