"""Whether a message is put as a question ("are they allowed to…?", "能不能…", "…吗") rather than told.

A report that asks ("the builders start at 6am, is that allowed?") may want the rule rather than a crew;
the NLU's own doubt (some confidence in a policy question) decides together with this (actions/policy.py).
The patterns are the forms a question takes, not topics: they never decide what the question is about.
"""

from __future__ import annotations

import re

_EN_QUESTION = re.compile(
    r"\?|^\s*(how|what|what's|whats|when|where|who|whom|which|why|is|are|can|could|may|do|does|did|should|am|"
    r"will|would|any)\b|\b(allowed|legal|am i|is it ok|is it okay|is that ok|do i need|who pays|who is paying|"
    r"can i claim)\b", re.IGNORECASE)
_ZH_QUESTION = re.compile(r"[吗呢？?]\s*$|[吗呢][？?。！!，,]|怎么|如何|怎样|哪里|哪儿|哪个|谁|什么|能不能|可不可以|"
                          r"可以.{0,12}吗|是否|有没有|多少|几点|允许|规定")
_CJK = re.compile(r"[\u3400-\u9fff]")
# The confidence in a policy question that, with a message put as a question, makes the policy list worth
# asking when NLU chose another intent: residents' reports scored below 0.001 on our development sets (475
# messages), while policy questions NLU took for reports often scored 0.01-0.4 (`bench.policy_answers --nlu`).
MIN_POLICY_CONFIDENCE = 0.01


def asks(text: str) -> bool:
    """Whether the message is put as a question, in English or Chinese."""
    return bool((_ZH_QUESTION if _CJK.search(text) else _EN_QUESTION).search(text))


def worth_asking(text: str, policy_confidence: float) -> bool:
    """Whether a message NLU took for something else may still be a policy question: typed (not a button), put
    as a question, and with some confidence in a policy question. The matcher then decides on its own evidence."""
    return bool(text) and not text.startswith("/") and policy_confidence >= MIN_POLICY_CONFIDENCE and asks(text)
