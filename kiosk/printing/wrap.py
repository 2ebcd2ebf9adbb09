"""Line breaking for Thai and English text measured with the font that will draw it.

Thai writes words without spaces, so a long phrase must sometimes break inside a word. It may
only break between clusters: a consonant keeps its vowel and tone marks above and below it, the
following vowels ะ า ำ ๅ and the repetition mark ๆ, and a leading vowel (เ แ โ ไ ใ) stays with the
consonant after it. Spaces, which in Thai separate phrases, are the preferred break points.
"""

from __future__ import annotations

from collections.abc import Callable

# Marks and following vowels that belong to the character before them: sara a, mai han-akat,
# sara aa, sara am, the above/below vowels and phinthu, lakkhangyao, mai yamok, and the tone
# marks, thanthakhat, nikhahit and yamakkan.
JOINS_PREVIOUS = frozenset(
    "\u0e30\u0e31\u0e32\u0e33"
    + "".join(chr(c) for c in range(0x0E34, 0x0E3B))
    + "\u0e45\u0e46"
    + "".join(chr(c) for c in range(0x0E47, 0x0E4F))
)
# Leading vowels are typed (and drawn) before the consonant they are pronounced after.
JOINS_NEXT = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44")


def clusters(text: str) -> list[str]:
    """Split text into the smallest pieces a line may break between."""
    pieces: list[str] = []
    leading = ""
    for char in text:
        if char in JOINS_NEXT:
            leading += char
        elif char in JOINS_PREVIOUS and pieces and not leading:
            pieces[-1] += char
        else:
            pieces.append(leading + char)
            leading = ""
    if leading:
        pieces.append(leading)
    return pieces


def words(paragraph: str) -> list[str]:
    """The paragraph's space-separated words, a number kept with the word after it: "15 วัน"
    and "100 บาท" never break apart (a ticket read "...ภายในกำหนด 15" / "วัน)")."""
    result: list[str] = []
    for word in paragraph.split():
        if result and result[-1][-1].isdigit():
            result[-1] += " " + word
        else:
            result.append(word)
    return result


def wrap_text(text: str, measure: Callable[[str], float], max_width: float) -> list[str]:
    """Greedy lines no wider than max_width (unless one cluster alone is wider).

    `measure` returns the drawn width of a string, e.g. `font.getlength`, so shaping (Thai marks
    take no width of their own) is accounted for.
    """
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        queue = words(paragraph)
        while queue:
            word = queue.pop(0)
            candidate = f"{line} {word}" if line else word
            if measure(candidate) <= max_width:
                line = candidate
                continue
            if line:
                lines.append(line)
                line = ""
            if measure(word) <= max_width:
                line = word
                continue
            if " " in word:  # a number and its word, too wide together: apart after all
                queue[:0] = word.split()
                continue
            for piece in clusters(word):
                if line and measure(line + piece) > max_width:
                    lines.append(line)
                    line = ""
                line += piece
        lines.append(line)
    return lines
