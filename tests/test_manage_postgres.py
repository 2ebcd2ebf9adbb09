"""Management on a real PostgreSQL: reordering under the UNIQUE positions, deactivation, import.

PostgreSQL checks a UNIQUE constraint row by row, so a careless swap of two positions fails
there; the import's all-or-nothing rollback and the audit log's JSON column are exercised too.
"""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from models import Staff, db
from tests.manage_helpers import MANAGE, admin_client, audit_rows, follow, load_service, post
from tests.manage_helpers import service_id as lookup_service
from tests.staff_helpers import add_staff, sign_in


def test_management_on_postgresql(pg_app):
    app = pg_app
    client = admin_client(app)
    birth = lookup_service(app, "REG-BIRTH")
    names = [s.name_th for s in load_service(app, "REG-BIRTH").steps]
    step_ids = [s.id for s in load_service(app, "REG-BIRTH").steps]
    post(client, f"{MANAGE}/services/{birth}/steps/{step_ids[0]}/move/down")
    post(client, f"{MANAGE}/services/{birth}/steps/{step_ids[2]}/move/up",
         headers={"HX-Request": "true"})
    assert [s.name_th for s in load_service(app, "REG-BIRTH").steps] == [
        names[1], names[2], names[0]]
    follow(client, post(client, f"{MANAGE}/services/{birth}/steps/{step_ids[1]}/delete"))
    steps = load_service(app, "REG-BIRTH").steps
    assert [(s.position, s.name_th) for s in steps] == [(1, names[2]), (2, names[0])]

    add_staff(app, "nok")
    nok = app.test_client()
    sign_in(nok, "nok")
    with app.app_context():
        nok_id = db.session.scalar(select(Staff.id).where(Staff.username == "nok"))
    follow(client, post(client, f"{MANAGE}/staff/{nok_id}/deactivate"))
    assert nok.get("/staff/console/").status_code == 302

    exported = client.get(f"{MANAGE}/catalog-file/catalog.json").get_json()
    bad = json.loads(json.dumps(exported))
    bad["services"][0]["name_th"] = "ไม่ควรถูกบันทึก"
    bad["services"][1]["fee_baht"] = -1
    response = post(client, f"{MANAGE}/catalog-file/import",
                    {"file": (io.BytesIO(json.dumps(bad).encode()), "bad.json")},
                    content_type="multipart/form-data")
    assert response.status_code == 422
    assert load_service(app, "REG-BIRTH").name_th != "ไม่ควรถูกบันทึก"
    assert [e.action for e in audit_rows(app)] == [
        "step.move", "step.move", "step.delete", "staff.deactivate"]
    assert audit_rows(app)[0].detail == {"changes": {"position": [1, 2]},
                                         "name_th": names[0]}
