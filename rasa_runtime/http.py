"""Rasa's calls to the action server reuse their HTTP connections instead of opening a new session per call.

`EndpointConfig.request` opens `async with self.session()`, which Rasa builds afresh every time: a new
aiohttp session, a new TCP connection and its teardown for every action call (several per resident's
turn; about 6% of Rasa's time under load). Here `session()` hands out one session per endpoint and event
loop, kept open; `async with` borrows it without closing it.

Safe because the session is built as Rasa's own `session()` builds it (same headers, authentication and
timeout), aiohttp sessions are meant to be shared by concurrent requests on one loop, and a closed one is
replaced.

A kept connection is reused only while it has been idle less than KEEP_ALIVE_SECONDS, which is less than the
action server keeps an idle connection open (75 s, actions/runtime/server.py): otherwise the server may
close it just as a call is written to it ("Can not write request body"), and a resident gets an apology.
aiohttp's default (15 s) is longer than Sanic's (5 s), which is what happened under load.
"""

from __future__ import annotations

import asyncio
from typing import Any

_ORIGINAL = "_huiyin_original_session"
_KEPT = "_huiyin_kept_session"
KEEP_ALIVE_SECONDS = 30.0


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
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    setattr(EndpointConfig, _ORIGINAL, EndpointConfig.session)

    def new_session(self: EndpointConfig) -> aiohttp.ClientSession:
        """What EndpointConfig.session builds (Rasa 3.6), with idle connections dropped after KEEP_ALIVE_SECONDS."""
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth \
            else None
        return aiohttp.ClientSession(headers=self.headers, auth=auth,
                                     timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                     connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_SECONDS))

    def session(self: EndpointConfig) -> Any:
        loop = asyncio.get_running_loop()
        kept = getattr(self, _KEPT, None)
        if kept is None or kept[0] is not loop or kept[1].closed:
            kept = (loop, new_session(self))
            setattr(self, _KEPT, kept)
        return _Borrowed(kept[1])

    EndpointConfig.session = session
