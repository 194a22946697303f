"""Long messages are read sentence by sentence as well as whole, and DIET trains on batches of similar length.

Each check runs in the Rasa environment (a script per test, its findings printed as JSON), on Rasa's own
Message and model-data classes: no model is needed.
"""

from __future__ import annotations

import json
import subprocess

from testkit.stack import PROJECT_ROOT

RASA_PYTHON = PROJECT_ROOT / ".venvs" / "rasa" / "bin" / "python"

LETTER = (
    "Dear Sir or Madam, I have lived on Harwood Close for twenty years and I am writing on behalf of the residents' "
    "association. The street lamps were replaced last spring and work fine. Since the storm the drain outside "
    "number 12 overflows every time it rains and the water runs into the gardens. Could someone clear it? "
    "Yours faithfully, Ann Resident"
)
LETTER_ZH = ("尊敬的领导：您好！我是和平小区的居民，在这里住了十多年。小区门口的路灯去年换过，一直很好。"
             "但是最近下水道堵了，一下雨污水就漫到路上，味道很大。恳请有关部门尽快疏通。此致敬礼")


def run(script: str, *args: str) -> dict:
    done = subprocess.run([str(RASA_PYTHON), "-c", script, *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


SENTENCES = r"""
import json, sys
from rasa_components.bilingual_tokenizer import MAX_CLAUSES, sentences
texts = sys.argv[1:]
many = " ".join(f"Sentence number {n} is here." for n in range(1, 31))
print(json.dumps({"found": {text: sentences(text) for text in texts}, "many": sentences(many), "max": MAX_CLAUSES}))
"""


def test_a_long_message_is_cut_into_sentences_in_both_languages():
    decimal = "The hole is 2.5 metres wide and 0.3 deep. It is outside no. 12 on Mill Road!"
    found = run(SENTENCES, LETTER, LETTER_ZH, decimal, "one sentence only, no full stop")
    english = found["found"][LETTER]
    assert english[2] == "Since the storm the drain outside number 12 overflows every time it rains and the water " \
                         "runs into the gardens."
    assert len(english) == 5
    chinese = found["found"][LETTER_ZH]
    assert "但是最近下水道堵了，一下雨污水就漫到路上，味道很大。" in chinese
    assert found["found"][decimal][0] == "The hole is 2.5 metres wide and 0.3 deep."  # no cut inside a number
    assert found["found"]["one sentence only, no full stop"] == []
    # 30 sentences are read in at most MAX_CLAUSES runs, every sentence in one of them, in order
    assert len(found["many"]) <= found["max"]
    assert " ".join(found["many"]) == " ".join(f"Sentence number {n} is here." for n in range(1, 31))


EXPANSION = r"""
import json, sys
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa_components.bilingual_tokenizer import CLAUSE_OF, BilingualTokenizer
tokenizer = BilingualTokenizer(BilingualTokenizer.get_default_config())
messages = [Message(data={"text": text}) for text in sys.argv[1:]]
read = tokenizer.process(messages)
training = TrainingData([Message(data={"text": sys.argv[2], "intent": "report_drainage"})])
tokenizer.process_training_data(training)
print(json.dumps({
    "read": [[m.get("text"), bool(m.get(CLAUSE_OF)), len(m.get("text_tokens") or [])] for m in read],
    "training": len(training.training_examples),
}))
"""


def test_the_tokenizer_sends_a_long_messages_sentences_after_it_and_leaves_short_ones_and_training_alone():
    found = run(EXPANSION, "the drain is blocked", LETTER, LETTER_ZH)
    read = found["read"]
    assert read[0] == ["the drain is blocked", False, 4]
    assert read[1][0] == LETTER and not read[1][1]
    letter_sentences = [entry for entry in read[2:] if entry[1] and entry[0] in LETTER]
    assert len(letter_sentences) == 5 and all(tokens > 0 for _, _, tokens in letter_sentences)
    position = next(index for index, entry in enumerate(read) if entry[0] == LETTER_ZH)
    assert not read[position][1] and all(entry[1] for entry in read[position + 1:]) and len(read) - position - 1 >= 4
    assert found["training"] == 1  # training examples are never cut into sentences


COMBINER = r"""
import json
from rasa.shared.nlu.training_data.message import Message
from rasa_components.bilingual_tokenizer import CLAUSE_OF
from rasa_components.clauses import ClauseCombiner

def message(text, ranking, clause=False):
    data = {"text": text, "intent": dict(ranking[0]) if ranking else None, "intent_ranking": ranking}
    if clause:
        data[CLAUSE_OF] = True
    return Message(data=data)

def r(*pairs):
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]

combiner = ClauseCombiner(ClauseCombiner.get_default_config())
batches = {
    # read whole as an address, one sentence clearly a blocked drain: a drainage report
    "address": [message("letter", r(("inform", 0.6), ("report_drainage", 0.2), ("report_streetlight", 0.1))),
                message("hello", r(("greet", 0.9)), True),
                message("lamps fine", r(("report_streetlight", 0.7), ("inform", 0.2)), True),
                message("drain overflows", r(("report_drainage", 0.95), ("report_pothole", 0.02)), True)],
    # about a case already filed: stays a chase, whatever its sentences say
    "chase": [message("chase", r(("chase_case", 0.7), ("report_pothole", 0.2))),
              message("hole", r(("report_pothole", 0.99)), True)],
    # small talk, no sentence a topic with enough evidence: kept
    "chat": [message("chat", r(("greet", 0.7), ("report_noise", 0.1))),
             message("s1", r(("thank", 0.8), ("report_noise", 0.3)), True)],
    # a short message and no sentences: untouched
    "short": [message("pothole", r(("report_pothole", 0.93), ("report_tree", 0.03)))],
    # two long messages in one batch: each folds only its own sentences
    "two": [message("first", r(("report_tree", 0.5), ("report_pothole", 0.4))),
            message("roots", r(("report_tree", 0.9)), True),
            message("second", r(("report_garbage", 0.5), ("report_animal", 0.45))),
            message("rats", r(("report_animal", 0.97)), True)],
}
out = {}
for name, batch in batches.items():
    read = combiner.process(batch)
    out[name] = [[m.get("text"), m.get("intent")["name"], round(m.get("intent")["confidence"], 3),
                  [entry["name"] for entry in m.get("intent_ranking")]] for m in read]
print(json.dumps(out))
"""


def test_the_combiner_reads_a_long_message_by_its_strongest_sentence_and_drops_the_sentences():
    out = run(COMBINER)
    [address] = out["address"]
    assert address[0] == "letter" and address[1] == "report_drainage"
    assert address[2] == round(0.6 * 0.2 + 0.4 * 0.95, 3)  # whole_weight 0.6 against the strongest sentence
    assert address[3][:2] == ["report_drainage", "report_streetlight"] and "inform" not in address[3]
    assert [entry[:2] for entry in out["chase"]] == [["chase", "chase_case"]]
    assert [entry[:2] for entry in out["chat"]] == [["chat", "greet"]]
    assert out["short"] == [["pothole", "report_pothole", 0.93, ["report_pothole", "report_tree"]]]
    assert [entry[:2] for entry in out["two"]] == [["first", "report_tree"], ["second", "report_animal"]]


BATCHES = r"""
import json
import numpy as np
from rasa.utils.tensorflow.constants import SEQUENCE_LENGTH, LABEL, IDS, SEQUENCE
from rasa.utils.tensorflow.model_data import FeatureArray, RasaModelData
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa_components.diet import LengthBucketedBatches

np.random.seed(7)
count = 1000
lengths = np.where(np.random.rand(count) < 0.07, np.random.randint(60, 170, count), np.random.randint(2, 20, count))
data = RasaModelData(label_key=LABEL, label_sub_key=IDS, data={
    "text": {SEQUENCE_LENGTH: [FeatureArray(lengths.copy(), number_of_dimensions=1)],
             "position": [FeatureArray(np.arange(count), number_of_dimensions=1)]},
    LABEL: {IDS: [FeatureArray(np.random.randint(0, 10, (count, 1)), number_of_dimensions=2)]},
})
def epochs_of(kind):
  generator = kind(data, batch_size=[64, 128], epochs=2, batch_strategy="balanced", shuffle=True)
  epochs = []
  for epoch in range(2):
    seen, padded = [], 0
    for index in range(len(generator)):
        start = index * generator._current_batch_size
        batch = {key: {sub: [f[start:start + generator._current_batch_size] for f in feats]
                       for sub, feats in part.items()} for key, part in generator._data.items()}
        seen += [int(p) for p in batch["text"]["position"][0]]
        batch_lengths = np.asarray(batch["text"][SEQUENCE_LENGTH][0])
        padded += int(batch_lengths.max()) * len(batch_lengths)
    epochs.append({"seen": set(seen) == set(range(count)), "padded": padded, "batch": generator._current_batch_size})
    generator.on_epoch_end()
  return epochs
print(json.dumps({"bucketed": epochs_of(LengthBucketedBatches), "random": epochs_of(RasaBatchDataGenerator),
                  "tokens": int(lengths.sum())}))
"""


def test_training_batches_hold_messages_of_similar_length_and_every_message_once_per_epoch():
    found = run(BATCHES)
    for bucketed, drawn in zip(found["bucketed"], found["random"], strict=True):
        assert bucketed["seen"] and drawn["seen"]
        # every message is seen (balancing repeats rare intents, as Rasa does); drawn at random nearly every
        # batch is padded to a long letter, bucketed a third of that or less
        assert drawn["padded"] > 5 * found["tokens"]
        assert bucketed["padded"] < drawn["padded"] / 3
    assert [epoch["batch"] for epoch in found["bucketed"]] == [64, 128]
