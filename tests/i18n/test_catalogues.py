"""Every staff-facing string has a Chinese translation: the sources are extracted as `make translations` does
and each message must be in the domain's zh catalogue, translated, not fuzzy, with the same placeholders."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from cases import i18n

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w*)\}")
TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE_LANGUAGE]


def extracted(domain: str) -> dict[str, tuple[str, int]]:
    """The domain's messages as found in the sources: msgid (the singular for plurals) -> where."""
    with (i18n.LOCALE_DIR / f"{domain}.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, **i18n.KEYWORDS}
    found: dict[str, tuple[str, int]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(i18n.LOCALE_DIR.parent), method_map, options_map, keywords=keywords):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, (filename, lineno))
    return found


def placeholders(text: str) -> set[str]:
    """The named placeholders in a message (%(name)s or {name})."""
    return {a or b for a, b in PLACEHOLDER.findall(text)}


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_every_staff_facing_string_is_translated(domain: str, language: str) -> None:
    messages = extracted(domain)
    path = i18n.catalogue_path(language, domain)
    if not messages:
        return
    assert path.exists(), f"{path} is missing: run make translations and translate"
    with path.open("rb") as po:
        catalogue = read_po(po)
    missing, fuzzy, wrong = [], [], []
    for msgid, (filename, lineno) in sorted(messages.items()):
        entry = catalogue.get(msgid)
        text = entry.string if entry is not None else None
        texts = [t for t in (text if isinstance(text, tuple) else (text,)) if t]
        if entry is None or not texts:
            missing.append(f"{filename}:{lineno}: {msgid!r}")
        elif entry.fuzzy:
            fuzzy.append(f"{filename}:{lineno}: {msgid!r}")
        elif any(placeholders(t) != placeholders(msgid) for t in texts):
            wrong.append(f"{filename}:{lineno}: {msgid!r} -> {texts!r}")
    assert not missing, f"untranslated into {language} ({domain}):\n" + "\n".join(missing)
    assert not fuzzy, f"fuzzy in {language} ({domain}), check them:\n" + "\n".join(fuzzy)
    assert not wrong, f"placeholders differ in {language} ({domain}):\n" + "\n".join(wrong)


def test_a_translated_string_is_read_from_the_catalogue() -> None:
    i18n.translations.cache_clear()
    assert i18n.translate("en", "Cases") == "Cases"
    assert i18n.translate("fr", "Cases") == "Cases"
    # Console strings (web/), read from locale/zh/LC_MESSAGES/console.po.
    assert i18n.translate("zh", "Change status") == "变更状态"
    assert i18n.translate("zh", "Not done: %(reason)s") % {"reason": "请选择新状态"} == "未办理：请选择新状态"
    assert i18n.translate_plural("zh", "%(shown)s case", "%(shown)s cases", 3) % {"shown": 3} == "共 3 件案件"


def test_the_language_follows_the_staff_setting_then_the_browser() -> None:
    assert i18n.language_for("zh", "en-GB,en;q=0.9") == "zh"
    assert i18n.language_for(None, "fr-FR,zh-CN;q=0.8,en;q=0.5") == "zh"
    assert i18n.language_for(None, "fr-FR,en;q=0.9,zh;q=0.8") == "en"
    assert i18n.language_for(None, "zh-TW;q=0,en") == "en"
    assert i18n.language_for(None, None, default="zh") == "zh"
    assert i18n.language_for("xx", "garbage;q=abc") == "en"


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_string_in_several_domains_has_one_translation(language: str) -> None:
    # cases/i18n merges the domains into one catalogue per language: the last domain's translation would win.
    seen: dict[str, tuple[str, object]] = {}
    differ = []
    for domain in i18n.DOMAINS:
        path = i18n.catalogue_path(language, domain)
        if not path.exists():
            continue
        with path.open("rb") as po:
            for entry in read_po(po):
                if not entry.id or not entry.string:
                    continue
                msgid = entry.id[0] if isinstance(entry.id, tuple) else entry.id
                if msgid in seen and seen[msgid][1] != entry.string:
                    differ.append(f"{msgid!r}: {seen[msgid][0]} {seen[msgid][1]!r}, {domain} {entry.string!r}")
                seen.setdefault(msgid, (domain, entry.string))
    assert not differ, f"translated differently across domains ({language}):\n" + "\n".join(differ)
