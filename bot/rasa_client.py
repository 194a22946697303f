"""A small HTTP client for Rasa's REST channel."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
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
    # What the question in this reply also accepts besides typed text ("photo"): said by the domain response's
    # `custom: {accepts: [...]}`, which Rasa sends as a message of its own right after the text.
    accepts: tuple[str, ...] = ()


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
        elif replies and isinstance(item.get("custom"), dict):
            accepts = item["custom"].get("accepts")
            if isinstance(accepts, list):
                replies[-1] = replace(replies[-1], accepts=tuple(str(kind) for kind in accepts))
    return replies


def replica_for(sender: str, replicas: Sequence[str]) -> str:
    """The replica that serves `sender`: rendezvous (highest random weight) hashing, a consistent hash.

    Every process computes the same answer from the same list, so a conversation always reaches the same
    Rasa (Rasa's lock store is per process); adding or removing a replica moves only the conversations
    that it gains or loses.
    """
    if len(replicas) == 1:
        return replicas[0]
    return max(replicas, key=lambda url: hashlib.blake2b(f"{url}|{sender}".encode(), digest_size=8).digest())


def replica_urls(configured: str) -> list[str]:
    """RASA_URL as a list: one URL, or several replicas separated by commas."""
    urls = [url.strip().rstrip("/") for url in configured.split(",") if url.strip()]
    if not urls:
        raise ValueError("RASA_URL names no Rasa")
    return urls


KEEP_ALIVE_SECONDS = 30.0


class RasaClient:
    """Sends residents' messages to Rasa (the sender's replica, when there are several) and returns its replies."""

    def __init__(self, base_url: str | Sequence[str], *, timeout: float = 30.0):
        self.replicas = replica_urls(base_url) if isinstance(base_url, str) else [u.rstrip("/") for u in base_url]
        self.base_url = self.replicas[0]
        # Connections idle longer than this are not reused: Rasa keeps them open longer (SERVER_KEEP_ALIVE_SECONDS),
        # so it never closes one as a message is written to it.
        self._http = httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(
            max_connections=100, max_keepalive_connections=20,  # httpx's defaults; Limits() alone has no limit,
            keepalive_expiry=KEEP_ALIVE_SECONDS))  # and 100 connections kept open slowed Rasa run after run

    async def send(self, sender: str, message: str) -> list[Reply]:
        """Send one message from `sender` to its replica and return Rasa's replies; raises RasaUnavailable.

        A replica that is down is not replaced by another: the conversation lives there (its lock), so the
        resident gets the apology and their next message works once it is back; other residents are untouched.
        """
        url = replica_for(sender, self.replicas)
        try:
            response = await self._http.post(f"{url}/webhooks/rest/webhook",
                                             json={"sender": sender, "message": message})
            response.raise_for_status()
            return parse_replies(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc

    async def is_ready(self) -> bool:
        """Whether every replica answers (Rasa's server only listens once the model is loaded)."""
        for url in self.replicas:
            try:
                response = await self._http.get(f"{url}/", timeout=2.0)
            except httpx.HTTPError:
                return False
            if response.status_code != 200:
                return False
        return True

    async def wait_until_ready(self, timeout: float = 300.0, interval: float = 0.5) -> None:
        """Wait for every replica to be ready; raises RasaUnavailable after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        logged = False
        while not await self.is_ready():
            if time.monotonic() > deadline:
                raise RasaUnavailable(f"Rasa at {', '.join(self.replicas)} not ready after {timeout:.0f}s")
            if not logged:
                log.info("waiting for Rasa at %s", ", ".join(self.replicas))
                logged = True
            await asyncio.sleep(interval)

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()
