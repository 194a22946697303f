"""A small HTTP client for Rasa's REST channel."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Optional

import httpx

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa could not be reached or did not answer properly."""


@dataclass(frozen=True)
class Button:
    """A choice offered to the resident; `payload` goes back to Rasa when pressed."""

    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One message of Rasa's answer."""

    text: str = ""
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    image: Optional[str] = None


def parse_replies(body: object) -> list[Reply]:
    """Rasa's REST answer (a JSON list of messages) as replies; raises RasaUnavailable on anything else."""
    if not isinstance(body, list):
        raise RasaUnavailable(f"unexpected answer from Rasa: {body!r:.200}")
    replies = []
    for item in body:
        if not isinstance(item, dict):
            continue
        buttons = tuple(
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in item.get("buttons") or []
            if isinstance(b, dict)
        )
        reply = Reply(text=str(item.get("text") or ""), buttons=buttons, image=item.get("image"))
        if reply.text or reply.buttons or reply.image:
            replies.append(reply)
    return replies


class RasaClient:
    """Sends residents' messages to Rasa and returns its replies."""

    def __init__(self, base_url: str, *, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)

    async def send(self, sender: str, message: str) -> list[Reply]:
        """Send one message from `sender` and return Rasa's replies; raises RasaUnavailable."""
        try:
            response = await self._http.post(
                "/webhooks/rest/webhook", json={"sender": sender, "message": message}
            )
            response.raise_for_status()
            return parse_replies(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc

    async def is_ready(self) -> bool:
        """Whether Rasa answers (its server only listens once the model is loaded)."""
        try:
            response = await self._http.get("/", timeout=2.0)
            return response.status_code == 200
        except httpx.HTTPError:
            return False

    async def wait_until_ready(self, timeout: float = 300.0, interval: float = 0.5) -> None:
        """Wait for Rasa to be ready; raises RasaUnavailable after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        logged = False
        while not await self.is_ready():
            if time.monotonic() > deadline:
                raise RasaUnavailable(f"Rasa at {self.base_url} not ready after {timeout:.0f}s")
            if not logged:
                log.info("waiting for Rasa at %s", self.base_url)
                logged = True
            await asyncio.sleep(interval)

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()
