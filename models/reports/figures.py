"""One row of a report and the arithmetic that turns its sums into the published figures.

Every figure shown on the screen, written to CSV/XLSX or returned by the API is a property of
Figures, rounded here once (half up, as people round by hand), so all three always agree.

Satisfaction index (0-100) = (mean score − 1) ÷ 4 × 100: a mean of 1 (all "น้อยที่สุด") is 0,
a mean of 5 (all "มากที่สุด") is 100, a mean of 4 is 75.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

SATISFIED_FROM = 4  # scores 4 (มาก) and 5 (มากที่สุด) count as satisfied


def round_half_up(value: float | None, places: int) -> float | None:
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _share(part: float, whole: float, places: int = 1) -> float | None:
    return round_half_up(100 * part / whole, places) if whole else None


@dataclass
class Figures:
    """Sums and counts for one staff member, section or service (or a total) over a range."""

    key: int | None = None
    code: str = ""          # username, section code or service code
    name_th: str = ""
    name_en: str = ""
    section_code: str = ""  # the staff member's or service's section
    visits: int = 0         # distinct visits served (a transfer counts for both sides)
    no_shows: int = 0
    wait_n: int = 0
    wait_sum: float = 0.0
    service_n: int = 0
    service_sum: float = 0.0
    judged_n: int = 0       # served calls of services whose manual gives a same-day time
    within_n: int = 0
    standard_sum: float = 0.0
    ratings: int = 0
    score_sum: int = 0
    distribution: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])  # scores 1..5
    extra_asked: int = 0
    comparable: bool = True
    rank: int | None = None

    def add(self, other: Figures) -> None:
        """Fold another row in (used for totals over days; visits of a day never repeat)."""
        for name in ("visits", "no_shows", "wait_n", "wait_sum", "service_n", "service_sum",
                     "judged_n", "within_n", "standard_sum", "ratings", "score_sum",
                     "extra_asked"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.distribution = [a + b for a, b in zip(self.distribution, other.distribution,
                                                   strict=True)]

    @property
    def mean_score(self) -> float | None:
        return round_half_up(self.score_sum / self.ratings, 2) if self.ratings else None

    @property
    def satisfaction_index(self) -> float | None:
        if not self.ratings:
            return None
        return round_half_up((self.score_sum / self.ratings - 1) / 4 * 100, 1)

    @property
    def satisfied(self) -> int:
        return sum(self.distribution[SATISFIED_FROM - 1:])

    @property
    def pct_satisfied(self) -> float | None:
        return _share(self.satisfied, self.ratings)

    @property
    def response_rate(self) -> float | None:
        """Ratings per visit served, in per cent."""
        return _share(self.ratings, self.visits)

    @property
    def mean_wait(self) -> float | None:
        return round_half_up(self.wait_sum / self.wait_n, 1) if self.wait_n else None

    @property
    def mean_service(self) -> float | None:
        return round_half_up(self.service_sum / self.service_n, 1) if self.service_n else None

    @property
    def mean_standard(self) -> float | None:
        """The manual's time for the calls judged, on average (a service's own standard)."""
        return round_half_up(self.standard_sum / self.judged_n, 1) if self.judged_n else None

    @property
    def pct_within_standard(self) -> float | None:
        return _share(self.within_n, self.judged_n)

    def distribution_shares(self) -> list[float]:
        """Per cent of ratings per score 1..5 (unrounded, for drawing bars)."""
        return [100 * n / self.ratings if self.ratings else 0.0 for n in self.distribution]


def rank_staff(rows: list[Figures], min_ratings: int) -> list[Figures]:
    """Rank by satisfaction index those with at least min_ratings; the rest are listed after.

    Equal indexes share a rank (1, 2, 2, 4). Staff with too few ratings get no rank: on the
    screen they read "not enough ratings to compare".
    """
    for row in rows:
        row.comparable = row.ratings >= min_ratings
        row.rank = None
    ranked = sorted((r for r in rows if r.comparable),
                    key=lambda r: (-(r.satisfaction_index or 0), -r.ratings, r.code))
    for position, row in enumerate(ranked, start=1):
        previous = ranked[position - 2] if position > 1 else None
        same = previous is not None and previous.satisfaction_index == row.satisfaction_index
        row.rank = previous.rank if same else position
    rest = sorted((r for r in rows if not r.comparable), key=lambda r: r.code)
    return ranked + rest
