"""The domain's refusals and names in the console reach staff in their own language: a status move the workflow
refuses, a wrong duplicate, a bad staff account, a bad policy answer; the report's request types; a case's ladder.
English staff keep today's English wording."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx

from cases import lifecycle, queries
from cases.workflow import Actor
from tests.city import CITY
from tests.web.conftest import PASSWORD, add_staff, new_case
from tests.web.test_console_language import CHINESE, ENGLISH, flash, log_in, set_language

# Wednesday 4 March 2026, 10:00 in Shanghai: in the week starting Monday 2 March.
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
SQUARE = {"latitude": 31.2304, "longitude": 121.4737}  # grid D01-S01-C02-G06, in Jing'an Temple
POLICY = {"code": "parking_permits", "title_en": "Parking permits", "answer_en": "Apply at the district office.",
          "keywords_en": "parking", "effective_from": "2026-01-01"}


async def refusal(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> str:
    """The flash message a refused console form leaves on the page it goes back to."""
    refused = await client.post(path, data={"csrf_token": client.csrf, **data})
    assert refused.status_code == 303, refused.text
    return flash(await client.get(refused.headers["location"]))


def rejected_case(db) -> str:
    """A case staff have rejected: a closed case that cannot be reopened."""
    reference = new_case(db)
    with db.transaction() as session:
        lifecycle.change_status(session, case=queries.find_case(session, reference=reference), to_status="rejected",
                                actor=Actor.STAFF, actor_name="x", **CITY)
    return reference


async def test_a_status_move_the_workflow_refuses_is_said_in_the_staff_members_language(app, db):
    add_staff(db, "mei", "agent")
    add_staff(db, "tom", "agent")
    set_language(db, "mei", "zh")
    reference = rejected_case(db)
    mei, tom = await log_in(app, "mei", ENGLISH), await log_in(app, "tom", ENGLISH)
    move = {"to_status": "in_progress"}
    # The actor and both statuses are named in Chinese too, as the console names statuses.
    assert await refusal(mei, f"/cases/{reference}/status", move) == \
        "未办理：工作人员不能将案件从“未受理”改为“处理中”。"
    assert await refusal(tom, f"/cases/{reference}/status", move) == \
        "Not done: Staff may not move a case from rejected to in_progress."
    scheduled = {"to_status": "scheduled"}
    open_case = new_case(db, external_id="2")
    assert await refusal(mei, f"/cases/{open_case}/status", scheduled) == "未办理：排期的案件需要填写排定的办理日期。"
    assert await refusal(tom, f"/cases/{open_case}/status", scheduled) == \
        "Not done: A scheduled case needs the date the work is booked for."


async def test_a_wrong_duplicate_is_refused_in_the_staff_members_language(app, db):
    add_staff(db, "mei", "agent")
    add_staff(db, "tom", "agent")
    set_language(db, "mei", "zh")
    reference = new_case(db)
    mei, tom = await log_in(app, "mei", ENGLISH), await log_in(app, "tom", ENGLISH)
    path = f"/cases/{reference}/duplicate"
    assert await refusal(mei, path, {"original_reference": reference}) == \
        "未办理：重复案件须指向另一件本身不是重复的案件。"
    assert await refusal(mei, path, {"original_reference": "HY-2026-99999"}) == "未办理：没有案件 HY-2026-99999。"
    assert await refusal(tom, path, {"original_reference": reference}) == \
        "Not done: A duplicate needs another case that is not itself a duplicate."
    assert await refusal(tom, path, {"original_reference": "HY-2026-99999"}) == "Not done: No case HY-2026-99999."


async def test_a_bad_staff_account_is_refused_in_the_admins_language(app, db):
    add_staff(db, "root", "admin")
    add_staff(db, "boss", "admin")
    add_staff(db, "bob", "agent")
    set_language(db, "root", "zh")
    set_language(db, "boss", "en")
    # Each one's own setting decides, whatever their browser asks for.
    root, boss = await log_in(app, "root", ENGLISH), await log_in(app, "boss", CHINESE)
    taken = {"username": "bob", "role": "agent", "password": PASSWORD}
    weak = {"username": "newbie", "role": "agent", "password": "short"}
    assert await refusal(root, "/staff", taken) == "未办理：用户名 bob 已被占用。"
    assert await refusal(root, "/staff", weak) == "未办理：密码至少需要 10 个字符。"
    assert await refusal(boss, "/staff", taken) == "Not done: The username bob is taken."
    assert await refusal(boss, "/staff", weak) == "Not done: A password needs at least 10 characters."


async def test_an_area_that_does_not_fit_the_role_is_refused_in_chinese(app, db):
    add_staff(db, "root", "admin")
    supervisor_id = add_staff(db, "sue", "supervisor")
    set_language(db, "root", "zh")
    root = await log_in(app, "root", ENGLISH)
    # The area's level and both roles are named in Chinese, as the staff page names them.
    assert await refusal(root, f"/staff/{supervisor_id}/area", {"area": "D01-S01-C02-G06"}) == \
        "未办理：网格只能配置坐席，而 sue 是督办员。"
    set_language(db, "root", "en")
    assert await refusal(root, f"/staff/{supervisor_id}/area", {"area": "D01-S01-C02-G06"}) == \
        "Not done: A grid takes an agent, and sue is a supervisor."


async def test_a_bad_policy_answer_is_refused_in_the_staff_members_language(app, db):
    add_staff(db, "cici", "supervisor")
    add_staff(db, "dan", "supervisor")
    set_language(db, "cici", "zh")
    cici, dan = await log_in(app, "cici", ENGLISH), await log_in(app, "dan", ENGLISH)
    bad_code = {**POLICY, "code": "Parking Permits!"}
    half_chinese = {**POLICY, "title_zh": "停车证"}  # a title without its answer
    assert await refusal(cici, "/policies", bad_code) == "未办理：代码须为 2–64 个小写字母、数字或下划线。"
    assert await refusal(cici, "/policies", half_chinese) == "未办理：中文标题和答复须同时填写或同时留空。"
    assert await refusal(cici, "/policies", {**POLICY, "effective_from": "soon"}) == \
        "未办理：生效日期必须是 YYYY-MM-DD 格式的日期。"
    assert await refusal(dan, "/policies", bad_code) == \
        "Not done: The code must be 2–64 lower-case letters, digits or underscores."
    assert await refusal(dan, "/policies", half_chinese) == \
        "Not done: Give both a title and an answer in zh, or neither."
    assert await refusal(dan, "/policies", {**POLICY, "effective_from": "soon"}) == \
        "Not done: The effective date must be a date as YYYY-MM-DD."


async def test_the_reports_request_types_are_named_in_chinese(app, db):
    add_staff(db, "cici", "supervisor")
    set_language(db, "cici", "zh")
    for day in (0, 2):
        new_case(db, external_id=str(day), now=MONDAY + timedelta(days=day))
    cici = await log_in(app, "cici", ENGLISH)
    page = await cici.get("/reports?period=weekly&start=2026-03-04")
    assert page.status_code == 200
    by_type = page.text.split('id="by-type"', 1)[1].split("</table>", 1)[0]
    assert "<td>道路坑洼或破损</td><td>2</td><td>0</td>" in by_type and "Pothole" not in by_type
    oldest = page.text.split('id="oldest-open"', 1)[1].split("</table>", 1)[0]
    assert "<td>道路坑洼或破损</td>" in oldest and "Pothole" not in oldest


async def test_the_case_page_shows_the_escalation_ladder_in_chinese(app, db):
    add_staff(db, "mei", "agent")
    set_language(db, "mei", "zh")
    in_grid = new_case(db, request_type="garbage", address=None, **SQUARE)
    no_grid = new_case(db, external_id="2", address="1 Nowhere Street")
    mei = await log_in(app, "mei", ENGLISH)

    ladder = (await mei.get(f"/cases/{in_grid}")).text.split('id="case-ladder"', 1)[1].split("</small>", 1)[0]
    assert "第6网格 (D01-S01-C02-G06)网格员 → " in ladder and " → 静安寺街道 (D01-S01)督办员 → " in ladder
    assert ladder.endswith(" → 市级督办员") and "supervisors" not in ladder
    ladder = (await mei.get(f"/cases/{no_grid}")).text.split('id="case-ladder"', 1)[1].split("</small>", 1)[0]
    assert ladder == ">超期后：市政道路管理处坐席 → 市政道路管理处督办员 → 市级督办员"  # the department's Chinese name
