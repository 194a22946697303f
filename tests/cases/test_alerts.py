"""Who sees which staff alert, unread counts, and the Telegram copies queued with an alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cases import outbox
from cases.models import Notification, StaffUser
from cases.staff import alerts
from tests.cases.builders import T0, staff

ROADS = "Roads and Highways"


def test_addressees_and_each_persons_alerts(db):
    with db.transaction() as s:
        amy = staff(s, "amy", department=ROADS)
        bob = staff(s, "bob", department="Sanitation")
        rsup = staff(s, "rsup", role="supervisor", department=ROADS)
        csup = staff(s, "csup", role="supervisor")
        staff(s, "off", role="supervisor", department=ROADS, active=False)
        mine = alerts.alert(s, key="p", kind="reopened", staff=amy, text="yours", now=T0)
        agents = alerts.alert(s, key="a", kind="chase", role="agent", department=ROADS, text="agents", now=T0)
        dept = alerts.alert(s, key="d", kind="escalation", role="supervisor", department=ROADS, text="l1", now=T0)
        city = alerts.alert(s, key="c", kind="escalation", role="supervisor", text="l2", now=T0)
        assert [u.username for u in alerts.addressees(s, mine)] == ["amy"]
        assert [u.username for u in alerts.addressees(s, agents)] == ["amy"]
        assert [u.username for u in alerts.addressees(s, dept)] == ["rsup"]  # not the disabled one
        assert [u.username for u in alerts.addressees(s, city)] == ["csup"]
        assert [a.key for a in alerts.alerts_for(s, amy)] == ["a", "p"]  # newest first
        assert alerts.alerts_for(s, bob) == []
        assert [a.key for a in alerts.alerts_for(s, rsup)] == ["d"]
        assert [a.key for a in alerts.alerts_for(s, csup)] == ["c"]
        ids = {"amy": amy.id, "csup": csup.id}
    with db.transaction() as s:
        amy = s.get(StaffUser, ids["amy"])
        assert alerts.unread_count(s, amy) == 2
        read = alerts.mark_read(s, staff=amy, alert_id=mine.id, now=T0 + timedelta(hours=1))
        assert read.read_at == T0 + timedelta(hours=1)
        alerts.mark_read(s, staff=amy, alert_id=mine.id, now=T0 + timedelta(hours=2))  # again: unchanged
        assert read.read_at == T0 + timedelta(hours=1)
        assert alerts.unread_count(s, amy) == 1
        assert [a.key for a in alerts.alerts_for(s, amy, unread_only=True)] == ["a"]
        with pytest.raises(alerts.AlertNotFound):  # not hers
            alerts.mark_read(s, staff=amy, alert_id=city.id)
        assert alerts.mark_all_read(s, staff=amy, now=T0) == 1
        assert alerts.unread_count(s, amy) == 0
        assert alerts.unread_count(s, s.get(StaffUser, ids["csup"])) == 1


def test_an_alert_queues_its_telegram_copies_in_the_outbox_in_its_transaction(db):
    with db.transaction() as s:
        staff(s, "rsup", role="supervisor", department=ROADS, chat_id="701")
        staff(s, "rsup2", role="supervisor", department=ROADS, chat_id="702")
        staff(s, "same", role="supervisor", department=ROADS, chat_id="702")  # one chat gets one copy
        staff(s, "nochat", role="supervisor", department=ROADS)
        staff(s, "off", role="supervisor", department=ROADS, chat_id="703", active=False)
        first = alerts.alert(s, key="1", kind="escalation", role="supervisor", department=ROADS, text="late",
                             handoff_id=None, now=T0)
        assert alerts.alert(s, key="1", kind="escalation", text="again", now=T0) is None  # once per key
        rows = list(s.scalars(select(Notification).order_by(Notification.id)))
        assert [(r.chat_id, r.kind, r.status, r.urgent, r.resident_id) for r in rows] == [
            ("701", outbox.STAFF_ALERT, outbox.OutboxStatus.PENDING, True, None),
            ("702", outbox.STAFF_ALERT, outbox.OutboxStatus.PENDING, True, None)]
        assert rows[0].text == f"late\n{alerts.CONSOLE}/alerts" and rows[0].next_attempt_at == T0
        assert alerts.with_console(rows[0].text, "https://console.example/") == "late\nhttps://console.example/alerts"
        assert first is not None
    with pytest.raises(RuntimeError), db.transaction() as s:  # rolled back: neither the alert nor its copies
        alerts.alert(s, key="2", kind="chase", role="supervisor", department=ROADS, text="lost", now=T0)
        raise RuntimeError
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Notification)) == 2
