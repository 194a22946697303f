"""Every text the bot says exists in every language, with the same placeholders and the same buttons."""

from __future__ import annotations

import string

import pytest

from cases.catalog import load_catalog
from cases.residents import SUPPORTED_LANGUAGES

OTHER_LANGUAGES = [language for language in SUPPORTED_LANGUAGES if language != "en"]


def placeholders(text: str) -> set[str]:
    """The `{names}` Rasa fills in a response text (doubled braces are literal)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def variations(domain: dict, name: str) -> tuple[dict, dict[str, dict]]:
    """A response's English (unconditional) variation, and its conditional ones by language."""
    english, by_language = None, {}
    for variation in domain["responses"][name]:
        condition = variation.get("condition")
        if not condition:
            assert english is None, f"{name}: more than one variation without a condition"
            english = variation
            continue
        assert [(c["type"], c["name"]) for c in condition] == [("slot", "language")], name
        assert condition[0]["value"] not in by_language, f"{name}: two variations for {condition[0]['value']}"
        by_language[condition[0]["value"]] = variation
    assert english is not None, f"{name}: no English variation without a condition"
    assert domain["responses"][name][-1] is english, f"{name}: the English variation must come last"
    return english, by_language


def test_the_language_slot_lists_exactly_the_languages_we_have_texts_in(domain):
    slot = domain["slots"]["language"]
    assert slot["type"] == "categorical" and slot["influence_conversation"] is False
    assert slot["values"] == list(SUPPORTED_LANGUAGES)
    assert slot["initial_value"] == "en"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_response_has_a_variation_in_every_language(domain, language):
    missing = [name for name in domain["responses"] if language not in variations(domain, name)[1]]
    assert missing == []


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_same_placeholders_and_button_payloads_in_every_language(domain, language):
    for name in domain["responses"]:
        english, translated = variations(domain, name)
        other = translated[language]
        assert placeholders(other["text"]) == placeholders(english["text"]), name
        assert [b["payload"] for b in other.get("buttons", [])] == [b["payload"] for b in english.get("buttons", [])], (
            name
        )
        for ours, theirs in zip(other.get("buttons", []), english.get("buttons", []), strict=False):
            assert placeholders(ours["title"]) == placeholders(theirs["title"]), name
        assert other["text"] != english["text"] or not any(c.isalpha() for c in english["text"]), name


def test_the_language_choice_offers_every_language(domain):
    for variation in domain["responses"]["utter_choose_language"]:
        assert [b["payload"] for b in variation["buttons"]] == [
            f'/set_language{{{{"language":"{language}"}}}}' for language in SUPPORTED_LANGUAGES
        ]


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_request_types_and_departments_are_named_in_every_language(language):
    for kind in load_catalog().types:
        assert kind.name_in(language) != kind.name, kind.code
        assert kind.department_in(language) != kind.department, kind.department
