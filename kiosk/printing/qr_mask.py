"""The QR code's mask, chosen as qrcode chooses it, with its penalty scored faster.

A QR symbol is drawn with whichever of eight mask patterns leaves the fewest features a
scanner could trip on (ISO/IEC 18004, 7.8.3): long runs of one colour, 2 x 2 blocks, shapes
like a finder pattern, and too much or too little dark. qrcode scores each of the eight with a
loop over every module in Python, which took half of a ticket's QR time. The score here is the
same number, counted over whole rows and columns at once: runs and finder shapes by searching
the lines as bytes, blocks with bit operations over the rows as integers.
tests/test_printing.py checks that both give the same score for every mask of many symbols.
"""

from __future__ import annotations

import itertools
import re

import qrcode

_TEXT = bytes.maketrans(b"\x00\x01", b"01")  # a line of modules as b"0110..."
_RUNS = re.compile(rb"00000+|11111+")
# Dark-light-dark-dark-dark-light-dark (1:1:3:1:1) with four light modules after, or before.
# Neither overlaps itself, so counting each one's occurrences counts them all.
_FINDER_LIKE = (b"10111010000", b"00001011101")


def lost_points(modules: list[list[bool]]) -> int:
    """The penalty of a masked symbol (qrcode.util.lost_point's value)."""
    size = len(modules)
    rows = [bytes(row).translate(_TEXT) for row in modules]
    # Every row and column in one text, apart, so that no run or shape spans two lines.
    columns = [bytes(column).translate(_TEXT) for column in zip(*modules, strict=True)]
    lines = b"|".join(rows + columns)
    points = sum(len(run) - 2 for run in _RUNS.findall(lines))
    points += 40 * sum(lines.count(shape) for shape in _FINDER_LIKE)
    # A 2 x 2 block of one colour at column c of rows r and r + 1: the two rows agree at c
    # and c + 1, and the upper row agrees with itself from c to c + 1.
    bits = [int(row, 2) for row in rows]
    inner = (1 << (size - 1)) - 1  # the size - 1 places where a block can start
    for upper, lower in itertools.pairwise(bits):
        agree = ~(upper ^ lower)
        points += 3 * (agree & (agree >> 1) & ~(upper ^ (upper >> 1)) & inner).bit_count()
    dark = sum(row.count(b"1") for row in rows)
    points += int(abs(dark / size**2 * 100 - 50) / 5) * 10
    return points


class QRCode(qrcode.QRCode):
    """qrcode's QRCode, whose best mask is found with lost_points."""

    def best_mask_pattern(self) -> int:
        scores = []
        for pattern in range(8):
            self.makeImpl(True, pattern)
            scores.append(lost_points(self.modules))
        return scores.index(min(scores))  # the first of the lowest, as qrcode takes
