"""The two lanes of a queue and how a counter's calls take turns between them.

Call-next takes front-of-queue transfers first, then the priority lane (elderly, disabled,
pregnant, monk) for up to PRIORITY_RATIO calls in a row, then one waiting normal ticket, then
the priority lane again (models/calling._priority_first). A ratio of 0 or less calls the normal
lane first. This module holds that rule as plain functions: the calling order of the tickets a
counter would see (the console's waiting list), and how many calls come before a ticket (its
people ahead).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def priority_turn(priority_calls: int, ratio: int) -> bool:
    """Whether the priority lane goes first at the next call, given how many of the counter's
    latest `ratio` calls today were of the priority lane: after `ratio` of them in a row, a
    normal ticket gets its turn."""
    return not (ratio <= 0 or priority_calls == ratio)


def calling_order(front: Iterable[T], priority: Iterable[T], normal: Iterable[T], ratio: int,
                  recent_priority: Sequence[bool] = ()) -> list[T]:
    """The tickets in the order one counter calls them when nobody else comes: front-of-queue
    transfers as given, then the two lanes (each first come, first served) taking turns.
    recent_priority: the counter's latest calls today, newest first (priority_turn)."""
    ordered = list(front)
    lanes = {True: list(priority)[::-1], False: list(normal)[::-1]}  # popped from the end
    history = list(recent_priority)
    while lanes[True] or lanes[False]:
        lane = priority_turn(sum(history[:max(ratio, 0)]), ratio)
        if not lanes[lane]:
            lane = not lane
        ordered.append(lanes[lane].pop())
        history.insert(0, lane)
    return ordered


@dataclass(frozen=True)
class Ahead:
    """The waiting tickets that decide a ticket's place, among the services called in turn
    with its own (models/staff.called_in_turn_with):

    front: the front-of-queue transfers, all called before it (none for a front transfer);
    same_lane: tickets of its own lane before it, of its part of the queue (front transfers
    for a front transfer, everyone else otherwise);
    other_lane: every ticket of the other lane, of its part of the queue.
    streak: the priority tickets the counters of its service have just called in a row
    (models/streak.py): that many of the priority lane's turns are used up.
    """

    front: int
    same_lane: int
    other_lane: int
    streak: int = 0

    def calls_before(self, priority: bool, ratio: int) -> int:
        """How many calls come before the ticket: its place in calling_order from a counter
        that has just called `streak` priority tickets in a row. The other lane's share is
        what takes turns with its own lane before it."""
        if ratio <= 0:
            others = self.other_lane if priority else 0
        else:
            used = min(max(self.streak, 0), ratio)  # the priority turns already taken
            if priority:
                # A normal ticket gets through once every `ratio` priority calls.
                others = min(self.other_lane, (self.same_lane + used) // ratio)
            else:
                # Before the n-th normal ticket (n - 1 of them ahead) come up to n * ratio
                # priority tickets, less those of the current run.
                others = min(self.other_lane, max(0, ratio * (self.same_lane + 1) - used))
        return self.front + self.same_lane + others
