"""The summary of a whole office day (bench/office_day.py): waits, service times and
throughput in simulated minutes, request latencies in real milliseconds, and the errors."""

from __future__ import annotations

import statistics
from collections import Counter as Tally
from collections import defaultdict

from bench.office_day import OPENS, Day, clock_time


def spread(values: list[float]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return (f"mean {statistics.fmean(ordered):.1f}, median {statistics.median(ordered):.1f}, "
            f"p90 {p90:.1f}, max {ordered[-1]:.1f}")


def summary(day: Day, label: str, wall: float) -> str:
    visits = [v for v in day.visits.values() if v.arrived is not None]
    finished = [v for v in visits if v.outcome == "finished"]
    waits = [v.calls[0] - v.arrived for v in visits if v.calls]
    by_hour: dict[int, list[float]] = defaultdict(list)
    for v in visits:
        if v.calls:
            by_hour[int(v.arrived // 60)].append(v.calls[0] - v.arrived)
    done_per_hour = Tally(int(v.done // 60) for v in finished)
    requests = sum(len(times) for times in day.latency.values())
    lines = [
        f"== A whole office day on {label} ==",
        f"visits {len(visits)}: finished {len(finished)}, no-shows "
        f"{sum(v.outcome == 'no_show' for v in visits)}, transferred "
        f"{sum(v.transferred is not None for v in visits)}, rated "
        f"{len(day.latency['rate'])}; last visit done at "
        f"{clock_time(max(v.done for v in visits if v.done is not None))}",
        "wait for the first call (simulated min): " + spread(waits),
        "  mean by arrival hour: " + ", ".join(
            f"{OPENS + h:02d}h {statistics.fmean(w):.0f}" for h, w in sorted(by_hour.items())),
        "wait after a transfer (min): " + spread(
            [v.calls[1] - v.transferred for v in visits if len(v.calls) > 1]),
        "service per counter (min): " + spread([leg for v in visits for leg in v.legs]),
        "time in the office (min): " + spread([v.done - v.arrived for v in finished]),
        "finished per office hour: " + ", ".join(
            f"{OPENS + h:02d}h {n}" for h, n in sorted(done_per_hour.items())),
        f"requests {requests} in {wall:.0f} s wall ({requests / wall:.0f}/s); latency ms:",
    ]
    for kind, times in sorted(day.latency.items()):
        ordered = sorted(times)
        lines.append(f"  {kind:9} n={len(ordered):5}  p50 {statistics.median(ordered):6.1f}  "
                     f"p95 {ordered[int(len(ordered) * 0.95)]:6.1f}  max {ordered[-1]:6.1f}")
    lines.append(f"errors: {len(day.errors)}")
    lines += ["  " + error for error in day.errors[:20]]
    return "\n".join(lines)
