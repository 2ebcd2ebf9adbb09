"""Catalog files: validated as a whole, applied by code, never half-written."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from config import DEMO_CATALOG
from models import DocumentKind, RequiredDocument, Section, Service, ServiceStep, db
from models.catalog_io import apply_catalog, known_section_codes, parse_catalog
from models.catalog_problems import CatalogError
from web.office import current_office

DEMO = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))


def minimal_service(code: str = "NEW-SVC", **changes) -> dict:
    service = {
        "code": code,
        "name_th": "บริการใหม่",
        "name_en": "A new service",
        "section": "REG",
        "fee_baht": 20,
        "steps": [{"name_th": "ตรวจเอกสาร", "minutes": 5, "type": "check"}],
        "documents": [],
    }
    service.update(changes)
    return service


def problems_of(data, known=frozenset({"REG"})) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(data, known)
    return [str(p) for p in caught.value.problems]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_catalog_imports_every_service_with_steps_and_documents(app):
    with app.app_context():
        services = db.session.scalars(select(Service)).all()
        assert len(services) == 15
        birth = db.session.scalar(select(Service).where(Service.code == "REG-BIRTH"))
        assert [s.name_th for s in birth.steps][0] == "ตรวจสอบเอกสารและรับคำร้อง"
        assert [s.minutes for s in birth.steps] == [5, 7, 3]
        assert birth.total_minutes == 15 and birth.same_day
        assert birth.is_free and birth.ticket_prefix == "A"
        assert len(birth.identity_documents) == 2 and len(birth.other_documents) == 3
        note = birth.documents[1]
        assert note.note_th == "คนละ 1 ใบ" and note.required is False


def test_multi_day_steps_keep_working_days_not_nominal_minutes(app):
    with app.app_context():
        permit = db.session.scalar(select(Service).where(Service.code == "PW-BUILD"))
        assert [s.working_days for s in permit.steps] == [None, 7, 30, 8]
        assert [s.minutes for s in permit.steps] == [30, None, None, None]
        assert permit.total_working_days == 45 and not permit.same_day
        assert permit.bma_oss and permit.walk_in
        # 200 baht a permit plus plan checking by floor area: a fee that varies, with its note.
        assert permit.fee_baht is None and "200 บาท" in permit.fee_note_th


def test_variable_fee_is_null_with_its_note_and_step_sections_resolve(app):
    with app.app_context():
        sign_tax = db.session.scalar(select(Service).where(Service.code == "REV-SIGNTAX"))
        assert sign_tax.fee_baht is None and sign_tax.fee_note_th.startswith("ภาษีคำนวณ")
        assert sign_tax.steps[-1].section.code == "FIN"
        assert sign_tax.section.code == "REV"


def test_reimport_updates_by_code_without_duplicates(app):
    changed = copy.deepcopy(DEMO)
    changed["services"][0]["name_en"] = "Birth registration (renamed)"
    changed["services"][0]["steps"].append(
        {"name_th": "ขั้นตอนเพิ่ม", "minutes": 2, "type": "process", "section": "REG"})
    changed["services"][0]["documents"] = changed["services"][0]["documents"][:1]
    with app.app_context():
        before = (count(Section), count(Service), count(ServiceStep), count(RequiredDocument))
        office = current_office()
        report = apply_catalog(db.session, office,
                               parse_catalog(changed, known_section_codes(db.session, office)))
        db.session.commit()
        assert report.services_created == 0 and report.services_updated == 15
        assert (count(Section), count(Service)) == before[:2]
        assert count(ServiceStep) == before[2] + 1
        assert count(RequiredDocument) == before[3] - 4
        birth = db.session.scalar(select(Service).where(Service.code == "REG-BIRTH"))
        assert birth.name_en == "Birth registration (renamed)"
        assert [s.position for s in birth.steps] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name_th": ""}, "service NEW-SVC: field 'name_th': must not be empty"),
        ({"section": "NOPE"}, "service NEW-SVC: field 'section': names section 'NOPE'"),
        ({"fee_baht": -5}, "service NEW-SVC: field 'fee_baht': must not be negative"),
        ({"fee_baht": "free"}, "service NEW-SVC: field 'fee_baht'"),
        ({"fee_baht": None}, "service NEW-SVC: field 'fee_note_th': is required when fee_baht"),
        ({"channel": ["fax"]}, "service NEW-SVC: field 'channel'"),
        ({"steps": []}, "service NEW-SVC: field 'steps': must list at least one step"),
        ({"steps": [{"name_th": "x", "minutes": "five", "type": "check"}]},
         "service NEW-SVC: field 'steps[0].minutes': must be a whole number ≥ 0, got 'five'"),
        ({"steps": [{"name_th": "x", "minutes": 5, "type": "dance"}]},
         "service NEW-SVC: field 'steps[0].type': must be one of check, consider, sign"),
        ({"steps": [{"name_th": "x", "days": 0, "type": "check"}]},
         "service NEW-SVC: field 'steps[0].days': must be a whole number ≥ 1"),
        ({"documents": [{"name_th": "บัตร", "kind": "identity", "original": 1, "copies": -1}]},
         "service NEW-SVC: field 'documents[0].copies'"),
        ({"documents": [{"name_th": "บัตร", "kind": "passport", "original": 1, "copies": 0}]},
         "service NEW-SVC: field 'documents[0].kind'"),
        ({"ticket_prefix": "a1"}, "service NEW-SVC: field 'ticket_prefix'"),
    ],
)
def test_malformed_service_names_code_field_and_problem(change, expected):
    problems = problems_of({"services": [minimal_service(**change)]})
    assert any(p.startswith(expected) for p in problems), problems


def test_row_without_a_valid_code_is_named_by_position():
    problems = problems_of({"services": [minimal_service(), minimal_service(code="bad code")]})
    assert any(p.startswith("service #2: field 'code'") for p in problems), problems


def test_codes_and_names_longer_than_their_columns_are_refused():
    long_section = {"sections": [{"code": "S" * 33, "name_th": "ฝ่าย"}], "services": []}
    assert any("field 'code': is longer than 32" in p for p in problems_of(long_section))
    long_name = {"services": [minimal_service(name_th="ก" * 301)]}
    assert any("field 'name_th': is longer than 300" in p for p in problems_of(long_name))


def test_duplicate_codes_in_one_file_are_refused():
    problems = problems_of({"services": [minimal_service(), minimal_service()]})
    assert "service NEW-SVC: field 'code': appears more than once" in problems


def test_not_an_object_and_missing_services_are_refused():
    assert problems_of([1, 2]) == ["file: field '(top)': must be a JSON object"]
    assert problems_of({"sections": []}) == [
        "file: field 'services': is required and must be a list"]


def test_every_problem_of_a_file_is_reported_at_once():
    bad = {"services": [minimal_service(name_th=""), minimal_service("B", fee_baht=-1)]}
    problems = problems_of(bad)
    assert any(p.startswith("service NEW-SVC") for p in problems)
    assert any(p.startswith("service B") for p in problems)


def test_new_section_in_file_can_be_used_by_its_services(empty_app):
    data = {
        "sections": [{"code": "LIB", "name_th": "ห้องสมุด", "queue_prefix_suggested": "Q"}],
        "services": [minimal_service("LIB-CARD", section="LIB",
                                     documents=[{"name_th": "บัตรประชาชน", "kind": "identity",
                                                 "original": 1, "copies": 1}])],
    }
    with empty_app.app_context():
        office = current_office()
        apply_catalog(db.session, office, parse_catalog(data, set()))
        db.session.commit()
        card = db.session.scalar(select(Service).where(Service.code == "LIB-CARD"))
        assert card.ticket_prefix == "Q" and card.section.name_th == "ห้องสมุด"
        assert card.documents[0].kind is DocumentKind.IDENTITY
        assert card.documents[0].copies == 1
