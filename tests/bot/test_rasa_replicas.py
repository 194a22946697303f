"""Several Rasa replicas: each conversation always reaches the same one, and one down costs only its residents."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.rasa_client import RasaClient, RasaUnavailable, replica_for, replica_urls

REPLICAS = ["http://rasa-a:5005", "http://rasa-b:5005", "http://rasa-c:5005"]
SENDERS = [f"telegram:{n}" for n in range(3000)]


def test_each_sender_has_one_replica_and_the_load_is_spread():
    chosen = {sender: replica_for(sender, REPLICAS) for sender in SENDERS}
    assert chosen == {sender: replica_for(sender, list(reversed(REPLICAS))) for sender in SENDERS}  # order-free
    shares = Counter(chosen.values())
    assert set(shares) == set(REPLICAS) and min(shares.values()) > 800  # about a third each


def test_adding_or_removing_a_replica_moves_only_its_own_conversations():
    before = {sender: replica_for(sender, REPLICAS) for sender in SENDERS}
    without_b = {sender: replica_for(sender, [REPLICAS[0], REPLICAS[2]]) for sender in SENDERS}
    assert all(without_b[s] == before[s] for s in SENDERS if before[s] != REPLICAS[1])
    grown = {sender: replica_for(sender, [*REPLICAS, "http://rasa-d:5005"]) for sender in SENDERS}
    moved = [s for s in SENDERS if grown[s] != before[s]]
    assert all(grown[s] == "http://rasa-d:5005" for s in moved) and 500 < len(moved) < 1000


def test_rasa_url_lists_replicas():
    assert replica_urls(" http://a:1/ , http://b:2 ") == ["http://a:1", "http://b:2"]
    with pytest.raises(ValueError):
        replica_urls(" , ")


def replica_app(name: str) -> Starlette:
    async def webhook(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse([{"recipient_id": body["sender"], "text": f"{name} answers {body['message']}"}])

    async def ready(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/webhooks/rest/webhook", webhook, methods=["POST"]), Route("/", ready)])


class Replicas(httpx.AsyncBaseTransport):
    """Routes each request to its replica's app; a replica marked down refuses connections."""

    def __init__(self) -> None:
        self.apps = {url: httpx.ASGITransport(app=replica_app(url)) for url in REPLICAS}
        self.down: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        if url in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.apps[url].handle_async_request(request)


async def test_a_replica_down_costs_only_its_residents_and_they_are_answered_once_it_is_back():
    transport = Replicas()
    client = RasaClient(",".join(REPLICAS))
    client._http = httpx.AsyncClient(transport=transport)
    senders = SENDERS[:60]
    assert await client.is_ready()
    transport.down.add(REPLICAS[1])
    assert not await client.is_ready()
    for sender in senders:
        if replica_for(sender, REPLICAS) == REPLICAS[1]:
            with pytest.raises(RasaUnavailable):
                await client.send(sender, "hello")
        else:  # other replicas' residents are untouched, each answered by their own replica
            [reply] = await client.send(sender, "hello")
            assert reply.text == f"{replica_for(sender, REPLICAS)} answers hello"
    transport.down.clear()
    for sender in senders:
        [reply] = await client.send(sender, "again")
        assert reply.text == f"{replica_for(sender, REPLICAS)} answers again"
    await client.aclose()
