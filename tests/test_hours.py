from datetime import UTC, datetime

import pytest

from models.hours import parse_hours


def bangkok(day: int, hour: int, minute: int = 0) -> datetime:
    """24 Nov 2026 is a Tuesday; times given in Bangkok (UTC+7)."""
    return datetime(2026, 11, day, hour - 7, minute, tzinfo=UTC) if hour >= 7 else \
        datetime(2026, 11, day - 1, hour + 17, minute, tzinfo=UTC)


def test_weekday_hours_in_bangkok_time():
    hours = parse_hours("mon-fri 08:00-16:00")
    assert hours.is_open(bangkok(24, 8, 0)) and hours.is_open(bangkok(24, 15, 59))
    assert not hours.is_open(bangkok(24, 16, 0)) and not hours.is_open(bangkok(24, 7, 59))
    assert not hours.is_open(bangkok(28, 10))  # Saturday


def test_several_windows_and_always():
    hours = parse_hours("mon-fri 08:00-12:00; mon-fri 13:00-16:30; sat 09:00-12:00")
    assert not hours.is_open(bangkok(24, 12, 30)) and hours.is_open(bangkok(24, 16, 15))
    assert hours.is_open(bangkok(28, 9, 30))
    assert parse_hours("always").is_open(bangkok(29, 3))
    assert "จันทร์ 08:00-12:00, 13:00-16:30 น." in hours.describe("th")


@pytest.mark.parametrize("spec", ["", "weekdays 8-4", "mon-fri 16:00-08:00", "xyz 08:00-09:00",
                                  "mon 25:00-26:00"])
def test_unreadable_hours_are_refused(spec):
    with pytest.raises(ValueError):
        parse_hours(spec)
