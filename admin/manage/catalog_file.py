"""Catalog export (the JSON file `import-catalog` reads) and import: all or nothing."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, render_template, request

from admin.manage.common import admin_only, commit_audited, done
from admin.manage.problems import Problem, told
from models import db
from models.base import begin_write, local, now_utc
from models.catalog_export import export_catalog
from models.catalog_io import apply_catalog, known_section_codes, parse_catalog
from models.catalog_problems import CatalogError
from web.office import current_office

bp = Blueprint("catalog_file", __name__, url_prefix="/catalog-file")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@bp.get("/")
@admin_only
def page():
    return render_template("manage/catalog_file.html", problems=[], error=None)


@bp.get("/catalog.json")
@admin_only
def export():
    office = current_office()
    body = json.dumps(export_catalog(db.session, office), ensure_ascii=False, indent=1)
    name = f"khiu-catalog-{office.code}-{local(now_utc()):%Y%m%d-%H%M}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


class _Unreadable(ValueError):
    def __init__(self, message_th: str, message_en: str):
        super().__init__(message_en)
        self.message_th, self.message_en = message_th, message_en


def _read_upload() -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise _Unreadable("เลือกไฟล์แคตตาล็อก (.json) ก่อน", "Choose a catalog file (.json) first")
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _Unreadable("ไฟล์ใหญ่เกิน 5 MB", "The file is larger than 5 MB")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Unreadable("ไฟล์ไม่ใช่ข้อความ UTF-8", "The file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        where = f"{exc.lineno}:{exc.colno}"
        raise _Unreadable(f"ไฟล์ไม่ใช่ JSON ที่ถูกต้อง (บรรทัด:คอลัมน์ {where}: {exc.msg})",
                          f"Not valid JSON at line:column {where}: {exc.msg}") from None


@bp.post("/import")
@admin_only
def import_file():
    try:
        data = _read_upload()
    except _Unreadable as exc:
        return render_template("manage/catalog_file.html", problems=[], error=exc), 422
    office = current_office()
    begin_write(db.session)
    try:
        catalog = parse_catalog(data, known_section_codes(db.session, office))
        report = apply_catalog(db.session, office, catalog)
    except CatalogError as exc:
        db.session.rollback()
        problems: list[Problem] = [told(p) for p in exc.problems]
        return render_template("manage/catalog_file.html", problems=problems, error=None), 422
    commit_audited("catalog.import", (request.files["file"].filename or "")[:120],
                   sections_created=report.sections_created,
                   sections_updated=report.sections_updated,
                   services_created=report.services_created,
                   services_updated=report.services_updated, services=report.codes)
    return done(
        f"นำเข้าแล้ว: ฝ่ายใหม่ {report.sections_created} ปรับปรุง {report.sections_updated}; "
        f"งานบริการใหม่ {report.services_created} ปรับปรุง {report.services_updated}",
        f"Imported: sections {report.sections_created} new, {report.sections_updated} updated;"
        f" services {report.services_created} new, {report.services_updated} updated",
        "manage.catalog_file.page")
