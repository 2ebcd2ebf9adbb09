"""CSV and XLSX exports of the report tables: Thai headers, Buddhist Era dates, and the very
numbers of the screen (the same Column list renders both)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask import Blueprint, Response, g, request
from openpyxl import Workbook
from openpyxl.styles import Font

from admin.auth import role_required
from admin.reports import min_ratings, office_scope, requested_period
from models import db
from models.base import local, now_utc
from models.reports.columns import SECTION_COLUMNS, STAFF_COLUMNS, Column
from models.reports.figures import Figures
from models.reports.periods import be_date, be_iso, bucket_label
from models.reports.queries import Scope
from models.reports.report import Report, build_report
from models.staff import STAFF_ROLES
from web.errors import error_page
from web.office import current_office
from web.rollup import roll_up_closed_days

INDEX_NOTE = ("ดัชนีความพึงพอใจ = (คะแนนเฉลี่ย − 1) ÷ 4 × 100; พึงพอใจ = คะแนน 4–5; "
              "เสร็จภายในมาตรฐาน = เวลาให้บริการที่ช่อง ≤ เวลาขั้นตอนในวันเดียวตามคู่มือ")
# The response rate's denominator includes visits that can never be rated (see F3 in issue 4).
RATE_NOTE = ("อัตราการตอบ = จำนวนผู้ประเมิน ÷ จำนวนผู้รับบริการ (ให้บริการเสร็จหรือโอนต่อ); "
             "การมาติดต่อที่ถูกโอนแล้วไม่มาตามเรียกนับเป็นผู้รับบริการของฝ่ายที่โอนแต่ประเมินไม่ได้")
TABLES = {"staff": ("รายบุคคล", STAFF_COLUMNS), "sections": ("รายฝ่าย", SECTION_COLUMNS)}
bp = Blueprint("report_exports", __name__, url_prefix="/staff/reports")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def be_timestamp(moment: datetime) -> str:
    moment = local(moment)
    return f"{be_date(moment.date())} {moment:%H:%M} น."


def _rows(report: Report, table: str) -> list[Figures]:
    return report.staff if table == "staff" else report.sections


def csv_bytes(report: Report, table: str) -> bytes:
    """One table; every row carries the range (BE) so a pasted row keeps its meaning."""
    columns = TABLES[table][1]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ตั้งแต่วันที่", "ถึงวันที่", *[c.th for c in columns]])
    start, end = be_iso(report.period.start), be_iso(report.period.end)
    for row in _rows(report, table):
        writer.writerow([start, end, *[c.text(row) for c in columns]])
    # The BOM makes Excel read the file as UTF-8 (Thai) when it is double-clicked.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet(sheet, title: str, report: Report, columns: list[Column],
           rows: list[Figures]) -> None:
    office = current_office()
    sheet.append([f"{title} — {office.name_th}"])
    sheet.append([f"ช่วงวันที่ {report.period.label('th')} "
                  f"({be_date(report.period.start)} – {be_date(report.period.end)})"])
    sheet.append([f"จัดทำเมื่อ {be_timestamp(now_utc())} โดย {g.staff.display_name}"])
    sheet.append([f"{INDEX_NOTE}; {RATE_NOTE}"])  # one row: the table header stays on row 5
    sheet.append([c.th for c in columns])
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([column.cell(row) for column in columns])
        for cell, column in zip(sheet[sheet.max_row], columns, strict=True):
            if column.decimals is not None:
                cell.number_format = "0." + "0" * column.decimals


def _trend_sheet(sheet, report: Report) -> None:
    sheet.append(["ช่วงเริ่มต้น (พ.ศ.)", "ช่วง", "จำนวนผู้รับบริการ (ราย)", "จำนวนผู้ประเมิน (ราย)",
                  "คะแนนเฉลี่ย (1–5)", "ดัชนีความพึงพอใจ (0–100)"])
    for point in report.trend:
        figures = point.figures
        sheet.append([be_iso(point.start), bucket_label(point.start, report.every),
                      figures.visits, figures.ratings, figures.mean_score,
                      figures.satisfaction_index])


def xlsx_bytes(report: Report) -> bytes:
    book = Workbook()
    staff_sheet = book.active
    staff_sheet.title = TABLES["staff"][0]
    _sheet(staff_sheet, "รายงานความพึงพอใจและเวลาให้บริการ รายบุคคล", report, STAFF_COLUMNS,
           report.staff)
    if report.scope.staff_id is None:
        _sheet(book.create_sheet(TABLES["sections"][0]),
               "รายงานความพึงพอใจและเวลาให้บริการ รายฝ่าย", report, SECTION_COLUMNS,
               report.sections)
    _trend_sheet(book.create_sheet("แนวโน้ม"), report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _download(report: Report, fmt: str, table: str) -> Response:
    stem = f"khiu-{be_iso(report.period.start)}_{be_iso(report.period.end)}"
    if fmt == "xlsx":
        return Response(xlsx_bytes(report), mimetype=XLSX_TYPE, headers={
            "Content-Disposition": f'attachment; filename="{stem}.xlsx"'})
    return Response(csv_bytes(report, table), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{stem}-{table}.csv"'})


def _export(scope: Scope, fmt: str, table: str):
    period, every, error = requested_period()
    if error is not None:
        return error_page(400, error.message_th, error.message_en)
    roll_up_closed_days()
    report = build_report(db.session, scope, period, every=every, min_ratings=min_ratings(),
                          comments=0)
    return _download(report, fmt, table)


def _table(default: str = "staff") -> str:
    table = request.args.get("table", default)
    return table if table in TABLES else default


@bp.get("/export.<any(csv, xlsx):fmt>")
@role_required(*STAFF_ROLES)
def export(fmt: str):
    return _export(office_scope(), fmt, _table())


@bp.get("/me/export.<any(csv, xlsx):fmt>")
@role_required(*STAFF_ROLES)
def export_mine(fmt: str):
    return _export(Scope(current_office().id, staff_id=g.staff.id), fmt, "staff")

