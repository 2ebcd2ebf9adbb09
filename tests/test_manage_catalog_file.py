"""Catalog export and import in management: round trip, all or nothing, problems in Thai and
English."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from sqlalchemy import select

from admin.manage.problems import thai_message
from app import create_app
from config import DEMO_CATALOG, TestConfig
from models import Service, db
from models.catalog_io import parse_catalog
from models.catalog_problems import CatalogError
from tests.manage_helpers import (
    MANAGE,
    admin_client,
    audit_rows,
    follow,
    post,
    service_id,
)

EXPORT = f"{MANAGE}/catalog-file/catalog.json"
IMPORT = f"{MANAGE}/catalog-file/import"


@pytest.fixture
def fresh_app(migrated_db, tmp_path_factory):
    """A second installation with an empty catalog, beside the `app` fixture's."""
    folder = tmp_path_factory.mktemp("fresh")
    shutil.copy(migrated_db, folder / "khiu.db")
    fresh = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'khiu.db'}"})
    yield fresh
    with fresh.app_context():
        db.engine.dispose()


def exported(client) -> dict:
    response = client.get(EXPORT)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    data.pop("_meta")
    return data


def upload(client, data: bytes | dict, name: str = "catalog.json", lang: str = "th"):
    body = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return post(client, f"{IMPORT}?lang={lang}", {"file": (io.BytesIO(body), name)},
                content_type="multipart/form-data")


def test_export_then_import_elsewhere_gives_the_same_catalog(app, fresh_app):
    client = admin_client(app)
    birth = service_id(app, "REG-BIRTH")
    # Edits the demo file never had: reordered steps, a fee with satang, an inactive service.
    with app.app_context():
        first_step = db.session.scalar(select(Service).where(Service.id == birth)).steps[0].id
    post(client, f"{MANAGE}/services/{birth}/steps/{first_step}/move/down")
    post(client, f"{MANAGE}/services/{service_id(app, 'REG-DEATH')}/deactivate")
    with app.app_context():
        db.session.get(Service, service_id(app, "PW-BUILD")).fee_baht = 12.5
        db.session.commit()
    original = exported(client)
    assert parse_catalog(original)  # what we write, import reads without a problem
    assert original["services"][0]["steps"][0]["name_en"].startswith("Record data")
    assert [s["active"] for s in original["services"]].count(False) == 1

    other = admin_client(fresh_app)
    page = follow(other, upload(other, original))
    assert "นำเข้าแล้ว: ฝ่ายใหม่ 11 ปรับปรุง 0; งานบริการใหม่ 15 ปรับปรุง 0" in page
    assert exported(other) == original
    # Importing the same file again changes nothing either.
    follow(client, upload(client, original))
    assert exported(client) == original


def test_demo_file_imports_to_what_it_exports(app):
    client = admin_client(app)
    demo = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    data = exported(client)
    assert [s["code"] for s in data["services"]] == [s["code"] for s in demo["services"]]
    assert data["services"][0]["documents"][1]["note_th"] == "คนละ 1 ใบ"


def test_a_file_with_problems_is_refused_whole_and_told_in_both_languages(app):
    client = admin_client(app)
    before = exported(client)
    bad = json.loads(json.dumps(before))
    bad["services"][0]["name_th"] = "ชื่อใหม่ที่ไม่ควรถูกบันทึก"  # valid, must not be written
    bad["services"][1]["fee_baht"] = -1
    bad["services"][2]["section"] = "NOPE"
    bad["services"][3]["steps"][0]["type"] = "dance"
    response = upload(client, bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ไม่ได้นำเข้า ไม่มีการบันทึกใด ๆ พบปัญหา: 3" in page
    assert "งานบริการ REG-DEATH" in page and "ต้องไม่ติดลบ" in page
    assert "ระบุฝ่าย &#39;NOPE&#39; ซึ่งไม่มีทั้งในไฟล์และในระบบ" in page
    assert "steps[0].type" in page
    english = upload(client, bad, lang="en").get_data(as_text=True)
    assert "Catalog rejected, nothing was written" in english
    assert "service REG-DEATH" in english and "must not be negative, got -1" in english
    assert exported(client) == before
    assert audit_rows(app) == []


@pytest.mark.parametrize(("body", "thai", "english"), [
    (b'{"services": [', "ไฟล์ไม่ใช่ JSON ที่ถูกต้อง", "Not valid JSON at line:column 1:15"),
    ("ไทย".encode("tis-620"), "ไฟล์ไม่ใช่ข้อความ UTF-8", "not UTF-8 text"),
    (b"[]", "ต้องเป็นออบเจ็กต์ JSON", "must be a JSON object"),
])
def test_unreadable_files_are_refused(app, body, thai, english):
    client = admin_client(app)
    before = exported(client)
    response = upload(client, body)
    assert response.status_code == 422 and thai in response.get_data(as_text=True)
    assert english in upload(client, body, lang="en").get_data(as_text=True)
    assert exported(client) == before


def test_import_updates_by_code_and_is_audited(app):
    client = admin_client(app)
    data = exported(client)
    data["services"][0]["name_en"] = "Birth registration, updated by file"
    page = follow(client, upload(client, data, name="update.json"))
    assert "งานบริการใหม่ 0 ปรับปรุง 15" in page
    manual = client.get("/services/REG-BIRTH?lang=en").get_data(as_text=True)
    assert "Birth registration, updated by file" in manual
    entry = audit_rows(app)[-1]
    assert (entry.action, entry.target, entry.staff.username) == ("catalog.import",
                                                                   "update.json", "boss")
    assert entry.detail["services_updated"] == 15 and "REG-BIRTH" in entry.detail["services"]


def test_every_catalog_rule_has_its_thai_words():
    """Each message the import rules produce (file, sections, services, steps, documents)."""
    files = [
        [],
        {"sections": {}, "services": {}},
        {"sections": [7, {"code": "bad code", "name_th": 5, "queue_prefix_suggested": "abc",
                          "pseudo_section": "yes", "name_en": "x" * 201}, {"code": "A"},
                      {"code": "A", "name_th": "  "}],
         "services": [{"code": "S", "section": "ZZ", "channel": [], "fee_baht": "x",
                       "steps": [{"type": "dance", "minutes": -1, "section": "QQ"},
                                 {"days": 0}, 5],
                       "documents": [{"kind": "x", "original": "1", "copies": -2,
                                      "required": 1}]},
                      {"code": "T", "section": "A", "name_th": "ก", "fee_baht": None,
                       "steps": []},
                      {"code": "U", "section": "A", "name_th": "ก", "fee_baht": -3,
                       "steps": "no", "documents": "no"},
                      {"code": "U", "section": "A", "name_th": "ก", "steps": [{}]}]},
    ]
    messages = set()
    for data in files:
        with pytest.raises(CatalogError) as rejected:
            parse_catalog(data)
        messages |= {problem.message for problem in rejected.value.problems}
    assert len(messages) >= 20
    untold = [message for message in messages if thai_message(message) is None]
    assert untold == []
    assert thai_message("is required and must be a list") == "ต้องมีและต้องเป็นรายการ (list)"
    assert thai_message("must be a whole number ≥ 1, got 0") == \
        "ต้องเป็นจำนวนเต็มตั้งแต่ 1 ขึ้นไป (ได้ 0)"
