"""The columns of the staff and section tables, shared by the screen and the CSV/XLSX exports.

The screen prints text(value) of a column; CSV writes the same text; XLSX writes the value as a
number with the same number of decimals. One list, so the three always match.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from models.ratings import SCALE
from models.reports.figures import Figures

NOT_ENOUGH = ("ยังมีการประเมินไม่พอสำหรับเปรียบเทียบ", "Not enough ratings to compare")


@dataclass(frozen=True)
class Column:
    key: str
    th: str
    en: str
    value: Callable[[Figures], object]
    decimals: int | None = None  # None: a whole number or text

    def text(self, figures: Figures, lang: str = "th") -> str:
        value = self.value(figures)
        if value is None:
            return "—"
        if isinstance(value, tuple):  # a (Thai, English) pair
            return value[1] if lang == "en" else value[0]
        if self.decimals is not None:
            return f"{value:.{self.decimals}f}"
        return str(value)

    def cell(self, figures: Figures, lang: str = "th") -> object:
        """The spreadsheet value: numbers stay numbers, pairs become text."""
        value = self.value(figures)
        if isinstance(value, tuple):
            return value[1] if lang == "en" else value[0]
        return value


def _rank(figures: Figures) -> object:
    return figures.rank if figures.comparable else NOT_ENOUGH


SCORE_COLUMNS = [
    Column(f"s{score}", f"{th} ({score})", f"{en} ({score})",
           lambda f, i=score - 1: f.distribution[i])
    for score, th, en in SCALE
]

FIGURE_COLUMNS = [
    Column("visits", "จำนวนผู้รับบริการ (ราย)", "Visits served", lambda f: f.visits),
    Column("ratings", "จำนวนผู้ประเมิน (ราย)", "Ratings", lambda f: f.ratings),
    Column("response_rate", "อัตราการตอบแบบประเมิน (%)", "Response rate (%)",
           lambda f: f.response_rate, 1),
    Column("mean_score", "คะแนนเฉลี่ย (1–5)", "Mean score (1–5)", lambda f: f.mean_score, 2),
    Column("pct_satisfied", "พึงพอใจ ระดับ 4–5 (%)", "Satisfied, 4–5 (%)",
           lambda f: f.pct_satisfied, 1),
    Column("satisfaction_index", "ดัชนีความพึงพอใจ (0–100)", "Satisfaction index (0–100)",
           lambda f: f.satisfaction_index, 1),
    *SCORE_COLUMNS,
    Column("extra_asked", "ถูกเรียกรับเงินหรือสิ่งอื่นเพิ่ม (ราย)", "Asked for extra",
           lambda f: f.extra_asked),
    Column("mean_wait", "เวลารอเฉลี่ย (นาที)", "Mean wait (min)", lambda f: f.mean_wait, 1),
    Column("mean_service", "เวลาให้บริการเฉลี่ย (นาที)", "Mean service time (min)",
           lambda f: f.mean_service, 1),
    Column("mean_standard", "มาตรฐานตามคู่มือ (นาที)", "Manual's standard (min)",
           lambda f: f.mean_standard, 1),
    Column("pct_within_standard", "เสร็จภายในมาตรฐาน (%)", "Within standard (%)",
           lambda f: f.pct_within_standard, 1),
    Column("no_shows", "ไม่มาตามเรียก (ราย)", "No-shows", lambda f: f.no_shows),
]

STAFF_COLUMNS = [
    Column("rank", "อันดับ", "Rank", _rank),
    Column("username", "ชื่อผู้ใช้", "Username", lambda f: f.code),
    Column("name", "ชื่อ–สกุล", "Name", lambda f: f.name_th),
    Column("section", "ฝ่าย", "Section", lambda f: f.section_code or None),
    *FIGURE_COLUMNS,
]

SECTION_COLUMNS = [
    Column("code", "รหัสฝ่าย", "Section code", lambda f: f.code),
    Column("name", "ฝ่าย", "Section", lambda f: (f.name_th, f.name_en)),
    *FIGURE_COLUMNS,
]

SERVICE_COLUMNS = [
    Column("code", "รหัสงานบริการ", "Service code", lambda f: f.code),
    Column("name", "งานบริการ", "Service", lambda f: (f.name_th, f.name_en)),
    Column("visits", "จำนวนผู้รับบริการ (ราย)", "Visits served", lambda f: f.visits),
    Column("mean_wait", "เวลารอเฉลี่ย (นาที)", "Mean wait (min)", lambda f: f.mean_wait, 1),
    Column("mean_service", "เวลาให้บริการเฉลี่ย (นาที)", "Mean service time (min)",
           lambda f: f.mean_service, 1),
    Column("mean_standard", "มาตรฐานตามคู่มือ (นาที)", "Manual's standard (min)",
           lambda f: f.mean_standard, 1),
    Column("pct_within_standard", "เสร็จภายในมาตรฐาน (%)", "Within standard (%)",
           lambda f: f.pct_within_standard, 1),
    Column("satisfaction_index", "ดัชนีความพึงพอใจ (0–100)", "Satisfaction index (0–100)",
           lambda f: f.satisfaction_index, 1),
]
