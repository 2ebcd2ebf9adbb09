"""What call-next reads of its counter comes from indexes, so a call costs the same in the
office's tenth year as on its first day (the databases' own query plans)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from admin.console import MY_CALLS_TODAY
from api.documents import SEGMENTS_OF, TICKET_BY_ID, TICKET_BY_TOKEN
from models import db
from models.base import day_start
from models.calling import CALL_NEXT_IN_ONE, CLAIM, COUNTER_STATE
from models.counter_actions import ONE_STATEMENT
from models.estimates import AHEAD, SERVED_TODAY, WAITING
from models.sql import Sql
from models.tickets import ISSUE_IN_ONE_STATEMENT, business_day
from tests.plan_helpers import (
    insert_tickets,
    json_plan,
    plan_nodes,
    prepared,
    rows_read,
    whole_table_joins,
    without_statistics,
)


def plan(prepared, given: dict) -> list[str]:
    sql = Sql.of(db.session)
    form = prepared.form(sql.dialect, given)
    cursor = sql.raw.cursor()
    cursor.execute("EXPLAIN QUERY PLAN " + form.sql, form.parameters(given))
    return [row[-1] for row in cursor.fetchall()]


def full_scans(steps: list[str], table: str) -> list[str]:
    """SQLite's steps reading a whole table ("SCAN ticket"; "SCAN TABLE ticket" before 3.36)."""
    words = [step.split() for step in steps]
    return [" ".join(w) for w in words
            if w[:2] == ["SCAN", table] or w[:3] == ["SCAN", "TABLE", table]]


def test_the_counter_check_searches_indexes_and_scans_no_history(app):
    day = business_day(datetime(2026, 11, 24, 2, tzinfo=UTC))
    with app.app_context():
        steps = plan(COUNTER_STATE, {"counter_id": 1, "day": day, "day_start": day_start(day),
                                     "ratio": 2})
    scans = full_scans(steps, "ticket") + full_scans(steps, "visit_segment")
    assert not scans, steps
    assert any("ix_ticket_counter" in step for step in steps), steps
    # Today's calls of the counter only: not every call it ever made.
    assert any("ix_visit_segment_counter_called (counter_id=? AND called_at>?)" in step
               for step in steps), steps
    # And of those, the latest few, read newest first from the index: not all of today's
    # calls sorted (at a counter's two-thousandth call of a day that took a millisecond).
    assert not any("TEMP B-TREE" in step for step in steps), steps


def test_todays_service_times_come_from_todays_calls_of_the_service_not_the_history(app):
    """Every estimated wait after a finish reads the service's mean time of today: from its
    calls of today (ix_visit_segment_service_called), never a scan of every call ever."""
    day = business_day(datetime(2026, 11, 24, 2, tzinfo=UTC))
    with app.app_context():
        steps = plan(SERVED_TODAY, {"service_id": 1, "day": day, "day_start": day_start(day)})
    assert not full_scans(steps, "visit_segment"), steps
    assert any("ix_visit_segment_service_called (service_id=? AND called_at>?)" in step
               for step in steps), steps


def test_a_staff_members_figures_of_today_come_from_their_calls_of_today(app):
    """The console shows its staff member's figures of today at every refresh (every 5 s):
    from their calls of today (ix_visit_segment_staff_called), not every call they ever made
    with each ticket's day checked."""
    day = business_day(datetime(2026, 11, 24, 2, tzinfo=UTC))
    with app.app_context():
        steps = plan(MY_CALLS_TODAY, {"staff_id": 1, "day": day, "day_start": day_start(day)})
    assert not full_scans(steps, "visit_segment") and not full_scans(steps, "ticket"), steps
    assert any("ix_visit_segment_staff_called (staff_id=? AND called_at>?)" in step
               for step in steps), steps


def test_a_services_waiting_count_searches_its_queue_of_today(app):
    """GET /api/v1/services counts each service's waiting tickets: a search of the office's
    queue index, not a scan of every ticket ever issued."""
    day = business_day(datetime(2026, 11, 24, 2, tzinfo=UTC))
    with app.app_context():
        steps = plan(WAITING, {"office_id": 1, "service_id": 1, "day": day})
    assert not full_scans(steps, "ticket"), steps
    assert any("ix_ticket_queue (office_id=? AND status=? AND service_id=? AND business_day=?)"
               in step for step in steps), steps


def test_the_claim_reads_the_normal_lane_in_calling_order_and_sorts_nothing_else(app):
    """Four probes (front or not, by lane): the normal lane from ix_ticket_calling in queue
    order, without a sort; only the priority lane (usually short) may be sorted."""
    day = business_day(datetime(2026, 11, 24, 2, tzinfo=UTC))
    for priority_first in (True, False):
        with app.app_context():
            steps = plan(CLAIM[priority_first], {"at_office": 1, "day": day, "at_counter": 1})
        normal = [step for step in steps if "ix_ticket_calling" in step
                  and step.endswith("priority_reason=?)")]
        assert len(normal) == 2, steps
        assert not full_scans(steps, "ticket"), steps
        assert sum("TEMP B-TREE FOR ORDER BY" in step for step in steps) <= 2, steps


def sorted_probes(node: dict, under_sort: bool = False) -> list[tuple[str, bool]]:
    """(index condition, whether a Sort is above it) of every scan of ix_ticket_calling."""
    found = []
    if node.get("Index Name") == "ix_ticket_calling":
        found.append((node.get("Index Cond", ""), under_sort))
    for child in node.get("Plans", []):
        found += sorted_probes(child, under_sort or node["Node Type"] == "Sort")
    return found


def test_postgresql_reads_the_normal_lane_in_index_order_without_a_sort(pg_app):
    """PostgreSQL takes no equality from IS NULL: the normal-lane probe orders by
    priority_reason too, or the planner sorts the whole lane (with 2,000 tickets waiting)."""
    day = business_day(datetime.now(UTC))
    with pg_app.app_context():
        insert_tickets(db.session, (
            "SELECT s.office_id, 'plan-' || g, :day, 'P' || g, s.id, s.id, 'waiting', now(), "
            "now() + g * interval '1 second', false "
            "FROM generate_series(1, 2000) AS g, service AS s WHERE s.code = 'REG-BIRTH'"),
            {"day": day})
        db.session.commit()
        db.session.execute(text("ANALYZE ticket"))
        sql = Sql.of(db.session)
        given = {"at_office": 1, "day": day, "at_counter": 1}
        for priority_first in (True, False):
            form = CLAIM[priority_first].form(sql.dialect, given)
            root = json_plan(form.cursor(sql.raw), form.native, form.parameters(given))
            normal = [under for condition, under in sorted_probes(root["Plan"])
                      if "priority_reason IS NULL" in condition]
            assert normal == [False, False], root
        db.session.rollback()


def test_postgresql_reads_a_counters_latest_calls_newest_first_from_the_index(pg_app):
    """The lanes of the counter's latest calls today: its 2,000 calls of the day are not
    read and sorted to find the last two."""
    now = datetime.now(UTC)
    day = business_day(now)
    with pg_app.app_context():
        insert_tickets(db.session, (
            "SELECT s.office_id, 'lane-' || g, :day, 'L' || g, s.id, s.id, 'finished', now(), "
            "now(), false FROM generate_series(1, 2000) AS g, service AS s "
            "WHERE s.code = 'REG-BIRTH'"), {"day": day})
        db.session.execute(text(
            "INSERT INTO visit_segment (ticket_id, service_id, section_id, counter_id, "
            "called_at, recalls) SELECT t.id, t.service_id, s.section_id, 1, "
            ":start + t.id * interval '1 second', 0 FROM ticket AS t "
            "JOIN service AS s ON s.id = t.service_id WHERE t.token LIKE 'lane-%'"),
            {"start": day_start(day)})
        db.session.commit()
        db.session.execute(text("ANALYZE ticket; ANALYZE visit_segment"))
        sql = Sql.of(db.session)
        given = {"counter_id": 1, "day_start": day_start(day), "ratio": 2}
        form = COUNTER_STATE.form(sql.dialect, given)
        root = json_plan(form.cursor(sql.raw), form.native, form.parameters(given))
        segments = [(node, above) for node, above in plan_nodes(root["Plan"])
                    if node.get("Relation Name") == "visit_segment"]
        assert len(segments) == 1, root
        node, above = segments[0]
        assert node.get("Index Name") == "ix_visit_segment_counter_called", root
        assert node.get("Scan Direction") == "Backward", root
        assert "Sort" not in above, root  # (an Incremental Sort of equal times would be cheap)
        db.session.rollback()


def test_postgresql_looks_up_only_the_latest_calls_tickets_whatever_the_statistics(pg_app):
    """A plan made while visit_segment had no statistics (a new office's first minutes, when
    a prepared statement's generic plan is made) reads the counter's latest `ratio` calls,
    not all of its calls of the day, and looks up their tickets only, not a ticket per call
    of the day."""
    now = datetime.now(UTC)
    day = business_day(now)
    with pg_app.app_context():
        insert_tickets(db.session, (
            "SELECT s.office_id, 'stat-' || g, :day - g / 300, 'S' || g, s.id, s.id, "
            "'finished', now(), now(), false, CASE WHEN g % 2 = 0 THEN 'elderly' END "
            "FROM generate_series(1, 3000) AS g, service AS s "
            "WHERE s.code = 'REG-BIRTH'"), {"day": day}, "priority_reason")
        db.session.execute(text(
            "INSERT INTO visit_segment (ticket_id, service_id, section_id, counter_id, "
            "called_at, recalls) SELECT t.id, t.service_id, s.section_id, 1 + t.id % 3, "
            ":start + t.id * interval '1 second', 0 FROM ticket AS t "
            "JOIN service AS s ON s.id = t.service_id "
            "WHERE t.token LIKE 'stat-%' AND t.business_day = :day"),
            {"start": day_start(day), "day": day})
        db.session.execute(text("ANALYZE ticket"))
        without_statistics(db.session, "visit_segment")
        sql = Sql.of(db.session)
        given = {"counter_id": 1, "day_start": day_start(day), "ratio": 2}
        # The counter's two latest calls: one of each lane (tickets alternate).
        assert sql.first(COUNTER_STATE, given).recent_priority == 1
        with prepared(sql, COUNTER_STATE, given, "counter_state") as (cursor, execute):
            root = json_plan(cursor, execute, analyze=True)
        nodes = [node for node, _ in plan_nodes(root["Plan"])]
        segments = [node for node in nodes if node.get("Relation Name") == "visit_segment"]
        assert [node["Actual Rows"] * node["Actual Loops"] for node in segments] == [2], root
        # The tickets of those two calls, one row each of the table's 3,000 (the busy_with
        # probe, by counter_id, finds nobody at the counter).
        lookups = [node for node in nodes if node.get("Relation Name") == "ticket"
                   and "counter_id" not in node.get("Index Cond", "")]
        assert rows_read(lookups) <= 2, root
        db.session.rollback()


def test_postgresql_finds_the_ticket_a_counter_holds_in_the_index_of_held_tickets(pg_app):
    """The counter check's busy probe names the statuses as ux_ticket_counter_active's own
    condition does, so a generic plan, made without statistics, reads that index of the held
    tickets with an index scan: not a bitmap scan of ix_ticket_counter, which visits every
    version of the counter's called tickets since the last vacuum, dead or not (191 pages a
    call by the fifth of five benchmark runs on one database)."""
    day = business_day(datetime.now(UTC))
    with pg_app.app_context():
        insert_tickets(db.session, (
            "SELECT s.office_id, 'held-' || g, :day, 'H' || g, s.id, s.id, 'finished', "
            "now(), now(), false, 1 FROM generate_series(1, 2000) AS g, service AS s "
            "WHERE s.code = 'REG-BIRTH'"), {"day": day}, "counter_id")
        without_statistics(db.session, "ticket")
        sql = Sql.of(db.session)
        given = {"counter_id": 1, "day_start": day_start(day), "ratio": 2}
        assert sql.first(COUNTER_STATE, given).busy_with is None
        with prepared(sql, COUNTER_STATE, given, "held") as (cursor, execute):
            root = json_plan(cursor, execute)
        probes = [node for node, _ in plan_nodes(root["Plan"])
                  if node.get("Relation Name") == "ticket" and "counter_id" in
                  node.get("Index Cond", node.get("Recheck Cond", ""))]
        assert [(node["Node Type"], node.get("Index Name")) for node in probes] == \
            [("Index Scan", "ux_ticket_counter_active")], root
        db.session.rollback()


def birth_issuing(now: datetime, token: str):
    """REG-BIRTH's row, and ISSUE_IN_ONE_STATEMENT's parameters for a normal ticket of it."""
    service = db.session.execute(text(
        "SELECT id, office_id, ticket_prefix FROM service WHERE code = 'REG-BIRTH'")).one()
    day = business_day(now)
    return service, {"office_id": service.office_id, "prefix": service.ticket_prefix,
                     "day": day, "token": token, "service_id": service.id,
                     "priority_reason": None, "now": now, "key": None, "code": "REG-BIRTH",
                     "created_at": now, "day_start": day_start(day)}


def test_postgresql_counts_the_people_ahead_of_a_new_ticket_from_the_waiting_only(pg_app):
    """A new ticket's people ahead are the waiting tickets of the services called in turn with
    its own (models/staff.called_in_turn_with). A generic plan made
    without statistics while the day had few tickets (every pooled connection's, in a new
    office's first minutes) counted them through the index of the day's numbers, and kept
    reading every ticket of the day as the day grew (2,500 rows a ticket in a benchmark run of
    1,648), or through the calling order's index, reading every service's waiting tickets. The
    partial index of waiting tickets (migration 0015) gives the service's queue alone."""
    now = datetime.now(UTC)
    day = business_day(now)
    with pg_app.app_context():
        without_statistics(db.session, "ticket")
        service, given = birth_issuing(now, "ahead-new")
        sql = Sql.of(db.session)
        with prepared(sql, ISSUE_IN_ONE_STATEMENT, given, "ahead") as (cursor, execute):
            json_plan(cursor, execute)  # the generic plan, made while the day is empty
            # Five of the service waiting, 2,000 of it served, 1,000 of another section's waiting.
            insert_tickets(db.session, (
                "SELECT s.office_id, 'ahead-' || s.code || g, :day, substr(s.code, 5, 1) || g, "
                "s.id, s.id, "
                "CASE WHEN g <= 5 OR s.code = 'PW-BUILD' THEN 'waiting' ELSE 'finished' END, "
                "now(), now(), false FROM service AS s, generate_series(1, "
                "CASE WHEN s.code = 'REG-BIRTH' THEN 2005 ELSE 1000 END) AS g "
                "WHERE s.code IN ('REG-BIRTH', 'PW-BUILD')"), {"day": day})
            root = json_plan(cursor, execute, analyze=True)
        counted = [node for node, _ in plan_nodes(root["Plan"])
                   if node.get("Relation Name") == "ticket" and node.get("Alias") == "w"]
        # One scan, run once per service called in turn with REG-BIRTH (its section's eight),
        # each reading that service's waiting tickets by its index key: the five, no others.
        assert len(counted) == 1 and counted[0]["Actual Loops"] == 8, root
        assert "service_id" in counted[0]["Index Cond"], root
        assert counted[0].get("Rows Removed by Filter", 0) == 0, root
        # (An index scan's rows skipped inside the index are not counted as read: the index
        # itself tells what the scan walks.)
        assert counted[0].get("Index Name") == "ix_ticket_waiting", root
        assert rows_read(counted) <= 8, root  # (PostgreSQL 15 rounds each loop's rows up)
        db.session.rollback()


def test_postgresql_reads_the_priority_lane_from_its_waiting_tickets_alone(pg_app):
    """The priority lane is usually a few tickets while the normal lane is long. A generic
    plan made without statistics (a pooled connection's, in a new office's first minutes)
    read its probes through ix_ticket_queue, led by (office_id, status): every waiting
    ticket of the office, of every lane and service, at every call (38 pages a probe, two
    probes a call, in a benchmark run with 1,600 waiting). The partial index of the waiting
    priority tickets (migration 0017) holds that lane alone, in calling order."""
    now = datetime.now(UTC)
    day = business_day(now)
    with pg_app.app_context():
        desk, office = db.session.execute(text(
            "SELECT c.id, c.office_id FROM counter AS c JOIN counter_service AS cs "
            "ON cs.counter_id = c.id JOIN service AS s ON s.id = cs.service_id "
            "WHERE s.code = 'REG-BIRTH' ORDER BY c.id LIMIT 1")).one()
        # 3,000 waiting in the normal lane (of every service), 3 in the priority lane.
        insert_tickets(db.session, (
            "SELECT s.office_id, 'lane-' || s.code || g, :day, 'L' || s.id || '-' || g, s.id, "
            "s.id, 'waiting', now(), now() + g * interval '1 second', false, "
            "CASE WHEN g <= 3 AND s.code = 'REG-BIRTH' THEN 'elderly' END "
            "FROM generate_series(1, 200) AS g, service AS s"), {"day": day}, "priority_reason")
        without_statistics(db.session, "ticket")
        sql = Sql.of(db.session)
        given = {"counter_id": desk, "at_counter": desk, "at_office": office, "day": day,
                 "day_start": day_start(day), "ratio": 2, "now": now, "created_at": now,
                 "staff_id": None}
        with prepared(sql, CALL_NEXT_IN_ONE[True, False], given, "lanes") as (cursor, execute):
            root = json_plan(cursor, execute, analyze=True, buffers=True)
        probes = [node for node, _ in plan_nodes(root["Plan"])
                  if node.get("Relation Name") == "ticket" and node["Node Type"] != "ModifyTable"
                  and node.get("Index Name") not in ("pk_ticket", "ux_ticket_counter_active")
                  and "priority_reason IS NULL" not in node.get("Index Cond", "")
                  and node["Actual Loops"]]
        # Priority first: the front's lane (empty), then the back's, which has the three.
        assert len(probes) == 2 and probes[1]["Actual Rows"] >= 1, root
        pages = [node["Shared Hit Blocks"] + node["Shared Read Blocks"] for node in probes]
        assert max(pages) <= 3, (pages, root)
        db.session.rollback()


def test_postgresql_call_next_plans_each_part_of_the_calling_order_once(pg_app):
    """With the priority ratio, call-next names the parts of the calling order in both orders
    of the lanes (a CASE on the counter's latest calls). Each part is one probe of the plan,
    read in either order, not two copies: PostgreSQL sets up every node of a plan at every
    run, read or not, and eight probes' set-up was a quarter of its work for a call."""
    day = business_day(datetime.now(UTC))
    with pg_app.app_context():
        sql = Sql.of(db.session)
        given = {"counter_id": 1, "at_counter": 1, "at_office": 1, "day": day,
                 "day_start": day_start(day), "ratio": 2, "now": datetime.now(UTC),
                 "created_at": datetime.now(UTC), "staff_id": None}
        form = CALL_NEXT_IN_ONE[True, False].form(sql.dialect, given)
        root = json_plan(form.cursor(sql.raw), form.native, form.parameters(given))
        probes = [node for node, _ in plan_nodes(root["Plan"])
                  if node.get("Relation Name") == "ticket" and "to_front" in
                  node.get("Index Cond", "") + node.get("Filter", "")]
        assert len(probes) == 4, root
        db.session.rollback()


def test_postgresql_actions_read_the_answers_names_by_key_without_hashing_tables(pg_app):
    """Call-next's and finish's answers carry each segment's service, section, counter and
    staff member by name. Joined to those tables, a plan made without statistics (a pooled
    connection's, in a new office's first minutes) built a hash of each whole table at every
    action; looked up by key, a segment reads one row of each."""
    day = business_day(datetime.now(UTC))
    with pg_app.app_context():
        for table in ("visit_segment", "service", "section", "counter", "staff"):
            without_statistics(db.session, table)
        sql = Sql.of(db.session)
        now = datetime.now(UTC)
        given = {"counter_id": 1, "at_counter": 1, "at_office": 1, "day": day,
                 "day_start": day_start(day), "ratio": 2, "now": now, "created_at": now,
                 "staff_id": None, "token": "any", "token_hash": "any"}
        for name, statement in (("call", CALL_NEXT_IN_ONE[True, False]),
                                ("finish", ONE_STATEMENT["finish", True, True])):
            with prepared(sql, statement, given, name) as (cursor, execute):
                root = json_plan(cursor, execute)
            assert not whole_table_joins(root), (name, root)
        db.session.rollback()


def test_postgresql_api_ticket_reads_look_names_up_by_key_without_hashing_tables(pg_app):
    """The API's ticket document (GET /api/v1/tickets/{token}, a transfer's answer, and every
    action's answer on SQLite) names the ticket's service and counter and each segment's
    service, section, counter and staff member. Joined, a generic plan made without
    statistics (the catalog tables are never analysed) hashed each whole table at every read;
    looked up by key, each name reads one row."""
    with pg_app.app_context():
        for table in ("ticket", "visit_segment", "service", "section", "counter", "staff"):
            without_statistics(db.session, table)
        sql = Sql.of(db.session)
        for name, statement, given in (("by_token", TICKET_BY_TOKEN, {"token": "any"}),
                                       ("by_id", TICKET_BY_ID, {"ticket_id": 1}),
                                       ("segments", SEGMENTS_OF, {"ticket_id": 1})):
            with prepared(sql, statement, given, name) as (cursor, execute):
                root = json_plan(cursor, execute)
            assert not whole_table_joins(root), (name, root)
        db.session.rollback()


def test_postgresql_counts_an_existing_tickets_people_ahead_from_its_turns_queues(pg_app):
    """A waiting ticket's people ahead (its status page, GET /api/v1/tickets/{token}) count
    the services called in turn with its own. A generic plan made without statistics must
    not read another section's queue for it (1,000 waiting here) nor the served tickets."""
    now = datetime.now(UTC)
    day = business_day(now)
    with pg_app.app_context():
        insert_tickets(db.session, (
            "SELECT s.office_id, 'turn-' || s.code || g, :day, substr(s.code, 1, 2) || g, "
            "s.id, s.id, CASE WHEN g <= 6 OR s.code = 'PW-BUILD' THEN 'waiting' "
            "ELSE 'finished' END, now(), now() + g * interval '1 second', false "
            "FROM service AS s, generate_series(1, CASE WHEN s.code = 'REG-BIRTH' THEN 1006 "
            "ELSE 1000 END) AS g WHERE s.code IN ('REG-BIRTH', 'PW-BUILD')"), {"day": day})
        mine = db.session.execute(text(
            "SELECT id, office_id, service_id, queued_at FROM ticket "
            "WHERE token = 'turn-REG-BIRTH6'")).one()
        without_statistics(db.session, "ticket")
        sql = Sql.of(db.session)
        given = {"office_id": mine.office_id, "day": day, "service_id": mine.service_id,
                 "queued_at": mine.queued_at, "id": mine.id, "day_start": day_start(day)}
        assert tuple(sql.one(AHEAD[False, False], given)) == (0, 5, 0, 0)  # models/lanes.Ahead
        with prepared(sql, AHEAD[False, False], given, "turn") as (cursor, execute):
            json_plan(cursor, execute)  # the generic plan
            root = json_plan(cursor, execute, analyze=True)
        reads = [node for node, _ in plan_nodes(root["Plan"])
                 if node.get("Relation Name") == "ticket"]
        assert reads and rows_read(reads) <= 20, (rows_read(reads), root)
        db.session.rollback()


def test_postgresql_reads_the_priority_run_of_calls_by_each_counters_index(pg_app):
    """People ahead count the counters' current run of priority calls (models/streak.py),
    when issuing and when a ticket is shown. A generic plan made without statistics must
    reach today's calls of the service's counters by their index, not read whole tables."""
    now = datetime.now(UTC)
    day = business_day(now)
    with pg_app.app_context():
        for table in ("ticket", "visit_segment", "counter_service"):
            without_statistics(db.session, table)
        service, issuing = birth_issuing(now, "streak-plan")
        sql = Sql.of(db.session)
        shown = {"office_id": service.office_id, "day": day, "service_id": service.id,
                 "queued_at": now, "id": 1, "day_start": day_start(day)}
        for name, statement, given in (("issue", ISSUE_IN_ONE_STATEMENT, issuing),
                                       ("shown", AHEAD[True, False], shown)):
            with prepared(sql, statement, given, name) as (cursor, execute):
                root = json_plan(cursor, execute)
            nodes = [node for node, _ in plan_nodes(root["Plan"])]
            segments = [node for node in nodes if node.get("Relation Name") == "visit_segment"]
            # Today's calls of each counter by its index: the latest normal one, and the run
            # since (two reads for the two subqueries).
            assert len(segments) == 2 and all(
                node.get("Index Name") == "ix_visit_segment_counter_called"
                for node in segments), (name, root)
            assert not [node for node in nodes if node["Node Type"] == "Seq Scan" and
                        node.get("Relation Name") in ("ticket", "visit_segment")], (name, root)
        db.session.rollback()
