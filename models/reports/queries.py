"""Report rows per staff member, section, service and day, from the two passes of sql.py.

A page runs each pass once, grouped by every key it shows, and rolls the rows up here: per
staff member, per section, per service, per day and in total. Which visits count is decided by
the scope: the office (admin), a section (its supervisor), or one staff member (their own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.catalog import Section, Service
from models.queue import VisitSegment
from models.ratings import RatingCredit
from models.reports.figures import Figures, rank_staff
from models.reports.periods import DateRange, Every
from models.reports.rollup import (
    ReportCallDay,
    ReportRatingDay,
    rolled_credit_sums,
    rolled_leg_sums,
    rolled_through,
)
from models.reports.sql import credit_sums, leg_sums
from models.staff import Role, Staff


@dataclass(frozen=True)
class Scope:
    """Whose work a report covers: the office (admin), a section (its supervisor) or one person.

    A supervisor's per-staff table lists the section's members wherever they worked; every
    other figure of a supervisor's report is the work done in the section.
    """

    office_id: int
    section_id: int | None = None
    staff_id: int | None = None


def manager_scope(staff: Staff, office_id: int) -> Scope | None:
    """The office-wide report an admin sees, or the section report of its supervisor;
    None for anyone else (the screen answers 403, the API its JSON 403)."""
    if staff.role is Role.ADMIN:
        return Scope(office_id)
    if staff.role is Role.SUPERVISOR and staff.section_id is not None:
        return Scope(office_id, section_id=staff.section_id)
    return None


@dataclass
class Sums:
    """The grouped rows of both passes, and who the section's members are."""

    legs: list = field(default_factory=list)
    credits: list = field(default_factory=list)
    members: set[int] = field(default_factory=set)


def _conditions(columns, scope: Scope, members: set[int]) -> list:
    if scope.staff_id is not None:
        return [columns.staff_id == scope.staff_id]
    if scope.section_id is not None:
        return [or_(columns.section_id == scope.section_id, columns.staff_id.in_(members))]
    return []


def kinds_for(scope: Scope, keys: tuple[str, ...]) -> tuple[str, ...]:
    """The visit-counting flags a page needs: per key it shows, and for the scope's totals."""
    kinds = [kind for kind, key in (("staff", "staff_id"), ("section", "section_id"),
                                    ("service", "service_id")) if key in keys]
    own = scope_kind(scope)[0]
    return tuple(kinds + ([own] if own not in kinds else []))


def fetch(session: Session, scope: Scope, period: DateRange, keys: tuple[str, ...],
          every: Every = Every.DAY) -> Sums:
    """Run both passes grouped by keys: "bucket" (the trend bucket of every), staff_id,
    section_id, service_id."""
    members: set[int] = set()
    if scope.section_id is not None and scope.staff_id is None:
        members = set(session.scalars(select(Staff.id).where(
            Staff.office_id == scope.office_id, Staff.section_id == scope.section_id)))
    kinds = kinds_for(scope, keys)
    sums = Sums(members=members)
    through = rolled_through(session, scope.office_id)
    live = period
    if through is not None and through >= period.start:
        # Closed days from the daily roll-up; the days after them (if any) live below.
        rolled = DateRange(period.start, min(period.end, through))
        sums.legs += session.execute(rolled_leg_sums(
            scope.office_id, rolled, keys, kinds,
            _conditions(ReportCallDay, scope, members), every)).all()
        sums.credits += session.execute(rolled_credit_sums(
            scope.office_id, rolled, keys, kinds,
            _conditions(ReportRatingDay, scope, members), every)).all()
        live = DateRange(through + timedelta(days=1), period.end) \
            if period.end > through else None
    if live is not None:
        sums.legs += session.execute(leg_sums(scope.office_id, live, keys, kinds,
                                              _conditions(VisitSegment, scope, members),
                                              every)).all()
        sums.credits += session.execute(credit_sums(scope.office_id, live, keys, kinds,
                                                    _conditions(RatingCredit, scope, members),
                                                    every)).all()
    return sums


def roll_up(sums: Sums, key: str | None, kind: str,
            keep: Callable[[object], bool] | None = None) -> dict:
    """key value → Figures, counting visits and ratings once per `kind` (staff, section,
    service, visit); rows failing keep are left out. key None sums everything under None."""
    found: dict = {}
    for row in sums.legs:
        if keep is not None and not keep(row):
            continue
        figures = found.setdefault(getattr(row, key) if key else None, Figures())
        figures.visits += getattr(row, f"v_{kind}") or 0
        figures.no_shows += row.no_shows or 0
        figures.wait_n += row.wait_n
        # float(): PostgreSQL sums numbers as NUMERIC (Decimal)
        figures.wait_sum += float(row.wait_sum or 0)
        figures.service_n += row.service_n
        figures.service_sum += float(row.service_sum or 0)
        figures.judged_n += row.judged_n or 0
        figures.within_n += row.within_n or 0
        figures.standard_sum += float(row.standard_sum or 0)
    for row in sums.credits:
        if keep is not None and not keep(row):
            continue
        figures = found.setdefault(getattr(row, key) if key else None, Figures())
        count = getattr(row, f"n_{kind}") or 0
        figures.ratings += count
        figures.score_sum += count * row.score
        figures.distribution[row.score - 1] += count
        figures.extra_asked += getattr(row, f"x_{kind}") or 0
    for value, figures in found.items():
        figures.key = value
    return found


def scope_kind(scope: Scope) -> tuple[str, Callable[[object], bool] | None]:
    """How the scope's own totals count: every visit once, or once for its section/person."""
    if scope.staff_id is not None:
        return "staff", None
    if scope.section_id is not None:
        return "section", lambda row: row.section_id == scope.section_id
    return "visit", None


def staff_rows(session: Session, scope: Scope, sums: Sums, min_ratings: int) -> list[Figures]:
    """One ranked row per staff member in scope (members with nothing to show included)."""
    by_member = scope.section_id is not None and scope.staff_id is None
    keep = (lambda row: row.staff_id in sums.members) if by_member else None
    found = roll_up(sums, "staff_id", "staff", keep)
    found.pop(None, None)  # calls made without a signed-in staff member (API clients)
    people = select(Staff).where(Staff.office_id == scope.office_id)
    if scope.staff_id is not None:
        people = people.where(Staff.id == scope.staff_id)
    elif scope.section_id is not None:
        people = people.where(Staff.section_id == scope.section_id)
    sections = dict(session.execute(select(Section.id, Section.code)
                                    .where(Section.office_id == scope.office_id)).all())
    rows = []
    for person in session.scalars(people):
        figures = found.get(person.id)
        if figures is None:
            if not person.active or (person.role is Role.ADMIN and scope.staff_id is None):
                continue
            figures = Figures(key=person.id)
        figures.code, figures.name_th = person.username, person.display_name
        figures.name_en = person.display_name
        figures.section_code = sections.get(person.section_id, "")
        rows.append(figures)
    return rank_staff(rows, min_ratings)


def section_rows(session: Session, scope: Scope, sums: Sums) -> list[Figures]:
    """One row per section with work in the range (a supervisor's own section always)."""
    keep = (lambda row: row.section_id == scope.section_id) \
        if scope.section_id is not None and scope.staff_id is None else None
    found = roll_up(sums, "section_id", "section", keep)
    rows = []
    for section in session.scalars(select(Section).where(Section.office_id == scope.office_id)
                                   .order_by(Section.sort_order, Section.id)):
        figures = found.get(section.id)
        if figures is None:
            if section.id != scope.section_id:
                continue
            figures = Figures(key=section.id)
        figures.code, figures.section_code = section.code, section.code
        figures.name_th, figures.name_en = section.name_th, section.name_en or section.name_th
        rows.append(figures)
    return rows


def service_rows(session: Session, scope: Scope, sums: Sums) -> list[Figures]:
    """One row per service called in the range (needs sums fetched with service_id)."""
    _, keep = scope_kind(scope)
    found = roll_up(sums, "service_id", "service", keep)
    services = (select(Service, Section.code).join(Section, Section.id == Service.section_id)
                .where(Service.office_id == scope.office_id)
                .order_by(Section.sort_order, Service.sort_order, Service.id))
    rows = []
    for service, section_code in session.execute(services):
        figures = found.get(service.id)
        if figures is None:
            continue
        figures.code, figures.section_code = service.code, section_code
        figures.name_th, figures.name_en = service.name_th, service.name_en or service.name_th
        rows.append(figures)
    return rows


def bucket_rows(scope: Scope, sums: Sums) -> dict[date, Figures]:
    """Trend bucket → the scope's figures (needs sums fetched with "bucket")."""
    kind, keep = scope_kind(scope)
    return roll_up(sums, "bucket", kind, keep)


def total_row(scope: Scope, sums: Sums, name_th: str = "รวม", name_en: str = "Total") -> Figures:
    """The scope's total: each visit and rating once, however many staff or sections served."""
    kind, keep = scope_kind(scope)
    total = roll_up(sums, None, kind, keep).get(None, Figures())
    total.name_th, total.name_en = name_th, name_en
    return total
