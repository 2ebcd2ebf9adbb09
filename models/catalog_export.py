"""Writing the catalog out in the file format `import-catalog` reads (models/catalog_io.py).

Importing an exported file changes nothing: every field import reads is written, in the order
import gives back (sections and services by their sort order, steps and documents by position).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.base import now_utc
from models.catalog import Office, RequiredDocument, Section, Service, ServiceStep

FORMAT_NOTE = "Khiu catalog; import with `flask --app app import-catalog FILE` or in management"


def fee_json(fee: Decimal | None) -> int | float | None:
    if fee is None:
        return None
    return int(fee) if fee == fee.to_integral_value() else float(fee)


def section_json(section: Section) -> dict[str, Any]:
    return {
        "code": section.code,
        "name_th": section.name_th,
        "name_en": section.name_en,
        "role_th": section.role_th,
        "role_en": section.role_en,
        "queue_prefix_suggested": section.ticket_prefix,
        "pseudo_section": section.is_service_point,
    }


def step_json(step: ServiceStep) -> dict[str, Any]:
    return {
        "name_th": step.name_th,
        "name_en": step.name_en,
        "type": step.kind.value,
        "minutes": step.minutes,
        "days": step.working_days,
        "section": step.section.code,
    }


def document_json(document: RequiredDocument) -> dict[str, Any]:
    return {
        "name_th": document.name_th,
        "name_en": document.name_en,
        "kind": document.kind.value,
        "original": document.originals,
        "copies": document.copies,
        "issuer_th": document.issuer_th,
        "issuer_en": document.issuer_en,
        "required": document.required,
        "note_th": document.note_th,
        "note_en": document.note_en,
    }


def service_json(service: Service) -> dict[str, Any]:
    channels = [name for name, on in (("walk_in", service.walk_in), ("bma_oss", service.bma_oss))
                if on]
    return {
        "code": service.code,
        "section": service.section.code,
        "name_th": service.name_th,
        "name_en": service.name_en,
        "category": service.category,
        "channel": channels,
        "conditions_th": service.conditions_th,
        "conditions_en": service.conditions_en,
        "legal_basis_th": service.legal_basis_th,
        "legal_basis_en": service.legal_basis_en,
        "fee_baht": fee_json(service.fee_baht),
        "fee_note_th": service.fee_note_th,
        "fee_note_en": service.fee_note_en,
        "online_other_th": service.online_other_th,
        "online_other_en": service.online_other_en,
        "ticket_prefix": service.ticket_prefix,
        "active": service.active,
        "steps": [step_json(step) for step in sorted(service.steps, key=lambda s: s.position)],
        "documents": [document_json(doc)
                      for doc in sorted(service.documents, key=lambda d: d.position)],
    }


def export_catalog(session: Session, office: Office) -> dict[str, Any]:
    """The whole catalog of office, inactive services included (import keeps them inactive)."""
    sections = session.scalars(
        select(Section).where(Section.office_id == office.id)
        .order_by(Section.sort_order, Section.id)).all()
    services = session.scalars(
        select(Service).where(Service.office_id == office.id)
        .options(selectinload(Service.section),
                 selectinload(Service.steps).selectinload(ServiceStep.section),
                 selectinload(Service.documents))
        .order_by(Service.sort_order, Service.id)).all()
    return {
        "_meta": {"office": office.code, "exported_at": now_utc().isoformat(timespec="seconds"),
                  "format": FORMAT_NOTE},
        "sections": [section_json(section) for section in sections],
        "services": [service_json(service) for service in services],
    }
