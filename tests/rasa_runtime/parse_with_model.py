"""Parse messages with the trained model, with or without rasa_runtime's adjustments; JSON results on stdout.

Run with the Rasa environment's Python: `parse_with_model.py MODEL adjusted|plain MESSAGE...`. Prints, per
message, the intent, its confidence, the likeliest intent under nlu_fallback, the confidence in ask_policy and
the entities; and for a short conversation, the next actions.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


async def main(model: str, mode: str, messages: list[str]) -> None:
    if mode == "adjusted":
        from rasa_runtime import adjust

        adjust()
    from rasa.core.agent import load_agent
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    agent = await load_agent(model_path=model)
    results = []
    for text in messages:
        parsed = await agent.parse_message(text)
        tracker = DialogueStateTracker.from_events(
            "check", [ActionExecuted(ACTION_LISTEN_NAME), UserUttered(text, parsed["intent"], parsed["entities"],
                                                                      parsed)], slots=agent.domain.slots)
        prediction = agent.predict_next_with_tracker(tracker)
        best = max(prediction["scores"], key=lambda s: s["score"]) if prediction else None
        likeliest = next((ranked["name"] for ranked in parsed.get("intent_ranking") or []
                          if ranked["name"] != "nlu_fallback"), None)  # under nlu_fallback, what NLU thought
        policy = next((ranked["confidence"] for ranked in parsed.get("intent_ranking") or []
                       if ranked["name"] == "ask_policy"), 0.0)  # what actions/policy.py reads
        results.append({"intent": parsed["intent"]["name"], "confidence": parsed["intent"]["confidence"],
                        "likeliest": likeliest, "policy_confidence": policy,
                        "entities": sorted((e["entity"], e["value"]) for e in parsed["entities"]),
                        "next": best["action"] if best else None, "next_score": best["score"] if best else None})
    print("RESULTS " + json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
