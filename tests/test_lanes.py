"""The lanes' turns as plain rules: the calling order, and the calls before each ticket."""

from __future__ import annotations

import itertools

import pytest

from models.lanes import Ahead, calling_order, priority_turn


@pytest.mark.parametrize(("priority_calls", "ratio", "expected"), [
    (0, 2, True),                       # a counter's first call of the day, or after normal ones
    (1, 2, True),
    (2, 2, False),                      # two priority calls in a row: a normal one's turn
    (0, 1, True),
    (1, 1, False),
    (0, 0, False),                      # ratio 0: the normal lane first
    (0, -1, False),
])
def test_the_priority_lane_goes_first_until_ratio_calls_in_a_row(priority_calls, ratio,
                                                                  expected):
    assert priority_turn(priority_calls, ratio) is expected


def test_the_lanes_take_turns_and_one_that_runs_dry_lets_the_other_through():
    order = calling_order(["F1"], ["P1", "P2", "P3", "P4", "P5"], ["N1", "N2"], 2)
    assert order == ["F1", "P1", "P2", "N1", "P3", "P4", "N2", "P5"]
    assert calling_order([], ["P1"], ["N1", "N2", "N3"], 2) == ["P1", "N1", "N2", "N3"]
    assert calling_order([], ["P1", "P2"], ["N1"], 0) == ["N1", "P1", "P2"]
    # A counter that has just called two priority tickets calls a normal one first.
    assert calling_order([], ["P1", "P2"], ["N1"], 2, (True, True)) == ["N1", "P1", "P2"]


@pytest.mark.parametrize("ratio", [-1, 0, 1, 2, 3, 5])
@pytest.mark.parametrize("streak", [0, 1, 2, 3, 6])
def test_calls_before_each_ticket_is_its_place_in_the_calling_order(ratio, streak):
    """Every mix of up to 6 priority and 6 normal tickets, at a counter that has just called
    `streak` priority tickets in a row (after a normal one)."""
    recent = [True] * streak + [False]
    for priorities, normals in itertools.product(range(7), range(7)):
        priority = [("P", i) for i in range(priorities)]
        normal = [("N", i) for i in range(normals)]
        order = calling_order([], priority, normal, ratio, recent)
        for place, (lane, i) in enumerate(order):
            if lane == "P":
                ahead, is_priority = Ahead(0, i, normals, streak), True
            else:
                ahead, is_priority = Ahead(0, i, priorities, streak), False
            assert ahead.calls_before(is_priority, ratio) == place, (order, lane, i)


@pytest.mark.parametrize("ratio", [0, 1, 2, 3])
def test_front_transfers_take_turns_among_themselves(ratio):
    """Among the front transfers (called before everyone) the lanes take turns too."""
    for fronts in range(8):
        front_lanes = [i % 2 == 0 for i in range(fronts)]  # alternating lanes
        front_p = [("FP", i) for i, lane in enumerate(front_lanes) if lane]
        front_n = [("FN", i) for i, lane in enumerate(front_lanes) if not lane]
        order = calling_order([], front_p, front_n, ratio)
        for place, (lane, i) in enumerate(order):
            mine, others = (front_p, front_n) if lane == "FP" else (front_n, front_p)
            ahead = Ahead(0, [t[1] for t in mine].index(i), len(others))
            assert ahead.calls_before(lane == "FP", ratio) == place
