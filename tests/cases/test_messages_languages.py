"""Every push reaches a resident in their own language, type and department names included; English as fallback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import lifecycle, messages
from cases.catalog import parse_catalog
from cases.followup import escalation, survey
from cases.handoff import handoff
from cases.residents import UnsupportedLanguage, set_language
from cases.workflow import Actor, Status
from tests.cases.builders import T0, TZ, case, notifications, open_case, resident, staff
from tests.city import NO_QUIET_HOURS


def texts(session, external_id="100") -> list[str]:
    return [n.text for n in notifications(session, resident_external_id=external_id)]


def test_a_chinese_resident_gets_chinese_pushes_after_a_staff_status_change(db):
    with db.transaction() as session:
        reference = open_case(session, resident(session, language="zh")).reference
        english = open_case(session, resident(session, "200", language="en")).reference
    with db.transaction() as session:
        agent = staff(session, "wang")
        for ref in (reference, english):
            lifecycle.change_status(
                session,
                case=case(session, ref),
                to_status=Status.IN_PROGRESS,
                actor=Actor.STAFF,
                staff=agent,
                public_note="施工队已安排",
                timezone=TZ,
                now=T0 + timedelta(hours=1),
                quiet_hours=NO_QUIET_HOURS,
            )
    with db.transaction() as session:
        assert texts(session) == [
            f"您的诉求 {reference}（道路坑洼或破损）有新进展：当前状态为「处理中」。\n"
            "办理说明：施工队已安排\n预计办结时间：2026-03-09。"
        ]
        assert texts(session, "200") == [
            f"Update on your request {english} (Pothole or damaged road): "
            "it is now in progress.\nNote from the city: 施工队已安排\n"
            "Expected resolution by 2026-03-09."
        ]


def test_switching_language_changes_every_later_push(db):
    with db.transaction() as session:
        who = resident(session, language="en")
        reference = open_case(session, who).reference
        set_language(session, resident=who, language="zh")
    with db.transaction() as session:
        lifecycle.change_status(
            session,
            case=case(session, reference),
            to_status=Status.ACKNOWLEDGED,
            actor=Actor.STAFF,
            timezone=TZ,
            now=T0 + timedelta(hours=1),
            quiet_hours=NO_QUIET_HOURS,
        )
    with db.transaction() as session:
        assert texts(session)[-1].startswith(f"您的诉求 {reference}（道路坑洼或破损）有新进展：当前状态为「已受理」")


def test_an_unsupported_language_is_refused(sqlite_db):
    with sqlite_db.transaction() as session:
        who = resident(session, language="zh")
        with pytest.raises(UnsupportedLanguage):
            set_language(session, resident=who, language="xx")
        assert who.language == "zh"


def test_type_change_names_the_new_type_and_department_in_chinese(db):
    with db.transaction() as session:
        reference = open_case(session, resident(session, language="zh")).reference
    with db.transaction() as session:
        lifecycle.change_request_type(
            session,
            case=case(session, reference),
            request_type="drainage",
            staff=staff(session, "li"),
            timezone=TZ,
            now=T0 + timedelta(hours=1),
            quiet_hours=NO_QUIET_HOURS,
        )
    with db.transaction() as session:
        assert texts(session)[-1] == (
            f"您的诉求 {reference} 已改为「排水与下水道」，由供排水管理处办理。预计办结时间：2026-03-05。"
        )


def test_escalation_push_in_chinese(db):
    with db.transaction() as session:
        reference = open_case(session, resident(session, language="zh")).reference
    with db.transaction() as session:
        escalation.escalate_overdue(
            session, step_hours=24, timezone=TZ, now=T0 + timedelta(days=7, hours=1), quiet_hours=NO_QUIET_HOURS
        )
    with db.transaction() as session:
        assert texts(session)[-1] == (
            f"非常抱歉：您的诉求 {reference}（道路坑洼或破损）已超期（应于 2026-03-09 前办结），"
            "现已提交部门负责人督办。"
        )


def test_survey_question_and_buttons_in_chinese(db):
    with db.transaction() as session:
        reference = open_case(session, resident(session, language="zh")).reference
    with db.transaction() as session:
        for status in (Status.IN_PROGRESS, Status.RESOLVED):
            lifecycle.change_status(
                session,
                case=case(session, reference),
                to_status=status,
                actor=Actor.STAFF,
                timezone=TZ,
                now=T0 + timedelta(hours=1),
                quiet_hours=NO_QUIET_HOURS,
            )
    with db.transaction() as session:
        survey.send_due_surveys(
            session, delay_hours=1, timezone=TZ, now=T0 + timedelta(hours=3), quiet_hours=NO_QUIET_HOURS
        )
    with db.transaction() as session:
        question = notifications(session)[-1]
        assert question.text.startswith(f"您的诉求 {reference}（道路坑洼或破损）已标记为「已解决」")
        from cases.outbox import buttons_of

        assert buttons_of(question)[0][0]["title"] == "1 ★ 未解决"


def test_handoff_notices_and_staff_opened_case_in_chinese(db):
    with db.transaction() as session:
        who = resident(session, language="zh")
        request = handoff.request_handoff(session, resident=who, reason="我要找人", now=T0)
        agent = staff(session, "zhang")
        handoff.take(session, handoff=request, staff=agent, now=T0)
        handoff.agent_reply(session, handoff=request, staff=agent, text="您好", now=T0)
        opened = handoff.open_case_from_handoff(
            session,
            handoff=request,
            staff=agent,
            request_type="noise",
            description="夜间施工",
            address="人民路 1 号",
            reference_prefix="HY",
            timezone=TZ,
            now=T0,
        )
        handoff.end(session, handoff=request, staff=agent, now=T0)
        reference = opened.reference
    with db.transaction() as session:
        assert texts(session) == [
            "工作人员 Zhang 已接入对话。",
            "Zhang（工作人员）：您好",
            f"已为您登记诉求 {reference}（噪音扰民），预计办结时间：2026-03-04。您可随时凭此编号查询进展。",
            "Zhang 已结束人工对话，您已回到智能助手。如需再次联系人工，请输入“转人工”。",
        ]


def test_a_language_without_texts_falls_back_to_english():
    assert messages.status_label(Status.SCHEDULED, "fr") == "scheduled"
    assert messages.escalated_text(
        language="fr", reference="HY-2026-00001", type_name="x", due_at=T0, level=2, timezone=TZ
    ).endswith("the city's supervisors to be dealt with.")
    assert survey.survey_buttons("HY-2026-00001", "fr")[0][0]["title"] == "1 ★ Not fixed"


def test_adding_a_language_is_adding_entries(monkeypatch):
    """A third language with only some texts: what it has is used, the rest is English."""
    monkeypatch.setitem(
        messages.TEMPLATES, "fr", {"status_changed": "Du nouveau sur {reference} ({type_name}) : {status}."}
    )
    monkeypatch.setitem(messages.STATUS_LABELS, "fr", {Status.IN_PROGRESS: "en cours"})
    text = messages.status_changed_text(
        language="fr",
        reference="HY-2026-00001",
        type_name="Nid-de-poule",
        status=Status.IN_PROGRESS,
        public_note="demain",
        due_at=T0,
        timezone=TZ,
    )
    assert (
        text == "Du nouveau sur HY-2026-00001 (Nid-de-poule) : en cours.\nNote from the city: demain\n"
        "Expected resolution by 2026-03-02."
    )
    assert messages.status_label(Status.RESOLVED, "fr") == "resolved"
    catalog = parse_catalog(
        "department_names:\n  Roads: {fr: Voirie}\nrequest_types:\n"
        "  - {code: pothole, name: Pothole, names: {fr: Nid-de-poule}, description: d,"
        " department: Roads, target_days: 7}\n"
    )
    kind = catalog.get("pothole")
    assert (kind.name_in("fr"), kind.department_in("fr"), kind.name_in("zh")) == ("Nid-de-poule", "Voirie", "Pothole")


def test_a_catalog_translation_must_be_text():
    with pytest.raises(ValueError):
        parse_catalog(
            "request_types:\n  - {code: a, name: A, names: [x], description: d, department: D, target_days: 1}\n"
        )
