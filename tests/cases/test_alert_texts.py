"""What the console shows of an alert in each reader's language (`alerts.text_in`): every kind its callers raise,
names of types, statuses, departments and areas in that language; old alerts and rewritten ones as stored."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from cases.followup import chase
from cases.handoff import waits
from cases.models import StaffAlert
from cases.staff import alerts
from tests.cases.builders import T0, TZ, open_case, resident, staff, staff_alerts

ROADS = "Roads and Highways"


def test_a_chase_reads_in_chinese_and_in_english(db):
    with db.transaction() as s:
        staff(s, "amy", department=ROADS)
        case = open_case(s, resident(s, "7"))
        chase.chase_case(s, resident=case.resident, reference=case.reference, timezone=TZ,
                         now=case.due_at + timedelta(hours=1))
        [alert] = staff_alerts(s)
        assert alerts.text_in(alert, "zh") == (
            f"工单 {case.reference}（道路坑洼或破损）被群众催办：办理期限 2026年3月9日，目前仍为“已提交”。")
        assert alerts.text_in(alert, "en") == alert.text == (
            f"{case.reference} (Pothole or damaged road) was chased by the resident: it was due 9 Mar 2026 and is "
            "still submitted.")
        assert alerts.text_in(alert, "fr") == alert.text  # a language staff cannot choose: English
        assert (alerts.kind_label(alert.kind, "zh"), alerts.kind_label(alert.kind, "en")) == (
            "群众催办", "Chased by the resident")


def test_a_long_wait_formats_its_number_for_the_reader(db):
    with db.transaction() as s:
        alerts.alert(s, key="w", kind="handoff_wait", role="supervisor", message=waits.LONG_WAIT,
                     params={"minutes": 1250}, now=T0)
        [alert] = staff_alerts(s)
        assert alerts.text_in(alert, "en") == "A resident has waited 1,250 minutes for a person in the chat inbox."
        assert alerts.text_in(alert, "zh") == "有群众在人工对话中已等待 1,250 分钟，尚无人接待。"


def test_an_old_alert_and_a_rewritten_one_read_as_stored(db):
    with db.transaction() as s:
        alerts.alert(s, key="old", kind="escalation", role="supervisor", text="HY-1 is overdue.", now=T0)
        alerts.alert(s, key="new", kind="handoff_wait", role="supervisor", message=waits.LONG_WAIT,
                     params={"minutes": 12}, now=T0)
        # Forgetting a resident rewrites their alerts' text: no language may tell what was taken out.
        s.execute(update(StaffAlert).where(StaffAlert.key == "new").values(text="[deleted]"))
        s.expire_all()
        old, new = staff_alerts(s)
        assert [alerts.text_in(old, "zh"), alerts.text_in(new, "zh")] == ["HY-1 is overdue.", "[deleted]"]
