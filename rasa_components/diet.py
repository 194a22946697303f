"""DIET trained on batches of messages of similar length.

A batch is padded to its longest message. Residents' long letters (60-170 words) are a small share of the
training data but land in nearly every batch when batches are drawn at random, so DIET's transformer spent
most of each epoch on padding: 8 epochs took 134 s of a 180 s training on 2 cores. This classifier draws
batches as DIET does (shuffled, balanced across intents), then, within each window of BUCKET_BATCHES
batches, orders the messages by length before cutting batches, and shuffles the order of the batches. Every
message is still seen once per epoch and batches still mix intents; only the padding goes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils import train_utils
from rasa.utils.tensorflow.constants import SEQUENCE_LENGTH
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import Data, RasaModelData

BUCKET_BATCHES = 8


class LengthBucketedBatches(RasaBatchDataGenerator):
    """RasaBatchDataGenerator whose batches hold messages of similar length."""

    def _shuffle_and_balance(self, batch_size: int) -> Data:
        data = super()._shuffle_and_balance(batch_size)
        lengths_of = data.get(TEXT, {}).get(SEQUENCE_LENGTH)
        if not lengths_of or batch_size <= 0:
            return data
        lengths = np.asarray(lengths_of[0]).reshape(-1)
        window = batch_size * BUCKET_BATCHES
        order = np.concatenate([start + np.argsort(lengths[start:start + window], kind="stable")
                                for start in range(0, len(lengths), window)])
        batches = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
        np.random.shuffle(batches)  # type: ignore[arg-type]
        return RasaModelData._data_for_ids(data, np.concatenate(batches))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class BucketedDIETClassifier(DIETClassifier):
    """DIETClassifier, trained on length-bucketed batches (same model, same predictions code)."""

    def train(self, training_data: TrainingData) -> Resource:
        """DIET's training, with its batches drawn by LengthBucketedBatches."""
        usual: Any = train_utils.RasaBatchDataGenerator
        train_utils.RasaBatchDataGenerator = LengthBucketedBatches  # type: ignore[misc]
        try:
            return super().train(training_data)
        finally:
            train_utils.RasaBatchDataGenerator = usual  # type: ignore[misc]
