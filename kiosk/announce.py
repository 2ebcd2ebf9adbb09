"""What the display board says for a call: "ขอเชิญหมายเลข A012 ที่ช่องบริการ 3", digit by digit."""

from __future__ import annotations

THAI_DIGITS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
THAI_LETTERS = {
    "A": "เอ", "B": "บี", "C": "ซี", "D": "ดี", "E": "อี", "F": "เอฟ", "G": "จี", "H": "เอช",
    "I": "ไอ", "J": "เจ", "K": "เค", "L": "แอล", "M": "เอ็ม", "N": "เอ็น", "O": "โอ", "P": "พี",
    "Q": "คิว", "R": "อาร์", "S": "เอส", "T": "ที", "U": "ยู", "V": "วี", "W": "ดับเบิลยู",
    "X": "เอ็กซ์", "Y": "วาย", "Z": "แซด",
}


def spell_thai(text: str) -> str:
    return " ".join(THAI_DIGITS[int(c)] if c.isdigit() else THAI_LETTERS.get(c.upper(), c)
                    for c in text if not c.isspace())


def spell_english(text: str) -> str:
    return " ".join(c for c in text.upper() if not c.isspace())


def call_speech(number: str, counter: str) -> tuple[str, str]:
    """The Thai sentence, then the English one."""
    return (f"ขอเชิญหมายเลข {spell_thai(number)} ที่ช่องบริการ {spell_thai(counter)}",
            f"Number {spell_english(number)}, please go to counter {spell_english(counter)}")
