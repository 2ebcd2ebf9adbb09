"""How the unhappy-run alert rule follows its settings."""

from __future__ import annotations

from sqlalchemy import select

from models import Alert, AlertKind, db
from models.alerts import AlertRule, raise_alerts
from models.base import begin_write
from models.ratings import rate_visit
from tests.visit_helpers import served_visit


def rate(ticket, score: int, rule: AlertRule | None = None, **options) -> list[Alert]:
    begin_write(db.session)
    rating = rate_visit(db.session, ticket, score, **options)
    alerts = raise_alerts(db.session, rating, rule=rule) if rule else \
        raise_alerts(db.session, rating)
    db.session.commit()
    return alerts


# The rule's settings (F9)

def count_alerts() -> int:
    return len(db.session.scalars(select(Alert)).all())


def test_the_unhappy_rule_follows_its_settings_through_the_kiosk(app, client):
    from tests.test_rating_kiosk import form_url, submit

    app.config.update(ALERT_MIN_RATINGS=2, ALERT_UNHAPPY_SHARE=1.0, ALERT_WINDOW_MINUTES=15)
    numbers = []
    with app.app_context():
        numbers = [served_visit("REG-BIRTH", [("1", "reg1")], minutes=1).number
                   for _ in range(3)]
    assert submit(client, form_url(client, numbers[0]), score="1").status_code == 303
    assert submit(client, form_url(client, numbers[1]), score="5").status_code == 303
    with app.app_context():
        assert count_alerts() == 0  # one of two unhappy is not "all" (share 1.0)
    assert submit(client, form_url(client, numbers[2]), score="2").status_code == 303
    with app.app_context():
        assert count_alerts() == 0  # two of three unhappy: still not all
    app.config["ALERT_UNHAPPY_SHARE"] = 0.6
    with app.app_context():
        extra = served_visit("REG-BIRTH", [("1", "reg1")], minutes=1).number
    assert submit(client, form_url(client, extra), score="1").status_code == 303
    with app.app_context():  # three of four unhappy >= 0.6, with at least 2 ratings
        assert {a.kind for a in db.session.scalars(select(Alert))} == \
            {AlertKind.UNHAPPY_STAFF, AlertKind.UNHAPPY_COUNTER}


def test_the_unhappy_rule_follows_its_settings_through_the_api(app, client):
    app.config.update(ALERT_MIN_RATINGS=2)
    with app.app_context():
        tokens = [served_visit("REG-BIRTH", [("1", "reg1")], minutes=1).token for _ in range(2)]
    for token in tokens:
        assert client.post(f"/api/v1/tickets/{token}/rating", json={"score": 1}).status_code \
            == 201
    with app.app_context():
        assert count_alerts() == 2  # with the default of 4 ratings there would be none


def test_direct_callers_keep_the_issue_defaults(app):
    with app.app_context():
        for _ in range(3):
            assert rate(served_visit("REG-BIRTH", [("1", "reg1")], minutes=1), 1) == []
        assert len(rate(served_visit("REG-BIRTH", [("1", "reg1")], minutes=1), 1)) == 2
        narrow = AlertRule(min_ratings=6)
        begin_write(db.session)
        db.session.execute(Alert.__table__.delete())
        db.session.commit()
        assert rate(served_visit("REG-BIRTH", [("1", "reg1")], minutes=1), 1, narrow) == []


def test_the_alert_names_the_window_it_was_raised_with(app, client):
    from models.reports.alerts import alert_rows

    app.config.update(ALERT_MIN_RATINGS=2, ALERT_WINDOW_MINUTES=30)
    with app.app_context():
        tokens = [served_visit("REG-BIRTH", [("1", "reg1")], minutes=1).token for _ in range(2)]
    for token in tokens:
        client.post(f"/api/v1/tickets/{token}/rating", json={"score": 1})
    with app.app_context():
        office_id = db.session.scalar(select(Alert.office_id))
        assert {row.minutes for row in alert_rows(db.session, office_id, None)} == {30}
