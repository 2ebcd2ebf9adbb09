"""Rules the database itself enforces, and the migrations that create it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from models import Base, Section, Service, ServiceStep, Staff, StepKind, TicketStatus, db
from models.schema import alembic_config, on_this_database
from models.staff import PasswordRuleError, check_password_rules
from tests.queue_helpers import counter, issue
from web.office import current_office


def test_migrations_create_exactly_the_models_schema(empty_app):
    with empty_app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": on_this_database(connection.dialect.name)})
        assert compare_metadata(context, Base.metadata) == []


def test_migration_0008_widens_the_queue_index_and_back(empty_app):
    def queue_index() -> list[str]:
        [index] = [i for i in inspect(db.engine).get_indexes("ticket")
                   if i["name"] == "ix_ticket_queue"]
        return index["column_names"]

    with empty_app.app_context():
        covering = queue_index()
        assert covering == ["office_id", "status", "service_id", "business_day", "to_front",
                            "priority_reason", "queued_at"]
        command.downgrade(alembic_config(), "0007")
        assert queue_index() == ["office_id", "status", "service_id"]
        command.upgrade(alembic_config(), "head")
        assert queue_index() == covering


def test_migration_0009_indexes_what_call_next_reads_of_its_counter_and_back(empty_app):
    def indexes(table: str) -> dict[str, list[str]]:
        return {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes(table)}

    with empty_app.app_context():
        assert indexes("ticket")["ix_ticket_counter"] == ["counter_id", "status"]
        assert indexes("visit_segment")["ix_visit_segment_counter_called"] == [
            "counter_id", "called_at"]
        command.downgrade(alembic_config(), "0008")
        assert "ix_ticket_counter" not in indexes("ticket")
        assert indexes("visit_segment")["ix_visit_segment_counter_id"] == ["counter_id"]
        assert "ix_visit_segment_counter_called" not in indexes("visit_segment")
        command.upgrade(alembic_config(), "head")
        assert indexes("ticket")["ix_ticket_counter"] == ["counter_id", "status"]
        assert "ix_visit_segment_counter_id" not in indexes("visit_segment")


def test_migration_0010_adds_the_calling_order_index_and_back(empty_app):
    def ticket_indexes() -> dict[str, list[str]]:
        return {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("ticket")}

    calling = ["office_id", "business_day", "status", "to_front", "priority_reason",
               "queued_at", "id", "service_id"]
    with empty_app.app_context():
        assert ticket_indexes()["ix_ticket_calling"] == calling
        command.downgrade(alembic_config(), "0009")
        assert "ix_ticket_calling" not in ticket_indexes()
        command.upgrade(alembic_config(), "head")
        assert ticket_indexes()["ix_ticket_calling"] == calling


def test_migration_0011_lets_a_counter_hold_one_ticket_and_back(empty_app):
    def ticket_indexes() -> dict[str, bool]:
        return {i["name"]: bool(i["unique"]) for i in inspect(db.engine).get_indexes("ticket")}

    with empty_app.app_context():
        assert ticket_indexes()["ux_ticket_counter_active"] is True
        command.downgrade(alembic_config(), "0010")
        assert "ux_ticket_counter_active" not in ticket_indexes()
        command.upgrade(alembic_config(), "head")
        assert ticket_indexes()["ux_ticket_counter_active"] is True


def test_migration_0012_indexes_a_services_calls_by_time_and_back(empty_app):
    def segment_indexes() -> dict[str, list[str]]:
        return {i["name"]: i["column_names"]
                for i in inspect(db.engine).get_indexes("visit_segment")}

    with empty_app.app_context():
        assert segment_indexes()["ix_visit_segment_service_called"] == ["service_id",
                                                                        "called_at"]
        command.downgrade(alembic_config(), "0012")
        command.downgrade(alembic_config(), "0011")
        assert "ix_visit_segment_service_called" not in segment_indexes()
        command.upgrade(alembic_config(), "head")
        assert segment_indexes()["ix_visit_segment_service_called"] == ["service_id",
                                                                        "called_at"]


@pytest.mark.parametrize("revision, table, new, new_columns, old, old_columns", [
    # 0013: the console reads a staff member's calls of today
    ("0013", "visit_segment", "ix_visit_segment_staff_called", ["staff_id", "called_at"],
     "ix_visit_segment_staff_id", ["staff_id"]),
    # 0014: the boards read the office's events in order
    ("0014", "queue_event", "ix_queue_event_office_order", ["office_id", "id"],
     "ix_queue_event_office_id", ["office_id"]),
])
def test_migrations_that_replace_an_index_and_back(empty_app, revision, table, new,
                                                   new_columns, old, old_columns):
    def indexes() -> dict[str, list[str]]:
        return {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes(table)}

    with empty_app.app_context():
        assert indexes()[new] == new_columns
        assert old not in indexes()
        command.downgrade(alembic_config(), f"{int(revision) - 1:04d}")
        assert indexes()[old] == old_columns
        assert new not in indexes()
        command.upgrade(alembic_config(), "head")
        assert indexes()[new] == new_columns


@pytest.mark.parametrize("revision, name, columns, condition", [
    # 0015: a new ticket's people ahead (SQLite's count sends the status as a parameter,
    # which a partial index cannot serve)
    ("0015", "ix_ticket_waiting", ["office_id", "service_id", "business_day"], ["'waiting'"]),
    # 0017: call-next's priority lane (SQLite's probes find it in ix_ticket_calling)
    ("0017", "ix_ticket_priority_waiting",
     ["office_id", "business_day", "to_front", "queued_at", "id"],
     ["'waiting'", "priority_reason IS NOT NULL"]),
])
def test_migrations_of_a_partial_index_on_postgresql_only_and_back(any_app, revision, name,
                                                                   columns, condition):
    """A partial index of the waiting tickets on PostgreSQL; nothing on SQLite."""

    def partial_index() -> dict | None:
        return next((i for i in inspect(db.engine).get_indexes("ticket")
                     if i["name"] == name), None)

    with any_app.app_context():
        on_postgresql = db.engine.dialect.name == "postgresql"
        index = partial_index()
        if on_postgresql:
            assert index["column_names"] == columns
            assert all(part in index["dialect_options"]["postgresql_where"]
                       for part in condition), index
        else:
            assert index is None
        command.downgrade(alembic_config(), f"{int(revision) - 1:04d}")
        assert partial_index() is None
        command.upgrade(alembic_config(), "head")
        assert (partial_index() is not None) == on_postgresql


def test_only_the_queues_indexes_are_led_by_the_office_and_the_day(any_app):
    """An index of ticket led by (office_id, business_day) is what a plan made without column
    statistics takes for "the office's tickets of the day": the calling order's may be, as it
    orders the queue; the day's numbers must not be (migration 0016), or call-next's
    priority-lane probes read every ticket of the day through it. (A partial index serves only
    a query that states its condition: ix_ticket_priority_waiting, call-next's priority lane.)"""
    with any_app.app_context():
        inspector = inspect(db.engine)
        led = {item["name"] for item in [*inspector.get_indexes("ticket"),
                                         *inspector.get_unique_constraints("ticket")]
               if item["column_names"][:2] == ["office_id", "business_day"]}
        partial = {"ix_ticket_priority_waiting"} if db.engine.dialect.name == "postgresql" \
            else set()
        assert led == {"ix_ticket_calling"} | partial, led


def test_migration_0016_puts_the_number_first_in_its_unique_index_and_back(any_app):
    def numbers() -> list[str] | None:
        return next((item["column_names"] for item in
                     inspect(db.engine).get_unique_constraints("ticket")
                     if "number" in item["column_names"]), None)

    with any_app.app_context():
        assert numbers() == ["number", "business_day", "office_id"]
        command.downgrade(alembic_config(), "0015")
        assert numbers() == ["office_id", "business_day", "number"]
        command.upgrade(alembic_config(), "head")
        assert numbers() == ["number", "business_day", "office_id"]


def test_migration_0011_names_the_tickets_a_counter_holds_twice_and_builds_nothing(app):
    """Left by the race the index closes (PostgreSQL before it): the upgrade stops and says
    which tickets, until staff have settled them."""
    with app.app_context():
        command.downgrade(alembic_config(), "0010")
        first, second = issue("REG-BIRTH"), issue("REG-BIRTH")
        desk = counter("1")
        for ticket in (first, second):
            ticket.counter_id, ticket.status = desk.id, TicketStatus.CALLED
        db.session.commit()
        with pytest.raises(RuntimeError, match=f"counter id {desk.id}: A001 .*A002"):
            command.upgrade(alembic_config(), "head")
        assert "ux_ticket_counter_active" not in {
            i["name"] for i in inspect(db.engine).get_indexes("ticket")}
        second.status = TicketStatus.NO_SHOW
        db.session.commit()
        command.upgrade(alembic_config(), "head")
        assert "ux_ticket_counter_active" in {
            i["name"] for i in inspect(db.engine).get_indexes("ticket")}


def test_a_counter_holds_one_called_ticket_but_any_number_of_finished_ones(app):
    with app.app_context():
        first, second, third = (issue("REG-BIRTH") for _ in range(3))
        desk = counter("1")
        for ticket, status in ((first, TicketStatus.FINISHED), (second, TicketStatus.CALLED)):
            ticket.counter_id, ticket.status = desk.id, status
        db.session.flush()
        third.counter_id, third.status = desk.id, TicketStatus.SERVING
        with pytest.raises(IntegrityError):
            db.session.flush()


def test_service_code_is_unique_per_office(app):
    with app.app_context():
        birth = db.session.scalar(select(Service).where(Service.code == "REG-BIRTH"))
        db.session.add(Service(office_id=birth.office_id, section_id=birth.section_id,
                               code="REG-BIRTH", name_th="ซ้ำ", ticket_prefix="A"))
        with pytest.raises(IntegrityError):
            db.session.flush()


def test_a_step_has_minutes_or_working_days_never_both(app):
    with app.app_context():
        birth = db.session.scalar(select(Service).where(Service.code == "REG-BIRTH"))
        section = db.session.scalar(select(Section).where(Section.code == "REG"))
        db.session.add(ServiceStep(service=birth, position=9, name_th="x", kind=StepKind.CHECK,
                                   minutes=5, working_days=2, section=section))
        with pytest.raises(IntegrityError):
            db.session.flush()


def test_negative_fee_is_refused_by_the_database(app):
    with app.app_context():
        birth = db.session.scalar(select(Service).where(Service.code == "REG-BIRTH"))
        birth.fee_baht = -1
        with pytest.raises(IntegrityError):
            db.session.flush()


def test_timestamps_come_back_as_aware_utc(app):
    with app.app_context():
        office = current_office()
        staff = Staff(office_id=office.id, username="tz-check", display_name="x",
                      role="counter", password_hash="x",
                      created_at=datetime(2026, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=7))))
        db.session.add(staff)
        db.session.commit()
        db.session.expire_all()
        stored = db.session.scalar(select(Staff).where(Staff.username == "tz-check"))
        assert stored.created_at == datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
        assert stored.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(app):
    with app.app_context():
        office = current_office()
        db.session.add(Staff(office_id=office.id, username="naive", display_name="x",
                             role="counter", password_hash="x", created_at=datetime(2026, 1, 1)))
        with pytest.raises(Exception, match="naive datetime"):
            db.session.flush()


@pytest.mark.parametrize("password", ["short1!", "onlyletters", "1234567890"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(PasswordRuleError):
        check_password_rules(password)


def test_foreign_keys_are_enforced_on_sqlite(app):
    with app.app_context():
        db.session.add(Section(office_id=999, code="GHOST", name_th="ผี"))
        with pytest.raises(IntegrityError):
            db.session.flush()
