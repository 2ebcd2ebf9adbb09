"""Thai dates: Buddhist Era, Thai month names, Bangkok time, "น." after the time."""

from datetime import UTC, date, datetime

from web.thaitime import (
    format_date,
    format_minutes,
    format_short_date,
    format_time,
    format_working_days,
)


def test_thai_date_uses_buddhist_era_and_thai_month():
    assert format_date(date(2026, 11, 24), "th") == "24 พฤศจิกายน 2569"
    assert format_date(date(2026, 11, 24), "th", weekday=True) == "วันอังคารที่ 24 พฤศจิกายน 2569"
    assert format_short_date(date(2027, 1, 5), "th") == "5 ม.ค. 70"


def test_english_date_uses_common_era():
    assert format_date(date(2026, 11, 24), "en") == "24 November 2026"
    assert format_date(date(2026, 11, 24), "en", weekday=True) == "Tuesday, 24 November 2026"


def test_times_are_shown_in_bangkok():
    moment = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)  # 14:30 in Bangkok
    assert format_time(moment, "th") == "14:30 น."
    assert format_time(moment, "en") == "14:30"


def test_bangkok_business_day_starts_at_midnight_bangkok_not_utc():
    late_utc = datetime(2026, 12, 31, 17, 5, tzinfo=UTC)  # 00:05 on 1 Jan 2027 in Bangkok
    assert format_date(late_utc, "th") == "1 มกราคม 2570"


def test_durations():
    assert format_minutes(15, "th") == "15 นาที"
    assert format_minutes(90, "th") == "1 ชั่วโมง 30 นาที"
    assert format_minutes(120, "en") == "2 h"
    assert format_minutes(0, "en") == "0 min"
    assert format_working_days(7, "th") == "7 วันทำการ"
    assert format_working_days(1, "en") == "1 working day"
