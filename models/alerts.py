"""Live alerts for supervisors: a run of unhappy ratings, or an "asked for extra" answer."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, UTCDateTime, now_utc, str_enum
from models.staff import Staff


class AlertKind(enum.StrEnum):
    UNHAPPY_STAFF = "unhappy_staff"
    UNHAPPY_COUNTER = "unhappy_counter"
    EXTRA_PAYMENT = "extra_payment"


class Alert(Base):
    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_office_created", "office_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    kind: Mapped[AlertKind] = mapped_column(str_enum(AlertKind, "alert_kind"))
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("rating.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id])


# Defaults of the unhappy-run rule (the issue's): at least half unhappy (score <= 2) among at
# least 4 ratings in the last 15 minutes. Installations change them with the ALERT_* settings.
ALERT_WINDOW = timedelta(minutes=15)
ALERT_MIN_RATINGS = 4
ALERT_UNHAPPY_SHARE = 0.5


@dataclass(frozen=True)
class AlertRule:
    window: timedelta = ALERT_WINDOW
    min_ratings: int = ALERT_MIN_RATINGS
    unhappy_share: float = ALERT_UNHAPPY_SHARE

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AlertRule:
        return cls(window=timedelta(minutes=config["ALERT_WINDOW_MINUTES"]),
                   min_ratings=config["ALERT_MIN_RATINGS"],
                   unhappy_share=float(config["ALERT_UNHAPPY_SHARE"]))


def _unhappy_run(session: Session, column, value: int, now: datetime,
                 rule: AlertRule) -> tuple[int, int] | None:
    """(unhappy, total) of the recent ratings credited to column == value, if over the rule."""
    from models.ratings import RatingCredit

    # One score per rating even when a visit credits the same staff member twice.
    scores = [score for _, score in session.execute(
        select(RatingCredit.rating_id, RatingCredit.score).distinct()
        .where(column == value, RatingCredit.rated_at > now - rule.window))]
    unhappy = sum(1 for score in scores if score <= 2)
    if len(scores) >= rule.min_ratings and unhappy >= rule.unhappy_share * len(scores):
        return unhappy, len(scores)
    return None


def _staff_section(session: Session, staff_id: int | None) -> int | None:
    staff = session.get(Staff, staff_id) if staff_id is not None else None
    return staff.section_id if staff is not None else None


def _extra_payment_alerts(session: Session, rating, now: datetime) -> list[Alert]:
    """One alert per party that served the visit and per section that should hear of it.

    Both the supervisor of the staff member's own section (who evaluates them) and the
    supervisor of the service's section (where it happened) see it: a member covering another
    section's counter gets one alert for each.
    """
    alerts, seen = [], set()
    for credit in rating.credits or [None]:
        staff_id = credit.staff_id if credit else None
        counter_id = credit.counter_id if credit else None
        sections = [_staff_section(session, staff_id), credit.section_id if credit else None]
        for section_id in dict.fromkeys(s for s in sections if s is not None) or [None]:
            key = (staff_id, counter_id, section_id)
            if key in seen:
                continue
            seen.add(key)
            alerts.append(Alert(office_id=rating.office_id, kind=AlertKind.EXTRA_PAYMENT,
                                rating_id=rating.id, staff_id=staff_id, counter_id=counter_id,
                                section_id=section_id, created_at=now))
    return alerts


def raise_alerts(session: Session, rating, now: datetime | None = None,
                 rule: AlertRule = AlertRule()) -> list[Alert]:
    """Alerts a new rating triggers; call right after rate_visit, in the same transaction.

    An unhappy-run alert is raised once per staff member or counter while one is still open
    (not acknowledged), so a bad quarter-hour is one alert, not one per rating. A staff
    member's alert goes to their own section's supervisor (who evaluates them), not to the
    section of a service they were covering; a counter's goes to the service's section.
    """
    now = now or now_utc()
    alerts: list[Alert] = []
    if rating.extra_payment_asked:
        alerts.extend(_extra_payment_alerts(session, rating, now))
    from models.ratings import RatingCredit

    checks = [(AlertKind.UNHAPPY_STAFF, RatingCredit.staff_id, Alert.staff_id, "staff_id"),
              (AlertKind.UNHAPPY_COUNTER, RatingCredit.counter_id, Alert.counter_id,
               "counter_id")]
    for kind, credit_column, alert_column, attribute in checks:
        for value in {getattr(c, attribute) for c in rating.credits} - {None}:
            run = _unhappy_run(session, credit_column, value, now, rule)
            if run is None:
                continue
            # The office named, so the search is a range of ix_alert_office_created.
            open_alert = session.scalar(select(Alert.id).where(
                Alert.office_id == rating.office_id, Alert.kind == kind, alert_column == value,
                Alert.acknowledged_at.is_(None), Alert.created_at > now - rule.window))
            if open_alert is not None:
                continue
            credit = next(c for c in rating.credits if getattr(c, attribute) == value)
            section_id = credit.section_id
            if attribute == "staff_id":
                section_id = _staff_section(session, value) or section_id
            alerts.append(Alert(office_id=rating.office_id, kind=kind, rating_id=rating.id,
                                staff_id=credit.staff_id if attribute == "staff_id" else None,
                                counter_id=value if attribute == "counter_id" else None,
                                section_id=section_id,
                                data={"unhappy": run[0], "ratings": run[1],
                                      "minutes": round(rule.window.total_seconds() / 60)},
                                created_at=now))
    session.add_all(alerts)
    session.flush()
    return alerts
