"""GET /api/v1/reports/staff and /sections: the report rows for a supervisor or admin token.

The same computation as the report screen and its exports (models.reports), so the numbers
agree; a supervisor's token sees their own section and its members, an admin's the office.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request

from api.errors import ApiError
from api.v1 import require_staff
from models import db
from models.base import now_utc
from models.reports.figures import Figures
from models.reports.periods import MAX_DAYS, DateRange, PeriodError, parse_range
from models.reports.queries import Scope, fetch, manager_scope, section_rows, staff_rows
from models.sql import Sql
from models.tickets import business_day
from web.office import current_office
from web.rollup import roll_up_closed_days

bp = Blueprint("api_reports", __name__, url_prefix="/api/v1/reports")


def _scope() -> Scope:
    require_staff(Sql.of(db.session))
    scope = manager_scope(g.staff, current_office().id)
    if scope is None:
        raise ApiError(403, "forbidden", "Reports need a supervisor or admin token")
    return scope


def _period() -> DateRange:
    try:
        return parse_range(request.args.get("from"), request.args.get("to"),
                           business_day(now_utc()))
    except PeriodError as exc:
        raise ApiError(422, "invalid", exc.message_en) from exc


def row_json(figures: Figures) -> dict[str, Any]:
    return {
        "visits": figures.visits, "ratings": figures.ratings,
        "mean_score": figures.mean_score, "satisfaction_index": figures.satisfaction_index,
        "extra_payment_asked": figures.extra_asked,
        "mean_wait_minutes": figures.mean_wait, "mean_service_minutes": figures.mean_service,
        "response_rate": figures.response_rate, "satisfied_percent": figures.pct_satisfied,
        "distribution": {str(score): figures.distribution[score - 1] for score in range(1, 6)},
        "standard_minutes": figures.mean_standard,
        "within_standard_percent": figures.pct_within_standard, "no_shows": figures.no_shows,
    }


def _answer(period: DateRange, rows: list[dict[str, Any]]):
    return jsonify({"from": period.start.isoformat(), "to": period.end.isoformat(),
                    "min_ratings_to_compare": current_app.config["MIN_RATINGS_TO_COMPARE"],
                    "rows": rows})


@bp.get("/staff")
def staff_report():
    scope, period = _scope(), _period()
    roll_up_closed_days()
    sums = fetch(db.session, scope, period, ("staff_id", "section_id"))
    rows = staff_rows(db.session, scope, sums, current_app.config["MIN_RATINGS_TO_COMPARE"])
    return _answer(period, [{"username": r.code, "name": r.name_th, "section": r.section_code,
                             **row_json(r), "comparable": r.comparable, "rank": r.rank}
                            for r in rows])


@bp.get("/sections")
def sections_report():
    scope, period = _scope(), _period()
    roll_up_closed_days()
    sums = fetch(db.session, scope, period, ("staff_id", "section_id"))
    rows = section_rows(db.session, scope, sums)
    return _answer(period, [{"section": r.code, "name_th": r.name_th, "name_en": r.name_en,
                             **row_json(r)} for r in rows])


# The OpenAPI description of these two paths, merged into api/openapi.py's SPEC.
_NUMBER = {"type": ["number", "null"]}
_FIGURES = {
    "visits": {"type": "integer", "minimum": 0,
               "description": "visits served: finished or transferred on (each once)"},
    "ratings": {"type": "integer", "minimum": 0},
    "mean_score": {**_NUMBER, "description": "1-5, two decimals"},
    "satisfaction_index": {**_NUMBER, "description": "(mean score - 1) / 4 * 100, one decimal"},
    "extra_payment_asked": {"type": "integer", "minimum": 0,
                            "description": "ratings answering they were asked for extra"},
    "mean_wait_minutes": _NUMBER, "mean_service_minutes": _NUMBER,
    "response_rate": {**_NUMBER, "description": (
        "ratings ÷ visits served, per cent; a visit is served by a staff member or section "
        "that finished or transferred it. Visits that ended in a no-show after a transfer "
        "(or still wait) count for the sending side but cannot be rated")},
    "satisfied_percent": {**_NUMBER, "description": "share of scores 4-5, per cent"},
    "distribution": {"type": "object", "description": "ratings per score '1'..'5'",
                     "additionalProperties": {"type": "integer"}},
    "standard_minutes": {**_NUMBER, "description": "the manual's same-day time, on average"},
    "within_standard_percent": _NUMBER, "no_shows": {"type": "integer", "minimum": 0},
}
_REQUIRED = ["visits", "ratings", "mean_score", "satisfaction_index", "extra_payment_asked",
             "mean_wait_minutes", "mean_service_minutes"]
OPENAPI_SCHEMAS = {
    "StaffReportRow": {"type": "object", "required": ["username", *_REQUIRED],
                       "properties": {"username": {"type": "string"},
                                      "name": {"type": "string"},
                                      "section": {"type": "string"},
                                      "comparable": {"type": "boolean"},
                                      "rank": {"type": ["integer", "null"]}, **_FIGURES}},
    "SectionReportRow": {"type": "object", "required": ["section", *_REQUIRED],
                         "properties": {"section": {"type": "string"},
                                        "name_th": {"type": "string"},
                                        "name_en": {"type": "string"}, **_FIGURES}},
}


def _path(summary: str, row: str) -> dict:
    missing = {"from": "missing: the first day of the month of `to`",
               "to": "missing: today (Bangkok)"}
    dates = [{"name": name, "in": "query", "required": False,
              "description": "YYYY-MM-DD (common era), Bangkok business day, inclusive; "
                             f"{missing[name]}; both missing: this whole month. An empty "
                             "value is an invalid date (422), as is `to` before `from` or a "
                             f"range longer than {MAX_DAYS} days.",
              "schema": {"type": "string", "format": "date"}} for name in ("from", "to")]
    body = {"type": "object", "required": ["from", "to", "rows"],
            "properties": {"from": {"type": "string", "format": "date"},
                           "to": {"type": "string", "format": "date"},
                           "min_ratings_to_compare": {"type": "integer"},
                           "rows": {"type": "array",
                                    "items": {"$ref": f"#/components/schemas/{row}"}}}}
    error = {"description": "Error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
    return {"get": {"summary": summary, "security": [{"bearer": []}], "parameters": dates,
                    "responses": {"200": {"description": "Report rows", "content": {
                        "application/json": {"schema": body}}},
                        "401": error, "403": error, "422": error}}}


OPENAPI_PATHS = {
    "/api/v1/reports/staff": _path("Per staff member over a date range (supervisor: their "
                                   "section's members; admin: everyone)", "StaffReportRow"),
    "/api/v1/reports/sections": _path("Per section over a date range (supervisor: their "
                                      "section; admin: every section)", "SectionReportRow"),
}
