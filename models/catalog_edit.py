"""Admin edits of the catalog: one section, service, step or document at a time.

Every edit is checked with the import rules (models.catalog_io.parse_catalog) on the object's
catalog-file form with the change applied, so management can never store what `import-catalog`
would refuse, and an export always imports again. Functions flush, never commit, and return the
changed fields as {field: [old, new]} for the audit log.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.base import now_utc
from models.catalog import Office, RequiredDocument, Section, Service, ServiceStep
from models.catalog_export import service_json
from models.catalog_io import known_section_codes, parse_catalog
from models.catalog_problems import CatalogError, CatalogProblem
from models.queue import Ticket, TicketStatus
from models.tickets import business_day

Changes = dict[str, list[Any]]
ItemKind = Literal["steps", "documents"]
CODE_TAKEN = "is already used by another {}"


def _plain(value: Any) -> Any:
    """A value the audit log's JSON column can hold."""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, enum.Enum):
        return value.value
    return value


def assign(obj: Any, values: dict[str, Any]) -> Changes:
    """Set the values that differ and say which ones did, old → new."""
    changes: Changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new or (old is None) != (new is None):
            changes[name] = [_plain(old), _plain(new)]
            setattr(obj, name, new)
    return changes


def _sections(session: Session, office: Office) -> dict[str, Section]:
    return {s.code: s for s in session.scalars(
        select(Section).where(Section.office_id == office.id))}


def save_section(session: Session, office: Office, section: Section | None,
                 raw: dict[str, Any]) -> tuple[Section, Changes]:
    """Create (section None) or update a section from its catalog-file fields."""
    raw = dict(raw, code=section.code) if section is not None else dict(raw)
    catalog = parse_catalog({"sections": [raw], "services": []})
    row = catalog.sections[0]
    values = {k: v for k, v in row.values.items() if k != "sort_order"}
    if section is None:
        if row.code in _sections(session, office):
            raise CatalogError([CatalogProblem(f"section {row.code}", "code",
                                               CODE_TAKEN.format("section"))])
        last = session.scalar(select(func.max(Section.sort_order))
                              .where(Section.office_id == office.id))
        section = Section(office_id=office.id, code=row.code,
                          sort_order=(last if last is not None else -1) + 1)
        session.add(section)
    changes = assign(section, values)
    session.flush()
    return section, changes


def move_section(session: Session, office: Office, section: Section, step: int) -> Changes:
    """Swap a section with its neighbour (step -1 up, +1 down); numbers the order afresh."""
    ordered = list(session.scalars(select(Section).where(Section.office_id == office.id)
                                   .order_by(Section.sort_order, Section.id)))
    return _swap_order(ordered, section, step)


def _swap_order(ordered: list[Any], item: Any, step: int) -> Changes:
    index = ordered.index(item)
    other = index + step
    if not 0 <= other < len(ordered):
        return {}
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for number, row in enumerate(ordered):
        row.sort_order = number
    return {"position": [index + 1, other + 1]}


def save_service(session: Session, office: Office, service: Service | None,
                 raw: dict[str, Any], first_step: dict[str, Any] | None = None,
                 ) -> tuple[Service, Changes]:
    """Create (service None, with its first step) or update a service's manual fields.

    raw holds catalog-file fields; steps, documents and `active` of an existing service are
    kept (they have their own operations).
    """
    if service is not None:
        document = service_json(service)
        document.update({k: v for k, v in raw.items()
                         if k not in ("code", "steps", "documents", "active")})
    else:
        document = dict(raw, steps=[first_step or {}], documents=[], active=True)
    catalog = parse_catalog({"services": [document]}, known_section_codes(session, office))
    row = catalog.services[0]
    sections = _sections(session, office)
    section = sections[row.section_code]
    values = {k: v for k, v in row.values.items() if k not in ("sort_order", "active")}
    # The same fallback as import: a service without its own prefix takes its section's.
    values["ticket_prefix"] = (values["ticket_prefix"] or section.ticket_prefix
                               or section.code[0])
    if service is None:
        taken = session.scalar(select(Service.id).where(Service.office_id == office.id,
                                                        Service.code == row.code))
        if taken is not None:
            raise CatalogError([CatalogProblem(f"service {row.code}", "code",
                                               CODE_TAKEN.format("service"))])
        last = session.scalar(select(func.max(Service.sort_order))
                              .where(Service.office_id == office.id))
        service = Service(office_id=office.id, code=row.code, section=section, active=True,
                          sort_order=(last if last is not None else -1) + 1)
        session.add(service)
        _add_item(service, "steps", row.steps[0], sections)
        changes = assign(service, values)
        changes["section"] = [None, section.code]
    else:
        changes = assign(service, values)
        if service.section_id != section.id:
            changes["section"] = [service.section.code, section.code]
            service.section = section
    session.flush()
    return service, changes


class ServiceBusyError(ValueError):
    """A service still has tickets in today's queue; message in Thai and English."""

    def __init__(self, service: Service, count: int):
        self.message_th = (f"ปิดงานบริการ {service.code} ไม่ได้ ยังมีบัตรคิววันนี้ {count} ใบ "
                           "ที่รอ ถูกเรียก หรือกำลังให้บริการอยู่ ให้เรียกและจบงานหรือส่งต่อก่อน")
        self.message_en = (f"Service {service.code} cannot be deactivated: {count} of today's "
                           "tickets are waiting, called or being served; call and finish or "
                           "transfer them first")
        super().__init__(self.message_en)


def open_tickets_today(session: Session, service: Service) -> int:
    """Today's (Bangkok business day) tickets of the service not yet finished or no-show."""
    return session.scalar(select(func.count(Ticket.id)).where(
        Ticket.office_id == service.office_id, Ticket.service_id == service.id,
        Ticket.business_day == business_day(now_utc()),
        Ticket.status.in_((TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)),
    )) or 0


def set_service_active(session: Session, service: Service, active: bool) -> Changes:
    """Services are deactivated, never deleted: their tickets and ratings still refer to them.

    Deactivation waits for today's queue to empty: call-next only serves active services, so
    its waiting tickets would be stranded and its called ones hidden from the consoles."""
    if not active and service.active:
        count = open_tickets_today(session, service)
        if count:
            raise ServiceBusyError(service, count)
    return assign(service, {"active": active})


def _items(service: Service, kind: ItemKind) -> list[Any]:
    return sorted(getattr(service, kind), key=lambda item: item.position)


def _add_item(service: Service, kind: ItemKind, values: dict[str, Any],
              sections: dict[str, Section]) -> Any:
    values = dict(values)
    if kind == "steps":
        values["section"] = sections.get(values.pop("section_code") or "", service.section)
        item = ServiceStep(**values)
    else:
        item = RequiredDocument(**values)
    getattr(service, kind).append(item)
    return item


def save_item(session: Session, office: Office, service: Service, kind: ItemKind,
              item: ServiceStep | RequiredDocument | None, raw: dict[str, Any],
              ) -> tuple[Any, Changes]:
    """Add (item None, at the end) or update a step or document, checked as import would."""
    items = _items(service, kind)
    document = service_json(service)
    index = len(items) if item is None else items.index(item)
    if item is None:
        document[kind].append(raw)
    else:
        document[kind][index] = raw
    catalog = parse_catalog({"services": [document]}, known_section_codes(session, office))
    values = dict(getattr(catalog.services[0], kind)[index])
    values.pop("position")
    sections = _sections(session, office)
    if item is None:
        values["position"] = (items[-1].position if items else 0) + 1
        changes = {name: [None, _plain(value)] for name, value in values.items()}
        item = _add_item(service, kind, values, sections)
    else:
        section = None
        if kind == "steps":
            section = sections.get(values.pop("section_code") or "", service.section)
        changes = assign(item, values)
        if section is not None and item.section_id != section.id:
            changes["section"] = [item.section.code, section.code]
            item.section = section
    session.flush()
    return item, changes


def delete_item(session: Session, service: Service, kind: ItemKind, item: Any) -> Changes:
    """Remove a step or document; the last step stays (a manual needs at least one)."""
    items = _items(service, kind)
    if kind == "steps" and len(items) == 1:
        raise CatalogError([CatalogProblem(f"service {service.code}", "steps",
                                           "must list at least one step")])
    getattr(service, kind).remove(item)
    session.flush()
    _renumber(session, [row for row in items if row is not item])
    return {"name_th": [item.name_th, None], "position": [item.position, None]}


def move_item(session: Session, service: Service, kind: ItemKind, item: Any,
              step: int) -> Changes:
    """Swap a step or document with its neighbour (step -1 up, +1 down)."""
    items = _items(service, kind)
    index = items.index(item)
    other = index + step
    if not 0 <= other < len(items):
        return {}
    items[index], items[other] = items[other], items[index]
    _renumber(session, items)
    return {"position": [index + 1, other + 1]}


def _renumber(session: Session, items: list[Any]) -> None:
    """Positions 1..n in list order. Positions are UNIQUE per service and rows are updated
    one at a time, so every row first moves out of the way (negative) and then into place."""
    for number, item in enumerate(items, start=1):
        item.position = -number
    session.flush()
    for number, item in enumerate(items, start=1):
        item.position = number
    session.flush()
