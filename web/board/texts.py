"""The board's words in English and Chinese (a language missing a text falls back to English)."""

from __future__ import annotations

LANGUAGES = ("en", "zh")
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Every matter gets a reply",
        "subtitle": "Requests residents filed with the city, and what became of them.",
        "recent": "Recent requests", "figures": "Figures", "reference": "Reference", "type": "Type",
        "where": "Where", "status": "Status", "age": "Filed", "days": "days ago", "today": "today",
        "map": "Map", "map_offline": "Map tiles are not available: the points are shown on a plain grid.",
        "no_place": "no coordinates", "open": "open", "closed": "closed", "all": "all", "older": "Older",
        "newer": "Newer", "received": "Received", "resolved": "Resolved", "on_time": "Resolved on time",
        "median": "Median days to resolve", "satisfaction": "Satisfaction (1-5)", "open_now": "Open",
        "overdue": "Overdue", "department": "Department", "city": "Whole city", "weekly": "Last week",
        "monthly": "Last month", "history": "Progress", "filed": "Filed", "expected": "Expected by",
        "updated": "Updated", "description": "Description", "photos": "Photos", "by_type": "By request type",
        "not_found": "There is no request with that reference.", "language": "中文", "period": "Period",
        "as_of": "figures as of",
        "privacy": "Names and contact details are never published; a description or photo only once staff "
                   "approve it and the resident agreed.",
    },
    "zh": {
        "title": "事事有回音，件件有着落", "subtitle": "市民向城市反映的诉求及其办理情况。",
        "recent": "最新诉求", "figures": "办理情况统计", "reference": "编号", "type": "类别", "where": "地点",
        "status": "状态", "age": "提交", "days": "天前", "today": "今天", "map": "地图",
        "map_offline": "地图底图暂不可用，诉求位置显示在简易网格上。", "no_place": "无坐标", "open": "办理中",
        "closed": "已办结", "all": "全部", "older": "更早", "newer": "较新", "received": "受理",
        "resolved": "办结", "on_time": "按期办结率", "median": "办结天数中位数", "satisfaction": "满意度（1-5）",
        "open_now": "在办", "overdue": "超期", "department": "部门", "city": "全市", "weekly": "上周",
        "monthly": "上月", "history": "办理进度", "filed": "提交时间", "expected": "预计办结",
        "updated": "更新时间", "description": "问题描述", "photos": "照片", "by_type": "按诉求类别",
        "not_found": "没有这个编号的诉求。", "language": "English", "period": "统计周期", "as_of": "统计时间",
        "privacy": "不公开任何姓名和联系方式；问题描述和照片须经工作人员审核且市民同意后才会公开。",
    },
}


def words(language: str) -> dict[str, str]:
    """Every text in `language`, English where it lacks one."""
    return {**TEXTS["en"], **TEXTS.get(language, {})}
