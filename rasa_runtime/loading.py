"""Load the model's neural networks without tracing a training graph that is never used.

To give a saved network (DIET, TED) variables of the right shapes before loading its weights, Rasa's
`RasaModel.load` fits it on one example. Compiled as Rasa compiles it, that one step makes TensorFlow trace
the whole training function into a graph: half of Rasa's start-up here (about 5 s of 10) and memory kept
for a graph that serving never runs. Here the one step runs eagerly (same variables, built op by op, no
graph), then the model is switched back to Rasa's own setting before the trained weights are loaded, so
predictions run exactly as before (the prediction graph is still traced, at the warm-up).

Safe because the step's only purpose is to create the variables, whose values the trained weights then
replace; fine-tuning (training further from a model) keeps Rasa's own path.
"""

from __future__ import annotations

from typing import Any, Optional

_ORIGINAL = "_huiyin_original_load"


def install() -> None:
    """Replace RasaModel.load for serving (once; installing again changes nothing)."""
    import tensorflow as tf
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
    from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
    from rasa.utils.tensorflow.models import RasaModel

    if hasattr(RasaModel, _ORIGINAL):
        return
    original = RasaModel.load.__func__  # type: ignore[attr-defined]
    setattr(RasaModel, _ORIGINAL, original)

    def load(cls: Any, model_file_name: str, model_data_example: Any, predict_data_example: Optional[Any] = None,
             finetune_mode: bool = False, *args: Any, **kwargs: Any) -> Any:
        if finetune_mode:
            return original(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                            *args, **kwargs)
        config = kwargs.get("config", {})
        model = cls(*args, **kwargs)
        model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=True)
        model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)  # builds the variables
        model.run_eagerly = config.get(RUN_EAGERLY)  # as Rasa compiles it: predictions in a traced graph
        model.load_weights(model_file_name)
        if predict_data_example:
            model.run_inference(predict_data_example)
        return model

    RasaModel.load = classmethod(load)
