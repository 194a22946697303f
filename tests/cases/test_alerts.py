"""Who sees which staff alert, unread counts, and which alerts still go to Telegram."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases.models import StaffUser
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


def test_pending_telegram_and_claims(db):
    with db.transaction() as s:
        first = alerts.alert(s, key="1", kind="chase", text="one", now=T0)
        second = alerts.alert(s, key="2", kind="chase", text="two", now=T0)
        assert [a.key for a in alerts.pending_telegram(s)] == ["1", "2"]
        assert alerts.claim_for_telegram(s, alert_id=first.id, now=T0)
        assert not alerts.claim_for_telegram(s, alert_id=first.id, now=T0)  # a second sender gets nothing
        assert [a.key for a in alerts.pending_telegram(s)] == ["2"]
        alerts.release_for_telegram(s, alert_id=first.id)
        assert [a.id for a in alerts.pending_telegram(s)] == [first.id, second.id]
