"""Dates, times and durations as people in a Thai office read them.

Thai pages use the Buddhist Era (CE + 543) and Thai month names, times as "14:30 น.";
English pages use the common era. Everything is shown in Asia/Bangkok.
"""

from __future__ import annotations

from datetime import date, datetime

from models.base import BANGKOK, local
from web.i18n import current_lang

BE_OFFSET = 543

THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
THAI_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)
THAI_WEEKDAYS = ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์")
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def now_bangkok() -> datetime:
    return datetime.now(BANGKOK)


def format_date(day: date | datetime, lang: str | None = None, *, weekday: bool = False) -> str:
    """24 พฤศจิกายน 2569 / 24 November 2026 (with the weekday when asked)."""
    if isinstance(day, datetime):
        day = local(day).date()
    lang = lang or current_lang()
    if lang == "en":
        text = f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"
        return f"{EN_WEEKDAYS[day.weekday()]}, {text}" if weekday else text
    text = f"{day.day} {THAI_MONTHS[day.month - 1]} {day.year + BE_OFFSET}"
    return f"วัน{THAI_WEEKDAYS[day.weekday()]}ที่ {text}" if weekday else text


def format_short_date(day: date | datetime, lang: str | None = None) -> str:
    """24 พ.ย. 69 / 24 Nov 2026."""
    if isinstance(day, datetime):
        day = local(day).date()
    if (lang or current_lang()) == "en":
        return f"{day.day} {EN_MONTHS[day.month - 1][:3]} {day.year}"
    return f"{day.day} {THAI_MONTHS_SHORT[day.month - 1]} {(day.year + BE_OFFSET) % 100:02d}"


def format_time(moment: datetime, lang: str | None = None) -> str:
    """14:30 น. / 14:30."""
    moment = local(moment)
    text = f"{moment.hour:02d}:{moment.minute:02d}"
    return text if (lang or current_lang()) == "en" else f"{text} น."


def format_minutes(minutes: int, lang: str | None = None) -> str:
    """15 นาที, 1 ชั่วโมง 30 นาที / 15 min, 1 h 30 min."""
    en = (lang or current_lang()) == "en"
    hours, rest = divmod(max(minutes, 0), 60)
    parts = []
    if hours:
        parts.append(f"{hours} h" if en else f"{hours} ชั่วโมง")
    if rest or not hours:
        parts.append(f"{rest} min" if en else f"{rest} นาที")
    return " ".join(parts)


def format_working_days(days: int, lang: str | None = None) -> str:
    if (lang or current_lang()) == "en":
        return f"{days} working day" + ("" if days == 1 else "s")
    return f"{days} วันทำการ"


def init_app(app) -> None:
    app.jinja_env.filters.update(
        thai_date=format_date,
        short_date=format_short_date,
        thai_time=format_time,
        minutes=format_minutes,
        working_days=format_working_days,
    )
    app.jinja_env.globals["now_bangkok"] = now_bangkok
