"""What actions build themselves (type names, statuses, departments, dates, buttons) in a Chinese resident's words."""

from __future__ import annotations

from actions.chase import ActionChaseCase
from actions.filing import ActionAskConfirmed, ActionOpenCase, ActionStartReport
from actions.handoff import ActionHandoff
from actions.menus import ActionShowMenu, ActionSuggestRequestTypes
from actions.status import ActionCancelRequest, ActionCheckStatus
from cases.catalog import load_catalog
from tests.actions.test_handoff import CLOSED, clock  # noqa: F401 - the clock fixture
from tests.actions.test_status import file_case, move
from tests.actions.trackers import run, slots_set, tracker

ZH = {"language": "zh"}


async def test_menu_buttons_are_titled_in_chinese_with_the_same_payloads(domain):
    _, dispatcher = await run(ActionShowMenu(), tracker("能做什么", "help", slots=ZH), domain)
    [message] = dispatcher.messages
    assert [b["title"] for b in message["buttons"]][:3] == ["道路坑洼或破损", "路灯故障", "垃圾与卫生"]
    assert [b["payload"] for b in message["buttons"]] == [f"/report_{code}" for code in load_catalog().codes()]


async def test_suggestions_are_named_in_chinese(deps, domain):
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "report_noise", "confidence": 0.3}]
    _, dispatcher = await run(
        ActionSuggestRequestTypes(deps), tracker("嗯", "nlu_fallback", ranking=ranking, slots=ZH), domain
    )
    assert dispatcher.messages[0]["type_1_name"] == "噪音扰民"


async def test_report_start_and_summary_say_the_type_in_chinese(deps, domain):
    events, started = await run(
        ActionStartReport(deps), tracker("人民路上有个大坑", "report_pothole", slots=ZH), domain
    )
    assert started.messages[0]["type_name"] == "道路坑洼或破损"
    assert slots_set(events)["location"] == "人民路"  # said already: the form will not ask where
    slots = {**ZH, "request_type": "streetlight", "description": "路灯不亮", "location": "人民路 12 号"}
    _, summary = await run(ActionAskConfirmed(), tracker("/deny", "deny", slots=slots), domain)
    assert summary.messages[0]["type_name"] == "路灯故障"


async def test_filed_case_names_type_and_department_in_chinese(deps, actions_db, domain):
    slots = {
        **ZH,
        "request_type": "drainage",
        "description": "下水道堵了",
        "location": "人民路 12 号",
        "latitude": None,
        "longitude": None,
        "photo": None,
        "confirmed": True,
    }
    _, dispatcher = await run(ActionOpenCase(deps), tracker("/affirm", "affirm", slots=slots, domain=domain), domain)
    [message] = dispatcher.messages
    assert (message["type_name"], message["department"]) == ("排水与下水道", "供排水管理处")


async def test_status_list_and_answer_in_chinese(deps, actions_db, domain):
    reference = file_case(actions_db)
    move(actions_db, reference, "in_progress")
    _, one = await run(
        ActionCheckStatus(deps),
        tracker(f"{reference} 进度", "check_status", ("reference", reference), slots=ZH),
        domain,
    )
    assert (one.messages[0]["status"], one.messages[0]["type_name"]) == ("处理中", "道路坑洼或破损")
    _, listed = await run(ActionCheckStatus(deps), tracker("我的诉求", "check_status", slots=ZH), domain)
    assert listed.messages[0]["cases"] == f"{reference} · 道路坑洼或破损 · 处理中 · 2026-03-09"


async def test_cancel_buttons_and_refusal_in_chinese(deps, actions_db, domain):
    reference = file_case(actions_db)
    _, offered = await run(ActionCancelRequest(deps), tracker("取消", "cancel_request", slots=ZH), domain)
    assert offered.messages[0]["buttons"][0]["title"] == f"{reference} · 道路坑洼或破损"
    move(actions_db, reference, "in_progress")
    move(actions_db, reference, "resolved")
    _, refused = await run(
        ActionCancelRequest(deps), tracker("取消", "cancel_request", ("reference", reference), slots=ZH), domain
    )
    assert (refused.messages[0]["response"], refused.messages[0]["status"]) == ("utter_cannot_cancel", "已解决")


async def test_chasing_a_closed_case_names_its_status_in_chinese(deps, actions_db, domain):
    reference = file_case(actions_db)
    move(actions_db, reference, "cancelled")
    _, dispatcher = await run(
        ActionChaseCase(deps), tracker("催办", "chase_case", ("reference", reference), slots=ZH), domain
    )
    assert (dispatcher.messages[0]["response"], dispatcher.messages[0]["status"]) == ("utter_chase_closed", "已取消")


async def test_after_hours_opening_in_chinese(deps, actions_db, domain, clock):
    clock(CLOSED)
    _, dispatcher = await run(ActionHandoff(deps), tracker("转人工", "talk_to_human", slots=ZH), domain)
    assert dispatcher.messages[-1]["opening"] == "3月9日（星期一）09:00"


async def test_typed_chinese_skip_at_the_photo_question(domain):
    from actions.case_form import ValidateCaseForm

    t = tracker("跳过", "nlu_fallback", slots={**ZH, "requested_slot": "photo"})
    assert ValidateCaseForm().validate_photo("跳过", None, t, domain) == {"photo": None, "photo_skipped": True}
