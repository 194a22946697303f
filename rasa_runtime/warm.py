"""Pay for Rasa's lazy loads before the server listens, not during a resident's first turn.

Rasa loads the model in a `before_server_start` listener, and only then answers on its port, which is
what our processes wait for. But the first message in each language still paid for lazy work: jieba
reads its dictionary on first use (1.6 s measured for the first Chinese message) and TensorFlow traces
the NLU and policy graphs on their first call. `install()` makes the model-loading listener also parse
one message per language and predict one next action, on a tracker that is never stored.
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)

# One message per language the NLU pipeline treats differently (the Chinese one goes through jieba).
WARM_MESSAGES = ("there is a pothole on the road", "路上有个坑")
_ORIGINAL = "_huiyin_original_load_agent_on_start"


async def warm(agent: Any) -> None:
    """Parse each warm-up message and predict the next action after it, storing nothing."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    if agent is None or not agent.is_ready():
        return
    started = time.monotonic()
    for text in WARM_MESSAGES:
        parsed = await agent.parse_message(text)
        tracker = DialogueStateTracker.from_events(
            "huiyin-warm-up",
            [ActionExecuted(ACTION_LISTEN_NAME), UserUttered(text, parsed["intent"], parsed["entities"], parsed)],
            slots=agent.domain.slots,
        )
        agent.predict_next_with_tracker(tracker)
    log.info("warmed the NLU and policies in %.1f s", time.monotonic() - started)


def install() -> None:
    """Warm the agent right after Rasa loads it at start (once; installing again changes nothing)."""
    import rasa.core.run as run

    if hasattr(run, _ORIGINAL):
        return
    original = run.load_agent_on_start
    setattr(run, _ORIGINAL, original)

    async def load_agent_on_start(*args: Any, **kwargs: Any) -> Any:
        agent = await original(*args, **kwargs)
        try:
            await warm(agent)
        except Exception:  # a warm-up that fails must not keep Rasa from serving
            log.exception("warm-up failed; the first messages will be slower")
        return agent

    run.load_agent_on_start = load_agent_on_start
