"""The OpenAPI 3 description of /api/v1, served at /api/openapi.json."""

from __future__ import annotations

from flask import Blueprint, jsonify

from api.reports import OPENAPI_PATHS as REPORT_PATHS
from api.reports import OPENAPI_SCHEMAS as REPORT_SCHEMAS

bp = Blueprint("api_docs", __name__)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = _json(_ref("Error"), "Error")
TOKEN = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
BEARER = [{"bearer": []}]
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
SCORE = {"type": "integer", "minimum": 1, "maximum": 5}
NULLABLE_SCORE = {"type": ["integer", "null"], "minimum": 1, "maximum": 5}


def _action(summary: str, with_body: dict | None = None) -> dict:
    operation = {
        "summary": summary, "security": BEARER, "parameters": [TOKEN],
        "responses": {"200": _json({"type": "object", "required": ["ticket"],
                                    "properties": {"ticket": _ref("Ticket")}}, "The ticket"),
                      "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR},
    }
    if with_body:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": with_body}}}
        operation["responses"].update({"400": ERROR, "422": ERROR})
    return {"post": operation}


SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Khiu queue API", "version": "1.0.0",
             "description": "Tickets, counters and calls of a Khiu office."},
    "paths": {
        "/api/v1/services": {"get": {
            "summary": "Services with their waiting count and estimated wait",
            "responses": {"200": _json({"type": "array", "items": _ref("Service")},
                                       "Services")}}},
        "/api/v1/counters": {"get": {
            "summary": "Counters and the services each serves",
            "responses": {"200": _json({"type": "array", "items": _ref("Counter")},
                                       "Counters")}}},
        "/api/v1/tickets": {"post": {
            "summary": "Issue a ticket (idempotent with idempotency_key)",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("NewTicket")}}},
            "responses": {"201": _json(_ref("IssuedTicket"), "Issued"),
                          "200": _json(_ref("IssuedTicket"), "Issued before with this key"),
                          "400": ERROR,
                          "403": _json(_ref("Error"), "not_a_kiosk: the request does not "
                                       "come from a network tickets are issued to "
                                       "(TICKET_NETWORKS)"),
                          "404": ERROR,
                          "409": _json(_ref("Error"), "office_closed, or "
                                       "idempotency_key_reused (the key was given for a "
                                       "ticket of another service)"),
                          "422": ERROR}}},
        "/api/v1/tickets/{token}": {"get": {
            "summary": "A ticket's status and the segments of its visit",
            "parameters": [TOKEN],
            "responses": {"200": _json(_ref("Ticket"), "The ticket"), "404": ERROR}}},
        "/api/v1/counters/{counter}/call-next": {"post": {
            "summary": "Call the next ticket to this counter; with `finish`, first finish the "
                       "counter's current visit (one request for \"finish and call next\")",
            "description": "The finish is done first and stands whatever the call answers "
                           "(204 when nobody waits). A repeated request naming the same "
                           "ticket is refused with 409 not_at_counter and calls nobody.",
            "security": BEARER,
            "parameters": [{"name": "counter", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "requestBody": {"required": False, "content": {"application/json": {
                "schema": {"type": "object", "properties": {"finish": {
                    "type": "string", "minLength": 1, "maxLength": 64,
                    "description": "token of the ticket at this counter to finish first"}}}}}},
            "responses": {"200": _json({"type": "object", "required": ["ticket"],
                                        "properties": {"ticket": _ref("Ticket")}},
                                       "The called ticket"),
                          "204": {"description": "Nobody is waiting"},
                          "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR,
                          "409": _json(_ref("Error"), "counter_busy, counter_paused, "
                                                      "not_at_counter or invalid_transition"),
                          "422": ERROR}}},
        "/api/v1/tickets/{token}/recall": _action("Call the ticket again"),
        "/api/v1/tickets/{token}/start": _action("Start serving the ticket"),
        "/api/v1/tickets/{token}/no-show": _action("The visitor did not come"),
        "/api/v1/tickets/{token}/finish": _action("Finish the visit"),
        "/api/v1/tickets/{token}/transfer": _action("Send the visitor to another service",
                                                    _ref("Transfer")),
        "/api/v1/tickets/{token}/rating": {"post": {
            "summary": "Rate a finished visit once (the ticket's token is the secret; no "
                       "bearer token)",
            "parameters": [TOKEN],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("NewRating")}}},
            "responses": {"201": _json(_ref("Rating"), "Stored"),
                          "400": ERROR, "404": ERROR,
                          "409": _json(_ref("Error"), "already_rated, not_finished or "
                                                      "window_closed"),
                          "422": _json(_ref("Error"), "An invalid score or answer")}}},
        **REPORT_PATHS,
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error", "message"],
                      "properties": {"error": {"type": "string"},
                                     "message": {"type": "string"},
                                     "message_th": {
                                         "type": "string",
                                         "description": "The message in Thai, for an error "
                                                        "a device may show a citizen"}}},
            "Service": {"type": "object",
                        "required": ["code", "name_th", "name_en", "section", "waiting",
                                     "eta_minutes"],
                        "properties": {"code": {"type": "string"},
                                       "name_th": {"type": "string"},
                                       "name_en": {"type": "string"},
                                       "section": {"type": "string"},
                                       "waiting": {"type": "integer", "minimum": 0},
                                       "eta_minutes": {"type": "integer", "minimum": 0}}},
            "Counter": {"type": "object", "required": ["id", "label", "section", "services"],
                        "properties": {"id": {"type": "integer"}, "label": {"type": "string"},
                                       "section": {"type": "string"},
                                       "services": {"type": "array",
                                                    "items": {"type": "string"}}}},
            "NewTicket": {"type": "object", "required": ["service"],
                          "properties": {
                              "service": {"type": "string", "minLength": 1},
                              "priority": {"oneOf": [
                                  {"type": "boolean"},
                                  {"type": "string",
                                   "enum": ["elderly", "disabled", "pregnant", "monk"]}]},
                              "idempotency_key": {"type": ["string", "null"], "minLength": 1,
                                                  "maxLength": 64}}},
            "IssuedTicket": {"type": "object",
                             "required": ["number", "token", "service", "status",
                                          "people_ahead", "eta_minutes", "status_url"],
                             "properties": {
                                 "number": {"type": "string"}, "token": {"type": "string"},
                                 "service": {"type": "string"},
                                 "status": {"type": "string",
                                            "enum": ["waiting", "called", "serving",
                                                     "finished", "no_show"]},
                                 "priority": {"type": "boolean"},
                                 "counter": {"type": ["string", "null"]},
                                 "people_ahead": {"type": "integer", "minimum": 0},
                                 "eta_minutes": {"type": "integer", "minimum": 0},
                                 "status_url": {"type": "string"}}},
            "Ticket": {"allOf": [_ref("IssuedTicket"), {
                "type": "object", "required": ["segments"],
                "properties": {"segments": {"type": "array", "items": _ref("Segment")}}}]},
            "Segment": {"type": "object",
                        "required": ["service", "section", "counter", "staff", "called_at",
                                     "started_at", "finished_at", "outcome"],
                        "properties": {
                            "service": {"type": "string"}, "section": {"type": "string"},
                            "counter": {"type": "string"},
                            "staff": {"type": ["string", "null"]},
                            "called_at": {"type": "string", "format": "date-time"},
                            "started_at": NULLABLE_TIME, "finished_at": NULLABLE_TIME,
                            "outcome": {"type": ["string", "null"],
                                        "enum": ["served", "transferred", "no_show", None]}}},
            **REPORT_SCHEMAS,
            "Transfer": {"type": "object", "required": ["service"],
                         "properties": {"service": {"type": "string", "minLength": 1},
                                        "position": {"type": "string",
                                                     "enum": ["front", "back"]}}},
            "NewRating": {"type": "object", "required": ["score"], "additionalProperties": False,
                          "properties": {
                              "score": SCORE,
                              "answers": {"type": ["object", "null"],
                                          "additionalProperties": False,
                                          "properties": {"clarity": NULLABLE_SCORE,
                                                         "speed": NULLABLE_SCORE,
                                                         "courtesy": NULLABLE_SCORE}},
                              "extra_payment_asked": {"type": ["boolean", "null"]},
                              "comment": {"type": ["string", "null"], "maxLength": 1000}}},
            "Rating": {"type": "object",
                       "required": ["ticket", "score", "answers", "extra_payment_asked",
                                    "comment", "channel", "created_at", "credits"],
                       "properties": {
                           "ticket": {"type": "string"}, "score": SCORE,
                           "answers": {"type": "object", "properties": {
                               "clarity": NULLABLE_SCORE, "speed": NULLABLE_SCORE,
                               "courtesy": NULLABLE_SCORE}},
                           "extra_payment_asked": {"type": ["boolean", "null"]},
                           "comment": {"type": "string"},
                           "channel": {"type": "string", "enum": ["kiosk", "phone", "api"]},
                           "created_at": {"type": "string", "format": "date-time"},
                           "credits": {"type": "array", "items": {
                               "type": "object",
                               "required": ["staff", "counter", "section", "service"],
                               "properties": {"staff": {"type": ["string", "null"]},
                                              "counter": {"type": "string"},
                                              "section": {"type": "string"},
                                              "service": {"type": "string"}}}}}},
        },
    },
}


@bp.get("/api/openapi.json")
def spec():
    return jsonify(SPEC)
