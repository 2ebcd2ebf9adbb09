"""Reading a catalog file (the shape of config/demo_catalog.json) into the database.

A file is validated as a whole before anything is written: a malformed file raises
CatalogError listing every problem, each naming the row (section or service code) and the
field, and the session is left untouched. Import updates sections and services by code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.catalog import (
    DocumentKind,
    Office,
    RequiredDocument,
    Section,
    Service,
    ServiceStep,
    StepKind,
)
from models.catalog_problems import CatalogError, CatalogProblem, FieldReader

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
PREFIX_RE = re.compile(r"^[A-Z]{1,2}$")
CHANNELS = {"walk_in", "bma_oss"}


@dataclass
class ImportReport:
    sections_created: int = 0
    sections_updated: int = 0
    services_created: int = 0
    services_updated: int = 0
    codes: list[str] = field(default_factory=list)


@dataclass
class _SectionRow:
    code: str
    values: dict[str, Any]


@dataclass
class _ServiceRow:
    code: str
    section_code: str
    values: dict[str, Any]
    steps: list[dict[str, Any]]
    documents: list[dict[str, Any]]


@dataclass
class Catalog:
    """A validated catalog file, ready to apply."""

    sections: list[_SectionRow]
    services: list[_ServiceRow]


def parse_catalog(data: Any, known_section_codes: set[str] | frozenset[str] = frozenset(),
                  ) -> Catalog:
    """Validate a whole catalog document. Raises CatalogError naming every problem."""
    problems: list[CatalogProblem] = []
    if not isinstance(data, dict):
        raise CatalogError([CatalogProblem("file", "(top)", "must be a JSON object")])
    raw_sections = data.get("sections", [])
    raw_services = data.get("services")
    if not isinstance(raw_sections, list):
        problems.append(CatalogProblem("file", "sections", "must be a list"))
        raw_sections = []
    if not isinstance(raw_services, list):
        problems.append(CatalogProblem("file", "services", "is required and must be a list"))
        raw_services = []

    sections = [_parse_section(i, raw, problems) for i, raw in enumerate(raw_sections)]
    _reject_duplicates("section", [s.code for s in sections], problems)
    section_codes = set(known_section_codes) | {s.code for s in sections}
    services = [_parse_service(i, raw, section_codes, problems)
                for i, raw in enumerate(raw_services)]
    _reject_duplicates("service", [s.code for s in services], problems)
    if problems:
        raise CatalogError(problems)
    return Catalog(sections=sections, services=services)


def _reject_duplicates(kind: str, codes: list[str], problems: list[CatalogProblem]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code and code in seen:
            problems.append(CatalogProblem(f"{kind} {code}", "code", "appears more than once"))
        seen.add(code)


def _row_name(kind: str, index: int, raw: Any) -> tuple[str, str]:
    code = raw.get("code") if isinstance(raw, dict) else None
    if isinstance(code, str) and CODE_RE.match(code):
        return code, f"{kind} {code}"
    return "", f"{kind} #{index + 1}"


def _parse_code(r: FieldReader, max_len: int = 40) -> str:
    code = r.text("code", required=True, max_len=max_len)
    if code and not CODE_RE.match(code):
        r.problem("code", f"must be capital letters, digits, '-' or '_', got {code!r}")
    return code


def _parse_prefix(r: FieldReader, name: str) -> str | None:
    value = r.data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not PREFIX_RE.match(value):
        r.problem(name, f"must be one or two capital letters A-Z, got {value!r}")
        return None
    return value


def _parse_section(index: int, raw: Any, problems: list[CatalogProblem]) -> _SectionRow:
    code, row = _row_name("section", index, raw)
    r = FieldReader(raw, row, problems)
    code = _parse_code(r, max_len=32) or code
    values = {
        "name_th": r.text("name_th", required=True, max_len=200),
        "name_en": r.text("name_en", max_len=200),
        "role_th": r.text("role_th"),
        "role_en": r.text("role_en"),
        "ticket_prefix": _parse_prefix(r, "queue_prefix_suggested"),
        "is_service_point": r.flag("pseudo_section", False),
        "sort_order": index,
    }
    return _SectionRow(code=code, values=values)


def _parse_fee(r: FieldReader) -> Decimal | None:
    value = r.data.get("fee_baht")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        r.problem("fee_baht", f"must be an amount in baht or null, got {value!r}")
        return None
    try:
        fee = Decimal(str(value))
    except InvalidOperation:
        r.problem("fee_baht", f"must be an amount in baht or null, got {value!r}")
        return None
    if not fee.is_finite() or fee < 0:
        r.problem("fee_baht", f"must not be negative, got {value!r}")
        return None
    return fee


def _parse_service(
    index: int, raw: Any, section_codes: set[str], problems: list[CatalogProblem]
) -> _ServiceRow:
    code, row = _row_name("service", index, raw)
    r = FieldReader(raw, row, problems)
    code = _parse_code(r) or code
    section_code = r.text("section", required=True)
    if section_code and section_code not in section_codes:
        r.problem("section", f"names section {section_code!r}, which is neither in the file "
                             "nor in the database")
    channels = r.data.get("channel", ["walk_in"])
    if (not isinstance(channels, list) or not channels
            or not all(isinstance(c, str) and c in CHANNELS for c in channels)):
        r.problem("channel", f"must be a non-empty list of walk_in, bma_oss, got {channels!r}")
        channels = ["walk_in"]
    fee = _parse_fee(r)
    fee_note_th = r.text("fee_note_th")
    if "fee_baht" not in r.data:
        r.problem("fee_baht", "is required (0 for free, null when it varies)")
    elif r.data["fee_baht"] is None and not fee_note_th:
        r.problem("fee_note_th", "is required when fee_baht is null (the fee varies): "
                                 "say how the fee is set")
    values = {
        "name_th": r.text("name_th", required=True, max_len=300),
        "name_en": r.text("name_en", max_len=300),
        "category": r.text("category", max_len=40),
        "conditions_th": r.text("conditions_th"),
        "conditions_en": r.text("conditions_en"),
        "legal_basis_th": r.text("legal_basis_th"),
        "legal_basis_en": r.text("legal_basis_en"),
        "fee_baht": fee,
        "fee_note_th": fee_note_th,
        "fee_note_en": r.text("fee_note_en"),
        "walk_in": "walk_in" in channels,
        "bma_oss": "bma_oss" in channels,
        "online_other_th": r.text("online_other_th"),
        "online_other_en": r.text("online_other_en"),
        "ticket_prefix": _parse_prefix(r, "ticket_prefix"),
        "active": r.flag("active", True),
        "sort_order": index,
    }
    steps = _parse_list(r, "steps", lambda i, item: _parse_step(r, i, item, section_codes),
                        required=True)
    documents = _parse_list(r, "documents", lambda i, item: _parse_document(r, i, item))
    return _ServiceRow(code, section_code, values, steps, documents)


def _parse_list(r: FieldReader, name: str, parse_item, *, required: bool = False) -> list:
    items = r.data.get(name, [] if not required else None)
    if not isinstance(items, list):
        r.problem(name, "is required and must be a list" if required else "must be a list")
        return []
    if required and not items:
        r.problem(name, "must list at least one step")
    return [parse_item(i, item) for i, item in enumerate(items)]


def _parse_step(r: FieldReader, i: int, raw: Any, section_codes: set[str]) -> dict[str, Any]:
    s = FieldReader(raw, r.row, r.problems, prefix=f"steps[{i}].")
    days = s.whole("days", minimum=1, nullable=True)
    minutes = None
    if days is None:
        # A malformed "days" was reported already; don't also demand minutes.
        minutes = s.whole("minutes", minimum=0, nullable=s.data.get("days") is not None)
    section = s.text("section")
    if section and section not in section_codes:
        s.problem("section", f"names unknown section {section!r}")
    return {
        "position": i + 1,
        "name_th": s.text("name_th", required=True, max_len=300),
        "name_en": s.text("name_en", max_len=300),
        "kind": s.choice("type", StepKind),
        "minutes": minutes,
        "working_days": days,
        "section_code": section or None,
    }


def _parse_document(r: FieldReader, i: int, raw: Any) -> dict[str, Any]:
    d = FieldReader(raw, r.row, r.problems, prefix=f"documents[{i}].")
    return {
        "position": i + 1,
        "name_th": d.text("name_th", required=True, max_len=300),
        "name_en": d.text("name_en", max_len=300),
        "kind": d.choice("kind", DocumentKind),
        "originals": d.whole("original", minimum=0) or 0,
        "copies": d.whole("copies", minimum=0) or 0,
        "issuer_th": d.text("issuer_th", max_len=300),
        "issuer_en": d.text("issuer_en", max_len=300),
        "required": d.flag("required", True),
        "note_th": d.text("note_th"),
        "note_en": d.text("note_en"),
    }


def known_section_codes(session: Session, office: Office) -> set[str]:
    return set(session.scalars(select(Section.code).where(Section.office_id == office.id)))


def apply_catalog(session: Session, office: Office, catalog: Catalog) -> ImportReport:
    """Create or update sections and services by code. Flushes; the caller commits."""
    report = ImportReport()
    sections = {s.code: s for s in session.scalars(
        select(Section).where(Section.office_id == office.id))}
    for row in catalog.sections:
        section = sections.get(row.code)
        if section is None:
            section = sections[row.code] = Section(office_id=office.id, code=row.code)
            session.add(section)
            report.sections_created += 1
        else:
            report.sections_updated += 1
        for name, value in row.values.items():
            setattr(section, name, value)
    session.flush()

    services = {s.code: s for s in session.scalars(
        select(Service).where(Service.office_id == office.id))}
    for row in catalog.services:
        section = sections[row.section_code]
        service = services.get(row.code)
        if service is None:
            service = Service(office_id=office.id, code=row.code)
            session.add(service)
            report.services_created += 1
        else:
            # Steps and documents have no identity of their own: replace them wholesale.
            service.steps.clear()
            service.documents.clear()
            session.flush()
            report.services_updated += 1
        values = dict(row.values)
        values["ticket_prefix"] = (values["ticket_prefix"] or section.ticket_prefix
                                   or section.code[0])
        for name, value in values.items():
            setattr(service, name, value)
        service.section = section
        for step in row.steps:
            step = dict(step)
            step_section = sections.get(step.pop("section_code") or "", section)
            service.steps.append(ServiceStep(section=step_section, **step))
        service.documents.extend(RequiredDocument(**doc) for doc in row.documents)
        report.codes.append(row.code)
    session.flush()
    return report
