"""Rasa's calls to the action server reuse their HTTP connections instead of opening a new session per call.

`EndpointConfig.request` opens `async with self.session()`, which Rasa builds afresh every time: a new
aiohttp session, a new TCP connection and its teardown for every action call (several per resident's
turn; about 6% of Rasa's time under load). Here `session()` hands out one session per endpoint and event
loop, kept open; `async with` borrows it without closing it.

Safe because the session is built by Rasa's own `session()` (same headers, authentication and timeout),
aiohttp sessions are meant to be shared by concurrent requests on one loop, and a closed one is replaced.
"""

from __future__ import annotations

import asyncio
from typing import Any

_ORIGINAL = "_huiyin_original_session"
_KEPT = "_huiyin_kept_session"


class _Borrowed:
    """`async with` on a kept session: enters to the session, leaves it open."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc: object) -> bool:
        return False


def install() -> None:
    """Make every EndpointConfig keep its session (once; installing again changes nothing)."""
    from rasa.utils.endpoints import EndpointConfig

    if hasattr(EndpointConfig, _ORIGINAL):
        return
    original = EndpointConfig.session
    setattr(EndpointConfig, _ORIGINAL, original)

    def session(self: EndpointConfig) -> Any:
        loop = asyncio.get_running_loop()
        kept = getattr(self, _KEPT, None)
        if kept is None or kept[0] is not loop or kept[1].closed:
            kept = (loop, original(self))
            setattr(self, _KEPT, kept)
        return _Borrowed(kept[1])

    EndpointConfig.session = session
