"""Places and times in what residents write, so the form does not ask for what they already said.

Patterns, not learning: a street address ("outside 42 Park Lane", "corner of Mill Road and Church
Street", "建设路128号对面", "幸福小区3号楼门口") and how long a problem has lasted ("since Tuesday",
"for three weeks", "三天了", "从上周二开始"). Case references are found by references.find_reference_in_text.
"""

from __future__ import annotations

import re
from typing import Optional

STREET_WORDS = (
    r"road|rd|street|st|lane|ln|avenue|ave|drive|dr|close|way|crescent|terrace|boulevard|blvd|place|pl|"
    r"square|sq|grove|gardens|hill|row|walk|court|ct|parkway|highway|bridge|green|park|mews"
)
_WORD = r"[A-Za-z0-9][\w'’.-]*"
# "Park Lane", "Church Green Road": a street word may follow another.
_STREET = rf"(?:{_WORD}\s+){{1,4}}(?i:{STREET_WORDS})\b(?:\s+(?i:{STREET_WORDS})\b)?\.?"
EN_JUNCTION = re.compile(rf"\b(?i:junction|corner|crossroads)\s+of\s+({_STREET})\s+(?:and|&)\s+({_STREET})")
EN_STREET = re.compile(_STREET)
# A street's name starts after the last of these ("pothole on elm st" -> "elm st").
EN_BEFORE_NAME = {
    "on", "at", "in", "outside", "near", "by", "the", "of", "from", "to", "along", "down", "up", "off", "opposite",
    "behind", "beside", "across", "into", "onto", "a", "an", "this", "that", "our", "my", "your", "their", "main",
    "busy", "whole", "same", "is", "are", "was", "and", "&", "round", "around", "past", "under", "over", "for",
}

_HAN = r"[\u4e00-\u9fff]"
# Starts with a character ("地铁2号线人民广场"); as short as possible, so "建设路128号对面的路灯" is 建设路.
_HAN_NAME = rf"{_HAN}[\u4e00-\u9fff0-9A-Za-z]{{0,11}}?"
_ZH_PLACE = (r"路|街|大道|大街|巷|胡同|弄|小区|花园|公园|广场|地铁站|公交站|车站|市场|菜市场|学校|小学|中学|医院|商场|"
             r"大厦|新村|社区|家园|苑|桥|站")
_ZH_SIDE = r"(?:东|西|南|北)?(?:门口|门|口|对面|旁边|附近|路口|交叉口|出口|入口|边上|楼下|里)"
ZH_ADDRESS = re.compile(
    rf"{_HAN_NAME}(?:{_ZH_PLACE})+(?:(?:和|与|跟){_HAN_NAME}(?:{_ZH_PLACE})+)?"
    rf"(?:[0-9０-９一二三四五六七八九十百]+(?:号楼|号|栋|幢|单元))*"
    rf"(?:[A-Za-z0-9]+(?:出口|入口))?{_ZH_SIDE}?"
)
# Words that end in a place word but are not places ("马路" alone, "道路", "网络").
ZH_NOT_PLACES = {
    "马路", "道路", "路", "街", "小区", "公园", "学校", "医院", "市场", "路口", "这条路", "那条路", "一条路",
}
_ZH_LEAD = re.compile(r"^(?:我家|我们|家|在|就在|位于|于|的|有个|有|那个|这个|那边|这边|门口|我们小区|我们家)+")

EN_NUMBER = r"\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|a couple of"
EN_DURATION = re.compile(
    rf"\b(?:since\s+(?:(?:last\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|month|night"
    rf"|weekend|year|christmas|easter)|yesterday|this morning|the weekend|the storm|\d{{1,2}}(?:am|pm|:\d\d)?)"
    rf"|for\s+(?:over\s+|about\s+|nearly\s+|almost\s+)?(?:{EN_NUMBER})\s+(?:days?|weeks?|months?|years?|hours?|nights?)"
    rf"|(?:{EN_NUMBER})\s+(?:days?|weeks?|months?|years?|hours?|nights?)\s+(?:now|already|ago))\b",
    re.IGNORECASE,
)
_ZH_NUM = r"[0-9一二三四五六七八九十两几半]+"
ZH_DURATION = re.compile(
    rf"(?:从)?(?:上+个?)?(?:周|星期|礼拜)[一二三四五六日天末]?(?:开始|起|以来|到现在)"
    rf"|{_ZH_NUM}(?:个)?(?:多)?(?:天|周|星期|礼拜|个月|月|年|小时)(?:多)?了"
    rf"|(?:好几|好)(?:天|周|个月|年)了"
    rf"|从(?:昨天|前天|上周|上个月|去年|今天早上|昨晚)(?:开始|起|到现在)?"
)


def _english_street(match: str) -> Optional[str]:
    """The street in a candidate run of words ending in a street word, without the words before its name."""
    words = match.rstrip(".").split()
    start = max((i + 1 for i, word in enumerate(words[:-1]) if word.lower() in EN_BEFORE_NAME), default=0)
    name = words[start:]
    return " ".join(name) if len(name) >= 2 else None


def find_address(text: Optional[str]) -> Optional[str]:
    """A street address or named place in the message, as written; None if there is none."""
    text = (text or "").strip()
    for match in ZH_ADDRESS.finditer(text):
        place = _ZH_LEAD.sub("", match.group(0))
        if place and place not in ZH_NOT_PLACES and len(place) >= 3:
            return place
    junction = EN_JUNCTION.search(text)
    if junction:
        first, second = _english_street(junction.group(1)), _english_street(junction.group(2))
        if first and second:
            return f"{first} and {second}"
    for match in EN_STREET.finditer(text):
        street = _english_street(match.group(0))
        if street:
            return street
    return None


def find_duration(text: Optional[str]) -> Optional[str]:
    """How long the problem has lasted, as written ("since Tuesday", "三天了"); None if not said."""
    text = text or ""
    match = ZH_DURATION.search(text) or EN_DURATION.search(text)
    return match.group(0).strip() if match else None
