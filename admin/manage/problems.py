"""Catalog problems (models.catalog_problems, English for the CLI) in Thai and English on screen.

Each message of the catalog rules has a Thai counterpart here; the row and field names stay as
they are in the file, so an admin can find them in the JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.catalog_problems import CatalogProblem

_GOT = r"(?:, got (?P<got>.+))?"
# (English pattern matching the whole message, Thai template); {got}, {n} and {what} come
# from the match.
_MESSAGES: list[tuple[str, str]] = [
    (r"is required", "ต้องกรอก"),
    (r"must not be empty", "ต้องไม่เว้นว่าง"),
    (r"is longer than (?P<n>\d+) characters", "ยาวเกิน {n} ตัวอักษร"),
    (r"must be an object" + _GOT, "ต้องเป็นออบเจ็กต์ JSON"),
    (r"must be text" + _GOT, "ต้องเป็นข้อความ"),
    (r"must be a whole number ≥ (?P<n>\d+)" + _GOT,
     "ต้องเป็นจำนวนเต็มตั้งแต่ {n} ขึ้นไป (ได้ {got})"),
    (r"must be true or false" + _GOT, "ต้องเป็น true หรือ false"),
    (r"must be one of (?P<what>[^,]+(?:, [^,]+)*?)" + _GOT,
     "ต้องเป็นค่าใดค่าหนึ่งใน {what}"),
    (r"must be a JSON object", "ต้องเป็นออบเจ็กต์ JSON"),
    (r"must be a list", "ต้องเป็นรายการ (list)"),
    (r"is required and must be a list", "ต้องมีและต้องเป็นรายการ (list)"),
    (r"appears more than once", "ซ้ำกันมากกว่าหนึ่งครั้ง"),
    (r"must be capital letters, digits, '-' or '_'" + _GOT,
     "ใช้ได้เฉพาะตัวอักษรอังกฤษพิมพ์ใหญ่ ตัวเลข '-' หรือ '_'"),
    (r"must be one or two capital letters A-Z" + _GOT,
     "ต้องเป็นตัวอักษรอังกฤษพิมพ์ใหญ่ 1-2 ตัว (A-Z)"),
    (r"must be an amount in baht or null" + _GOT,
     "ต้องเป็นจำนวนเงิน (บาท) หรือเว้นว่างเมื่อค่าธรรมเนียมแตกต่างตามกรณี"),
    (r"must not be negative" + _GOT, "ต้องไม่ติดลบ"),
    (r"names section (?P<what>'[^']*'), which is neither in the file nor in the database",
     "ระบุฝ่าย {what} ซึ่งไม่มีทั้งในไฟล์และในระบบ"),
    (r"must be a non-empty list of walk_in, bma_oss" + _GOT,
     "ต้องเลือกช่องทางอย่างน้อยหนึ่งช่องทาง (ยื่นที่สำนักงาน หรือ BMA OSS)"),
    (r"is required \(0 for free, null when it varies\)",
     "ต้องระบุ (0 เมื่อไม่มีค่าธรรมเนียม เว้นว่างเมื่อแตกต่างตามกรณี)"),
    (r"is required when fee_baht is null .*",
     "ต้องกรอกเมื่อค่าธรรมเนียมแตกต่างตามกรณี: อธิบายว่าคิดค่าธรรมเนียมอย่างไร"),
    (r"must list at least one step", "ต้องมีอย่างน้อยหนึ่งขั้นตอน"),
    (r"names unknown section (?P<what>'[^']*')", "ระบุฝ่าย {what} ที่ไม่มีในระบบ"),
    (r"is already used by another section", "รหัสนี้มีฝ่ายอื่นใช้แล้ว"),
    (r"is already used by another service", "รหัสนี้มีงานบริการอื่นใช้แล้ว"),
]
_COMPILED = [(re.compile(pattern), thai) for pattern, thai in _MESSAGES]
_ROWS = {"section": "ฝ่าย", "service": "งานบริการ", "file": "ไฟล์"}


@dataclass(frozen=True)
class Problem:
    row: str
    field: str
    message_th: str
    message_en: str

    @property
    def row_th(self) -> str:
        kind, _, rest = self.row.partition(" ")
        return f"{_ROWS.get(kind, kind)} {rest}".strip()


def thai_message(message: str) -> str | None:
    for pattern, thai in _COMPILED:
        match = pattern.fullmatch(message)
        if match:
            return thai.format(**{k: v or "" for k, v in match.groupdict().items()})
    return None


def told(problem: CatalogProblem) -> Problem:
    thai = thai_message(problem.message)
    return Problem(problem.row, problem.field, thai or problem.message, problem.message)


def form_errors(problems: list[CatalogProblem], fields: dict[str, str] | None = None,
                item_prefix: str = "") -> dict[str, Problem]:
    """Problems keyed by form field: the file field name, a step's or document's field
    ('steps[3].minutes') with item_prefix in place of 'steps[3].', then renamed through
    `fields` (file name → form name)."""
    errors: dict[str, Problem] = {}
    for problem in problems:
        name = re.sub(r"^(steps|documents)\[\d+\]\.", item_prefix, problem.field)
        name = (fields or {}).get(name, name)
        errors.setdefault(name, told(problem))
    return errors
