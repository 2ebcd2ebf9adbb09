"""The trend chart as plain SVG geometry: bars for visits, a line for the satisfaction index."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.reports.periods import Every, bucket_label
from models.reports.visits import TrendPoint

WIDTH, HEIGHT = 960, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 56, 16, 48
MAX_LABELS = 12


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    visits: int
    index: float | None
    show_label: bool


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    line: str = ""           # SVG points of the satisfaction index (buckets with ratings)
    dots: list[tuple[float, float, float]] = field(default_factory=list)
    max_visits: int = 0
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    left: int = LEFT
    right: int = WIDTH - RIGHT

    def index_y(self, index: float) -> float:
        return self.plot_bottom - (self.plot_bottom - self.plot_top) * index / 100


def _nice_ceiling(value: int) -> int:
    """1, 2, 5 × 10^n at or above value, so the axis reads in round numbers."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def trend_chart(points: list[TrendPoint], every: Every, lang: str) -> Chart:
    chart = Chart()
    if not points:
        return chart
    chart.max_visits = _nice_ceiling(max([p.figures.visits for p in points] + [1]))
    slot = (chart.right - chart.left) / len(points)
    plot = chart.plot_bottom - chart.plot_top
    label_every = max(1, -(-len(points) // MAX_LABELS))
    line = []
    for position, point in enumerate(points):
        x = chart.left + position * slot
        height = plot * point.figures.visits / chart.max_visits
        index = point.figures.satisfaction_index
        chart.bars.append(Bar(round(x + slot * 0.15, 1), round(chart.plot_bottom - height, 1),
                              round(slot * 0.7, 1), round(height, 1),
                              bucket_label(point.start, every, lang), point.figures.visits,
                              index, position % label_every == 0))
        if index is not None:
            centre = (round(x + slot / 2, 1), round(chart.index_y(index), 1))
            line.append(f"{centre[0]},{centre[1]}")
            chart.dots.append((*centre, index))
    chart.line = " ".join(line)
    return chart
