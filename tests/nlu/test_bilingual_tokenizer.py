"""The bilingual tokenizer, run in the Rasa environment: English exactly as WhitespaceTokenizer, Chinese in words,
long letters without their greetings and sign-offs."""

from __future__ import annotations

import json
import subprocess

from testkit.stack import PROJECT_ROOT

RASA_PYTHON = PROJECT_ROOT / ".venvs" / "rasa" / "bin" / "python"

SCRIPT = r"""
import json, sys, yaml
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa_components.bilingual_tokenizer import BilingualTokenizer

ours = BilingualTokenizer(BilingualTokenizer.get_default_config())
theirs = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
def tokens(tokenizer, text):
    return [(t.text, t.start, t.end) for t in tokenizer.tokenize(Message(data={"text": text}), "text")]
english = [line.strip()[2:] for line in open("tests/nlu/heldout_en.yml", encoding="utf-8")
           if line.strip().startswith("- ") and "intent:" not in line]
samples = sys.argv[1:]
print(json.dumps({
    "english_differs": [text for text in english if tokens(ours, text) != tokens(theirs, text)],
    "english_count": len(english),
    "samples": {text: tokens(ours, text) for text in samples},
}, ensure_ascii=False))
"""


def run(*samples: str) -> dict:
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT, *samples], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_english_is_tokenized_exactly_as_before_and_chinese_in_words():
    result = run("人民路上有个大坑，太危险了！！", "查一下HY-2026-00042的进度", "pothole 在建设路128号对面 please fix")
    assert result["english_count"] > 200 and result["english_differs"] == []
    samples = result["samples"]
    assert [t[0] for t in samples["人民路上有个大坑，太危险了！！"]] == [
        "人民",
        "路上",
        "有个",
        "大坑",
        "太",
        "危险",
        "了",
    ]
    assert [t[0] for t in samples["查一下HY-2026-00042的进度"]] == ["查", "一下", "HY-2026-00042", "的", "进度"]
    assert [t[0] for t in samples["pothole 在建设路128号对面 please fix"]] == [
        "pothole",
        "在",
        "建设路",
        "128",
        "号",
        "对面",
        "please",
        "fix",
    ]
    for text, tokens in samples.items():  # offsets point at the token's own characters
        assert all(text[start:end] == word for word, start, end in tokens)


def test_traditional_characters_are_read_as_simplified_with_offsets_into_the_original():
    traditional, simplified = "東興街口的路燈壞了，垃圾沒人收", "东兴街口的路灯坏了，垃圾没人收"
    samples = run(traditional, simplified)["samples"]
    assert samples[traditional] == samples[simplified]  # the same words at the same places
    assert "路灯" in [t[0] for t in samples[traditional]]
    for word, start, end in samples[traditional]:
        assert len(traditional[start:end]) == len(word)


LETTER_EN = ("Dear Sir or Madam, I am writing again about the state of the footpath along Orchard Row, which "
             "has been broken and uneven for months and my mother fell there last week. I would be grateful if "
             "someone could look at it. Kind regards, Sam")
LETTER_ZH = ("尊敬的领导：您好！我是东湖小区的居民，小区北门外那段人行道的地砖已经碎了好几个月，"
             "老人晚上走路很容易摔倒，之前也反映过但一直没有人来修，恳请有关部门尽快处理。谢谢！此致敬礼")


def test_a_long_letter_is_read_without_its_greetings_and_sign_off_a_short_thanks_is_kept():
    samples = run(LETTER_EN, LETTER_ZH, "thanks so much", "您好")["samples"]
    english = [t[0].lower() for t in samples[LETTER_EN]]
    assert "dear" not in english and "regards" not in english and "grateful" not in english
    assert {"footpath", "broken", "uneven"} <= set(english)
    chinese = [t[0] for t in samples[LETTER_ZH]]
    assert "尊敬" not in chinese and "敬礼" not in chinese and "谢谢" not in chinese
    assert {"人行道", "地砖"} <= set(chinese)
    assert [t[0] for t in samples["thanks so much"]] == ["thanks", "so", "much"]
    assert [t[0] for t in samples["您好"]] == ["您好"]


FINGERPRINTS = r"""
import json
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message
from rasa_components.bilingual_tokenizer import BilingualTokenizer
tokenizer = BilingualTokenizer(BilingualTokenizer.get_default_config())
words = tokenizer.tokenize(Message(data={"text": "the drain 路灯坏了 is blocked"}), "text")
same = [w.fingerprint() == Token(w.text, w.start, w.end, w.data, w.lemma).fingerprint() for w in words]
first = words[0].fingerprint()
words[0].set("pos", "DET")
print(json.dumps({"same": same, "kept": words[1].fingerprint() == words[1].fingerprint(),
                  "changed": words[0].fingerprint() != first,
                  "now": words[0].fingerprint() == Token("the", 0, 3, {"pos": "DET"}).fingerprint()}))
"""


def test_a_tokens_fingerprint_is_rasas_and_follows_a_change():
    done = subprocess.run([str(RASA_PYTHON), "-c", FINGERPRINTS], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["same"] == [True] * 7 and found["kept"] and found["changed"] and found["now"]
