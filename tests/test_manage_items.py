"""Steps and required documents of a service: add, edit, reorder (htmx and plain), delete."""

from __future__ import annotations

from tests.manage_helpers import (
    MANAGE,
    admin_client,
    audit_rows,
    follow,
    load_service,
    post,
    service_id,
)

STEP = {"name_th": "ตรวจสอบเพิ่มเติม", "name_en": "Extra check", "type": "consider",
        "duration": "3", "unit": "days", "section": "ADMIN"}
DOCUMENT = {"name_th": "สำเนาทะเบียนบ้าน", "name_en": "Copy of house registration",
            "kind": "other", "original": "0", "copies": "2", "issuer_th": "กรมการปกครอง",
            "required": "on", "note_th": "", "note_en": ""}


def steps(app, code: str = "REG-BIRTH") -> list[tuple]:
    return [(s.position, s.name_th, s.minutes, s.working_days, s.section.code)
            for s in load_service(app, code).steps]


def documents(app, code: str = "REG-BIRTH") -> list[tuple]:
    return [(d.position, d.name_th, d.originals, d.copies, d.required)
            for d in load_service(app, code).documents]


def item_ids(app, kind: str, code: str = "REG-BIRTH") -> list[int]:
    return [item.id for item in getattr(load_service(app, code), kind)]


def url(app, kind: str, index: int | None = None, action: str = "") -> str:
    birth = service_id(app, "REG-BIRTH")
    if index is None:
        return f"{MANAGE}/services/{birth}/{kind}/new"
    return f"{MANAGE}/services/{birth}/{kind}/{item_ids(app, kind)[index]}/{action}"


def test_add_edit_and_delete_a_step_shows_on_the_manual(app):
    client = admin_client(app)
    names = [name for _, name, *_ in steps(app)]
    page = follow(client, post(client, url(app, "steps"), STEP))
    assert "เพิ่มขั้นตอนแล้ว" in page
    assert steps(app)[-1] == (4, "ตรวจสอบเพิ่มเติม", None, 3, "ADMIN")
    manual = client.get("/services/REG-BIRTH").get_data(as_text=True)
    assert "ตรวจสอบเพิ่มเติม" in manual and "3 วันทำการ" in manual

    edit = url(app, "steps", 3, "edit")
    form = client.get(edit).get_data(as_text=True)
    assert 'value="ตรวจสอบเพิ่มเติม"' in form
    follow(client, post(client, edit, dict(STEP, duration="20", unit="minutes", section="")))
    assert steps(app)[-1] == (4, "ตรวจสอบเพิ่มเติม", 20, None, "REG")
    change = audit_rows(app)[-1]
    assert (change.action, change.target) == ("step.update", "REG-BIRTH step 4")
    assert change.detail["changes"]["minutes"] == [None, 20]
    assert change.detail["changes"]["working_days"] == [3, None]
    assert change.detail["changes"]["section"] == ["ADMIN", "REG"]

    follow(client, post(client, url(app, "steps", 0, "delete")))
    assert [name for _, name, *_ in steps(app)] == names[1:] + ["ตรวจสอบเพิ่มเติม"]
    assert [position for position, *_ in steps(app)] == [1, 2, 3]
    assert [e.action for e in audit_rows(app)] == ["step.create", "step.update", "step.delete"]


def test_bad_step_is_refused_in_both_languages_and_nothing_is_written(app):
    client = admin_client(app)
    before = steps(app)
    bad = dict(STEP, name_th="", duration="1.5", unit="minutes", type="")
    response = post(client, url(app, "steps"), bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ต้องไม่เว้นว่าง" in page and "ต้องเป็นจำนวนเต็มตั้งแต่ 0 ขึ้นไป" in page
    assert "ต้องเป็นค่าใดค่าหนึ่งใน check, consider, sign, process, pay" in page
    assert 'id="err-duration"' in page and "<details class=\"add-item\" open>" in page
    days = post(client, url(app, "steps") + "?lang=en", dict(STEP, duration="0"))
    assert days.status_code == 422
    assert "must be a whole number ≥ 1, got 0" in days.get_data(as_text=True)
    edit = post(client, url(app, "steps", 0, "edit"), dict(STEP, duration=""))
    assert edit.status_code == 422 and "is required" in edit.get_data(as_text=True)
    assert steps(app) == before
    assert audit_rows(app) == []


def test_steps_reorder_with_htmx_and_without(app):
    client = admin_client(app)
    first, second, third = (name for _, name, *_ in steps(app))
    response = post(client, url(app, "steps", 0, "move/down"), headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and fragment.lstrip().startswith("<div id=\"steps\"")
    assert fragment.index(second) < fragment.index(first) < fragment.index(third)
    assert [name for _, name, *_ in steps(app)] == [second, first, third]
    follow(client, post(client, url(app, "steps", 2, "move/up")))
    assert [name for _, name, *_ in steps(app)] == [second, third, first]
    assert [position for position, *_ in steps(app)] == [1, 2, 3]
    # Already last: nothing moves, nothing is logged.
    post(client, url(app, "steps", 2, "move/down"), headers={"HX-Request": "true"})
    moves = [e for e in audit_rows(app) if e.action == "step.move"]
    assert [m.detail["changes"]["position"] for m in moves] == [[1, 2], [3, 2]]
    manual = client.get("/services/REG-BIRTH").get_data(as_text=True)
    assert manual.index(second) < manual.index(third) < manual.index(first)


def test_the_last_step_cannot_be_deleted(app):
    client = admin_client(app)
    for _ in range(2):
        post(client, url(app, "steps", 0, "delete"))
    assert len(steps(app)) == 1
    refused = post(client, url(app, "steps", 0, "delete"), headers={"HX-Request": "true"})
    assert "ลบไม่ได้: งานบริการต้องมีอย่างน้อยหนึ่งขั้นตอน" in refused.get_data(as_text=True)
    page = follow(client, post(client, url(app, "steps", 0, "delete")))
    assert "ลบไม่ได้" in page and 'flash-error' in page
    assert len(steps(app)) == 1
    assert [e.action for e in audit_rows(app)] == ["step.delete", "step.delete"]


def test_documents_add_edit_move_delete(app):
    client = admin_client(app)
    count = len(documents(app))
    follow(client, post(client, url(app, "documents"), DOCUMENT))
    assert documents(app)[-1] == (count + 1, "สำเนาทะเบียนบ้าน", 0, 2, True)
    checklist = client.get("/services/REG-BIRTH/checklist").get_data(as_text=True)
    assert "สำเนาทะเบียนบ้าน" in checklist

    follow(client, post(client, url(app, "documents", count, "edit"),
                        dict(DOCUMENT, required="", copies="1")))
    assert documents(app)[-1] == (count + 1, "สำเนาทะเบียนบ้าน", 0, 1, False)
    post(client, url(app, "documents", count, "move/up"), headers={"HX-Request": "true"})
    assert documents(app)[count - 1][1] == "สำเนาทะเบียนบ้าน"

    bad = post(client, url(app, "documents", 0, "edit"), dict(DOCUMENT, copies="-1", kind="x"))
    assert bad.status_code == 422
    assert "ต้องเป็นจำนวนเต็มตั้งแต่ 0 ขึ้นไป" in bad.get_data(as_text=True)
    assert "ต้องเป็นค่าใดค่าหนึ่งใน identity, other" in bad.get_data(as_text=True)

    removed = post(client, url(app, "documents", count - 1, "delete"),
                   headers={"HX-Request": "true"})
    assert "สำเนาทะเบียนบ้าน" not in removed.get_data(as_text=True)
    assert len(documents(app)) == count
    assert [e.action for e in audit_rows(app)] == [
        "document.create", "document.update", "document.move", "document.delete"]
    assert audit_rows(app)[-1].detail["changes"]["name_th"] == ["สำเนาทะเบียนบ้าน", None]


def test_items_of_another_service_are_not_reachable(app):
    client = admin_client(app)
    other = item_ids(app, "steps", "REG-DEATH")[0]
    birth = service_id(app, "REG-BIRTH")
    assert client.get(f"{MANAGE}/services/{birth}/steps/{other}/edit").status_code == 404
    assert post(client, f"{MANAGE}/services/{birth}/steps/{other}/delete").status_code == 404
