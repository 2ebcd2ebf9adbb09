"""Figures of a benchmark's timings."""

from __future__ import annotations


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile, rounded down (the value at rank share x count of the
    sorted values); NaN when there are none (a run that timed nothing: nobody waited, say)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
