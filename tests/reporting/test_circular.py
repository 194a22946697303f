"""The supervision circular (通报): the hand-computed month of tests/reporting/city_month.py as a PDF in English
and in Chinese, its text read back with pypdf, and the same figures as the report and the record."""

from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import select

from cases.models import Case
from cases.reporting import figures
from cases.reporting.circular import build_circular, extremes, standouts
from cases.reporting.circular_pdf import render_pdf
from cases.reporting.responsiveness import Row, responsiveness
from tests.cases.builders import T0, TZ
from tests.reporting.city_month import fill

NOW = T0 + timedelta(days=40)
MARCH = dict(period="monthly", start=date(2026, 3, 1), end=date(2026, 4, 1), timezone=TZ, now=NOW)


def march(db, **scope):
    with db.transaction() as s:
        return build_circular(s, **MARCH, **scope)


def unanswered(db) -> str:
    """E's reference: the case nobody answered, overdue since early March."""
    with db.transaction() as s:
        return s.scalar(select(Case.reference).where(Case.first_response_at.is_(None)))


def text_of(pdf: bytes) -> str:
    """A PDF's text, its words joined by single spaces (lines wrap where the layout says)."""
    assert pdf.startswith(b"%PDF-")
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def fonts_of(pdf: bytes) -> set[str]:
    """The fonts a PDF embeds, without their subset prefix ("WenQuanYi-Micro-Hei")."""
    return {str(font.get_object()["/BaseFont"]).split("+")[-1]
            for page in PdfReader(io.BytesIO(pdf)).pages
            for font in page["/Resources"].get("/Font", {}).values()}


def test_the_circular_carries_the_reports_and_the_records_own_figures(db):
    ids = fill(db)
    circular = march(db)
    with db.transaction() as s:
        assert circular.report == figures.build_report(s, **MARCH)
        assert circular.officials == responsiveness(s, **MARCH, by="staff")
        assert circular.departments == responsiveness(s, **MARCH, by="department")
    # By area: the districts (the level below the whole city) and the triage desk, not the grids.
    assert [row.key for row in circular.areas] == ["D01", "D02", "triage"]
    # Ann resolved 1 of 2 on time (50%), Bob 1 of 3 (33.3%): Ann is named for doing well, Bob to improve.
    bob, ann = circular.officials
    assert (bob.key, ann.key) == (str(ids["bob"]), str(ids["ann"]))
    assert circular.mark(ann, "on_time_percent") == "best" and circular.mark(bob, "on_time_percent") == "worst"
    # First response: Bob's 3.5 h beats Ann's 4.0 h; reopen rate: Ann's 50% is the worst, Bob's 0% the best.
    assert circular.mark(bob, "median_first_response_hours") == "best"
    assert (circular.mark(ann, "reopen_rate_percent"), circular.mark(bob, "reopen_rate_percent")) == ("worst", "best")
    assert circular.mark(ann, "chased") == ""  # one chase each: nobody stands out
    roads, sanitation = circular.departments  # both 50% on time: neither is named
    assert circular.mark(roads, "on_time_percent") == circular.mark(sanitation, "on_time_percent") == ""


def test_the_english_pdf_says_the_hand_computed_figures(db):
    fill(db)
    text = text_of(render_pdf(march(db), language="en", timezone=TZ))
    assert "Circular on the handling of city cases, March 2026" in text
    assert "Scope: the whole city · from 1 Mar 2026 to 31 Mar 2026" in text
    # Received in March: A, B, C, E (D was filed in January). First resolved in March: A, B, C, D, of which A and
    # C on time: 50%. Satisfaction: 2/5 and 5/5. Not yet closed: A, B, D (resolved, awaiting confirmation) and E,
    # which nobody answered: overdue.
    assert ("Received in the period: 4; resolved: 4, of which on time: 50.0%; residents' average satisfaction: "
            "3.5 / 5. Not yet closed when this circular was drawn up: 4, of which overdue: 1.") in text
    # First responses 2 h (A), 6 h (B), 1 h (C): median 2 h. Resolution: 3 h (C), 4 h (A), 7 days 2 h (B),
    # 30 days 2 h (D): median (4 + 170) / 2 = 87 h.
    assert "First response (median) 2.0 h Resolution time (median) 87.0 h" in text
    assert "Reopened after “not fixed” 1 Chased by residents 1" in text
    # The officials' record (tests/reporting/test_responsiveness.py works the figures out).
    assert "Bob 3 2 3.5 h 3 33.3% 0.0% 1 5.0 / 5" in text
    assert "Ann 2 2 4.0 h 2 50.0% 50.0% 1 2.0 / 5" in text
    assert "Commended for the highest share resolved on time (50.0%): Ann." in text
    assert "Lowest share resolved on time (33.3%), to improve: Bob." in text
    assert "Sanitation 2 2 1.0 h 2 50.0% 0.0% 0 5.0 / 5" in text
    assert f"{unanswered(db)} Rubbish and litter Sanitation" in text and "overdue" in text
    # The charts: their captions and their own labels.
    for label in ("Cases received per day", "Satisfaction ratings", "1★", "5★", "Cases not yet closed, by status",
                  "Share resolved on time, by department"):
        assert label in text, label


def test_the_chinese_pdf_keeps_its_chinese_text_and_the_same_figures(db):
    fill(db)
    pdf = render_pdf(march(db), language="zh", timezone=TZ)
    # Drawn with a CJK font (scripts/fonts installs WenQuanYi Micro Hei), not as boxes of a font without Chinese.
    assert any(name.startswith(("WenQuanYi", "NotoSansCJK", "SourceHanSans")) for name in fonts_of(pdf)), fonts_of(pdf)
    text = "".join(text_of(pdf).split())  # Chinese has no spaces: where lines wrap is the layout's business
    assert "关于2026年3月城市事件办理情况的通报" in text
    assert "现将2026年3月全市群众诉求办理情况通报如下" in text
    assert ("本期共受理群众诉求4件，办结4件，按期办结率50.0%；群众满意度平均3.5分。"
            "截至通报时，尚未结案4件，其中超期未办结1件。") in text
    assert "首次响应用时（中位数）2.0小时办结用时（中位数）87.0小时" in text
    # Each row: handled, received, first response, resolved, on time, reopen rate, chases, satisfaction.
    assert "Bob323.5小时333.3%0.0%15.0分" in text and "Ann224.0小时250.0%50.0%12.0分" in text
    assert "按期办结率最高（50.0%），予以表扬：Ann。" in text and "按期办结率最低（33.3%），须督促整改：Bob。" in text
    assert "环境卫生管理处221.0小时250.0%0.0%05.0分" in text  # Sanitation, by its Chinese name
    assert "静安区(D01)324.0小时333.3%33.3%12.0分" in text  # the district of A, B and D
    assert f"{unanswered(db)}垃圾与卫生环境卫生管理处已提交" in text and "超期" in text
    for label in ("每日受理量", "满意度评价分布", "5★", "未结案件状态分布", "各部门按期办结率"):
        assert label in text, label


def test_a_departments_circular_covers_its_cases_only(db):
    fill(db)
    circular = march(db, department="Sanitation")
    # Sanitation's cases are C, D, E: C and E received, C and D resolved (C on time), C rated 5; only Bob moved them.
    assert (circular.report.received, circular.report.resolved, circular.report.on_time_percent) == (2, 2, 50.0)
    assert [row.name for row in circular.officials] == ["Bob"]
    text = text_of(render_pdf(circular, language="en", timezone=TZ))
    assert "Scope: Sanitation" in text and "2. By department" not in text
    assert "Bob 2 1 1.0 h 2 50.0% 0.0% 0 5.0 / 5" in text and "Ann" not in text
    assert "Roads and Highways" not in text


def test_a_month_with_nothing_still_renders(db):
    fill(db)
    with db.transaction() as s:
        circular = build_circular(s, period="monthly", start=date(2026, 6, 1), end=date(2026, 7, 1), timezone=TZ,
                                  now=NOW)
    text = text_of(render_pdf(circular, language="zh", timezone=TZ))
    assert "关于2026年6月城市事件办理情况的通报" in text and "本期无相关案件。" in text


def test_a_figure_resting_on_one_case_is_neither_marked_nor_named():
    def official(key: str, resolved: int, on_time: float) -> Row:
        return Row(level="staff", key=key, name=key, handled=resolved, received=resolved,
                   median_first_response_hours=1.0, resolved=resolved, on_time_percent=on_time, reopened=0,
                   reopen_rate_percent=0.0, chased=0, satisfaction_average=None, satisfaction_answers=0)

    steady, lucky, unlucky, slow = (official("steady", 6, 80.0), official("lucky", 1, 100.0),
                                    official("unlucky", 1, 0.0), official("slow", 4, 50.0))
    named = standouts([steady, lucky, unlucky, slow])
    assert (named.best, named.worst) == ([steady], [slow])  # one case on time (or late) is not a record
    assert extremes([steady, lucky], "on_time_percent", True) == ([], [])  # one row left: nothing to compare
