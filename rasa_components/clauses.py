"""Read a long message by its sentences as well as whole: the complaint often sits in one sentence of many.

Residents' long messages wrap the complaint in a greeting, background, earlier attempts and thanks
("Dear Sir... I have lived here for 20 years... the drain outside number 12 overflows... Yours
faithfully"). Read whole, the background can outweigh the complaint (addresses pull towards `inform`,
a passing mention of a street light towards the wrong type). BilingualTokenizer sends each long message's
sentences through the pipeline after it (marked with CLAUSE_OF), DIET reads each sentence as it reads a
short message, and this component, right after DIET, folds the sentences' readings into the message's:

    score(type) = whole_weight * P_message(type) + (1 - whole_weight) * max over sentences P_sentence(type)

over the request types and `out_of_scope` (the topics: what the message is about), then drops the sentences
from the batch. The message keeps its own reading when it is about a case already filed (status, chase,
cancel) or a person, or when neither it nor any sentence reads as a topic with `topic_evidence`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from rasa_components.bilingual_tokenizer import CLAUSE_OF


def is_topic(intent: str) -> bool:
    """A request type or a matter that is not the city's: what a report is about."""
    return intent.startswith("report_") or intent == "out_of_scope"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ClauseCombiner(GraphComponent, IntentClassifier):
    """Folds the readings of a long message's sentences into the message's own, and drops the sentences."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """How much the whole message counts against its strongest sentence, and what keeps its own reading."""
        return {
            "whole_weight": 0.6,
            # A sentence must read as a topic at least this surely to turn a message read as something else
            # (an address, a greeting) into a report.
            "topic_evidence": 0.5,
            "keep_intents": ["check_status", "chase_case", "cancel_request", "talk_to_human"],
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.whole_weight = float(config["whole_weight"])
        self.topic_evidence = float(config["topic_evidence"])
        self.keep_intents = set(config["keep_intents"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ClauseCombiner:
        """A combiner with the pipeline's settings (nothing to train)."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """The messages without their sentences, each long one read with its sentences' help."""
        groups: List[Tuple[Message, List[Message]]] = []  # each message with the sentences that follow it
        for message in messages:
            if not message.get(CLAUSE_OF):
                groups.append((message, []))
            elif groups:
                groups[-1][1].append(message)
        for message, clauses in groups:
            if clauses:
                self._fold(message, clauses)
        return [message for message, _ in groups]

    def _fold(self, message: Message, clauses: List[Message]) -> None:
        whole = _ranking(message)
        if not whole:
            return
        top = max(whole, key=whole.__getitem__)
        if top in self.keep_intents:
            return
        strongest: Dict[str, float] = {}
        for clause in clauses:
            for intent, confidence in _ranking(clause).items():
                if is_topic(intent):
                    strongest[intent] = max(strongest.get(intent, 0.0), confidence)
        if not is_topic(top) and max(strongest.values(), default=0.0) < self.topic_evidence:
            return
        topics = set(strongest) | {intent for intent in whole if is_topic(intent)}
        weight = self.whole_weight
        scores = {intent: weight * whole.get(intent, 0.0) + (1 - weight) * strongest.get(intent, 0.0)
                  for intent in topics}
        ranking = [{INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: score}
                   for intent, score in sorted(scores.items(), key=lambda item: -item[1])]
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


def _ranking(message: Message) -> Dict[str, float]:
    return {entry[INTENT_NAME_KEY]: float(entry[PREDICTED_CONFIDENCE_KEY])
            for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get(INTENT_NAME_KEY)}
