"""Places and times in what residents write, so the form does not ask for what they already said.

Patterns, not learning: a street address ("outside 42 Park Lane", "corner of Mill Road and Church
Street", "建设路128号对面", "幸福小区3号楼门口") and how long a problem has lasted ("since Tuesday",
"for three weeks", "三天了", "从上周二开始"). Case references are found by references.find_reference_in_text.
"""

from __future__ import annotations

import re
from typing import Optional

from cases.guards.cleaning import simplified

STREET_WORDS = (
    r"road|rd|street|st|lane|ln|avenue|ave|drive|dr|close|way|crescent|terrace|boulevard|blvd|place|pl|"
    r"square|sq|grove|gardens|hill|row|walk|court|ct|parkway|highway|bridge|green|park|mews"
)
# Named places a crew can find ("Kingsmere Station", "St Aldric's Church"): only with a capitalised name.
LANDMARK_WORDS = (
    r"station|library|centre|center|church|chapel|school|academy|college|hospital|surgery|clinic|house|hall|rec|"
    r"museum|market|stadium|tower|mall|playground|pool|baths|cemetery|mosque|temple|cinema|theatre|theater|"
    r"estate|flats|building|arms|inn|hotel|pier|harbour|harbor|field|fields|common|allotments"
)
_WORD = r"[A-Za-z0-9][\w'’.-]*"
# "Park Lane", "Church Green Road": a street word may follow another.
_STREET = rf"(?:{_WORD}\s+){{1,4}}(?i:{STREET_WORDS})\b(?:\s+(?i:{STREET_WORDS})\b)?\.?"
EN_JUNCTION = re.compile(rf"\b(?i:junction|corner|crossroads)\s+of\s+({_STREET})\s+(?:and|&)\s+({_STREET})")
EN_CROSSING = re.compile(rf"({_STREET})\s*(&|\band\b|/)\s*({_STREET})")
EN_STREET = re.compile(_STREET)
_PROPER = r"(?:St\.?\s+)?[A-Z][\w'’-]*"
EN_LANDMARK = re.compile(rf"\b((?:{_PROPER}\s+){{1,3}}(?i:{LANDMARK_WORDS}))\b(?:\s+on\s+({_STREET}))?")
# A street's name starts after the last of these ("pothole on elm st" -> "elm st").
EN_BEFORE_NAME = {
    "on", "at", "in", "outside", "near", "by", "the", "of", "from", "to", "along", "down", "up", "off", "opposite",
    "behind", "beside", "across", "into", "onto", "a", "an", "this", "that", "our", "my", "your", "their", "main",
    "busy", "whole", "same", "is", "are", "was", "and", "&", "round", "around", "past", "under", "over", "for",
}
# Names that are a kind of place, not a place ("the car park", "a side road", "the bus lane").
EN_GENERIC_FIRST = {"car", "side", "back", "slip", "bus", "cycle", "bike", "service", "access", "dual", "private",
                    "local", "nearby", "next", "other", "new", "old", "big", "little", "small"}

_HAN = r"[\u4e00-\u9fff]"
# Starts with a character ("地铁2号线人民广场"); as short as possible, so "建设路128号对面的路灯" is 建设路; never
# across 的 (楼下的路 is no street's name).
_HAN_NAME = r"[\u4e00-\u7683\u7685-\u9fff][\u4e00-\u7683\u7685-\u9fff0-9A-Za-z]{0,11}?"
_ZH_PLACE = (r"路|街道|街|大道|大街|巷|胡同|弄|小区|花园|公园|广场|地铁站|公交站|车站|火车站|"
             r"市场|菜市场|学校|小学|中学|[一二三四五六七八九十]+[小中]|幼儿园|医院|商场|购物中心|中心|"
             r"大厦|新村|社区|家园|苑|大桥|桥|站|村委会|码头|体育馆|图书馆|博物馆")
_ZH_SIDE = (r"(?:东|西|南|北|东北|东南|西北|西南)?"
            r"(?:门口|门前|门|口|对面|旁边|附近|路口|交叉口|出口|入口|边上|楼下|里|侧|角|后门|前门)")
ZH_ADDRESS = re.compile(
    rf"{_HAN_NAME}(?:{_ZH_PLACE})+(?:[一二三四五六七八九十0-9]+段)?"
    rf"(?:{_HAN_NAME}(?:社区|小区|村|新村|花园|家园))?"  # 金星街道红旗社区: a sub-district, then its community
    rf"(?:(?:和|与|跟){_HAN_NAME}(?:{_ZH_PLACE})+)?"
    rf"(?:[0-9０-９一二三四五六七八九十百]+(?:号楼|号|栋|幢|单元))*"
    rf"(?:[A-Za-z0-9]+(?:出口|入口))?{_ZH_SIDE}?"
)
# Words that end in a place word but are not places ("马路" alone, "道路", "网络").
ZH_NOT_PLACES = {
    "马路", "道路", "路", "街", "小区", "公园", "学校", "医院", "市场", "路口", "这条路", "那条路", "一条路",
    "菜市场", "火车站", "公交站", "地铁站", "汽车站", "购物中心", "幼儿园", "小学", "中学",
    "体育馆", "图书馆", "博物馆", "村委会", "大桥", "广场", "商场", "大厦", "社区", "花园",
}
_ZH_LEAD = re.compile(r"^(?:我家|我们|家|在|就在|位于|于|的|有个|有|那个|这个|那边|这边|门口|我们小区|我们家|"
                      r"我住在|住在)+")
# A place named only by where it is from the speaker ("楼下", "前面路口", "我们这条街", "村口"): no crew finds it.
ZH_VAGUE_NAME = re.compile(r"^(?:这|那|我们|咱们|我家|前面|后面|对面|旁边|附近|楼下|马路|巷子|村|路边|街边|门口|小区|"
                           r"一条|哪|河边|江边|湖边|桥下|隔壁)|(?:这|那)[条个边里儿]")

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
    if len(name) < 2 or name[0].lower() in EN_GENERIC_FIRST:
        return None
    return " ".join(name)


def _chinese_place(text: str) -> Optional[str]:
    """A named Chinese place in the message, as written (traditional characters too)."""
    plain = simplified(text)  # same length: spans found here are the resident's own characters
    for match in ZH_ADDRESS.finditer(plain):
        lead = _ZH_LEAD.match(match.group(0))
        start = match.start() + (lead.end() if lead else 0)
        place = plain[start:match.end()]
        if place and place not in ZH_NOT_PLACES and len(place) >= 3 and not ZH_VAGUE_NAME.search(place):
            return text[start:match.end()]
    return None


def _english_place(text: str) -> Optional[str]:
    """A junction, a landmark (with its street) or a street named in English, as written."""
    junction = EN_JUNCTION.search(text)
    if junction:
        first, second = _english_street(junction.group(1)), _english_street(junction.group(2))
        if first and second:
            return f"{first} and {second}"
    for crossing in EN_CROSSING.finditer(text):
        first, second = _english_street(crossing.group(1)), _english_street(crossing.group(3))
        if first and second:
            return f"{first} {crossing.group(2)} {second}"
    landmark = EN_LANDMARK.search(text)
    if landmark and landmark.group(2) and (street := _english_street(landmark.group(2))):
        return f"{landmark.group(1)} on {street}"
    for match in EN_STREET.finditer(text):
        street = _english_street(match.group(0))
        if street:
            return street
    return landmark.group(1) if landmark else None


def find_address(text: Optional[str]) -> Optional[str]:
    """A place a crew could find, named in the message as written: a street (with its number), a junction, a
    named landmark or compound; None if there is none, or only a vague one ("小区门口", "near my house")."""
    text = (text or "").strip()
    return _chinese_place(text) or _english_place(text)


def vague_place(text: Optional[str]) -> bool:
    """Whether an answer to "where is it?" names nothing a crew could find: no street, junction or named place
    (find_address), no number and no name ("小区门口", "河边", "near my house", "by the bus stop")."""
    text = (text or "").strip()
    if find_address(text) is not None or any(c.isdigit() for c in text):
        return False
    if re.search(_HAN, simplified(text)):
        return True  # a Chinese place has its name before its place word (find_address)
    # An English name is capitalised ("near the Co-op"); the first letter may be capitalised anyway.
    return not re.search(r"[A-Z]", text[1:])


def find_duration(text: Optional[str]) -> Optional[str]:
    """How long the problem has lasted, as written ("since Tuesday", "三天了"); None if not said."""
    text = text or ""
    match = ZH_DURATION.search(text) or EN_DURATION.search(text)
    return match.group(0).strip() if match else None
