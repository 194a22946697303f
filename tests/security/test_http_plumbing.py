"""Issue 8, findings 8 and 9 (HTTP): a 500 keeps the connection, HSTS over HTTPS, proxy headers only from trusted
proxies.

Real uvicorn servers, configured as `python -m web` and `python -m bot` configure them.
"""

from __future__ import annotations

import logging

import httpx
import pytest
import uvicorn
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.rasa_client import RasaClient
from bot.webchat.app import create_app as create_webchat
from huiyin.asgi import proxy_options
from testkit.stack import free_port
from tests.city import make_settings
from tests.security.live_server import serving
from tests.web.conftest import PASSWORD, add_staff, console_settings, csrf_of  # noqa: F401 (a fixture)
from web.__main__ import server_config
from web.app import create_app as create_console

HSTS = "strict-transport-security"


def with_test_routes(app, seen_ports: list[int]):
    """Add /broken (records the client's port, then fails like a bug) and /port (answers the client's port)."""

    async def broken(request):
        seen_ports.append(request.client.port)
        raise RuntimeError(f"a bug quoting what was sent: {(await request.body()).decode()}")

    async def port(request):
        seen_ports.append(request.client.port)
        return PlainTextResponse(str(request.client.port))

    app.router.routes[:0] = [Route("/broken", broken, methods=["GET", "POST"]), Route("/port", port)]
    return app


def console_config(db, settings, *, trusted: str = "") -> uvicorn.Config:
    """The console on a free port, as web/__main__.py serves it."""
    settings = settings.model_copy(update={"console_host": "127.0.0.1", "console_port": 0, "trusted_proxies": trusted})
    return server_config(create_console(settings=settings, db=db), settings)


@pytest.fixture
async def webchat(sqlite_db, tmp_path):
    """The web chat app on a real database (nobody where Rasa should be: these tests never reach it)."""

    settings = make_settings(
        database_url=sqlite_db.url, media_dir=tmp_path / "media", web_secret="test", var_dir=tmp_path / "var"
    )
    rasa = RasaClient(f"http://127.0.0.1:{free_port()}", timeout=5)
    yield create_webchat(settings=settings, db=sqlite_db, rasa=rasa)
    await rasa.aclose()


def webchat_config(app, *, trusted: str = "") -> uvicorn.Config:
    """The web chat on a free port, with bot/__main__.py's proxy settings."""
    return uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="none", **proxy_options(trusted))


def server_log(caplog) -> str:
    """What the servers logged (the test's own HTTP client logs the URLs it asks for)."""
    return "\n".join(
        r.getMessage() + (r.exc_text or "") for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
    )


def assert_connection_survives_a_500(url: str, seen_ports: list[int]) -> None:
    """On one keep-alive connection: a 500, then further requests answered on that same connection."""
    with httpx.Client(base_url=url, limits=httpx.Limits(max_connections=1), timeout=10) as client:
        failed = client.post("/broken?q=secret-query", content=b"secret-resident-text")
        assert failed.status_code == 500
        assert "may not have been saved" in failed.text or failed.headers["content-type"].startswith("application/json")
        assert client.get("/port").status_code == 200
        assert client.get("/healthz").status_code == 200
    assert len(seen_ports) == 2 and seen_ports[0] == seen_ports[1], seen_ports  # the same client port: reused


def test_a_console_500_keeps_the_connection_and_logs_once_without_what_was_sent(db, console_settings, caplog):
    seen: list[int] = []
    config = console_config(db, console_settings)
    with_test_routes(config.app, seen)
    with caplog.at_level(logging.INFO), serving(config) as url:
        assert_connection_survives_a_500(url, seen)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "unhandled error on POST /broken" in errors[0].getMessage()
    assert "RuntimeError" in errors[0].getMessage()
    assert "secret" not in server_log(caplog)  # neither the body, the query string nor the exception's message


def test_a_web_chat_500_keeps_the_connection(webchat, caplog):
    seen: list[int] = []
    with caplog.at_level(logging.INFO), serving(webchat_config(with_test_routes(webchat, seen))) as url:
        assert_connection_survives_a_500(url, seen)
    assert "secret" not in server_log(caplog)


def login_once(url: str, username: str, password: str, headers: dict) -> int:
    """One login through the form, with extra headers on both requests; the status."""
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        token = csrf_of(client.get("/login"))
        return client.post("/login", data={"username": username, "password": password, "csrf_token": token}).status_code


def test_forwarded_for_counts_only_from_a_trusted_proxy(db, console_settings):
    add_staff(db, "ann", "agent")
    with serving(console_config(db, console_settings)) as url:  # no proxy trusted: the caller is 127.0.0.1
        for n in range(5):
            assert login_once(url, "ann", "guess", {"x-forwarded-for": f"203.0.113.{n}"}) == 400
        assert login_once(url, "ann", PASSWORD, {"x-forwarded-for": "198.51.100.7"}) == 429


def test_a_trusted_proxy_passes_on_the_client_address(db, console_settings):
    add_staff(db, "ann", "agent")
    with serving(console_config(db, console_settings, trusted="127.0.0.1")) as url:
        for _ in range(5):
            assert login_once(url, "ann", "guess", {"x-forwarded-for": "203.0.113.9"}) == 400
        assert login_once(url, "ann", PASSWORD, {"x-forwarded-for": "203.0.113.9"}) == 429
        assert login_once(url, "ann", PASSWORD, {"x-forwarded-for": "198.51.100.7"}) == 303  # the owner


@pytest.mark.parametrize(
    "trusted, proto, expected",
    [
        ("127.0.0.1", "https", "max-age=31536000"),  # HTTPS at the trusted proxy
        ("127.0.0.1", None, None),  # plain HTTP
        ("", "https", None),  # anyone can claim https: without a trusted proxy it is not believed
    ],
)
def test_hsts_only_over_https(db, console_settings, webchat, trusted, proto, expected):
    headers = {"x-forwarded-proto": proto} if proto else {}
    with serving(console_config(db, console_settings, trusted=trusted)) as url:
        assert httpx.get(f"{url}/login", headers=headers).headers.get(HSTS) == expected
    with serving(webchat_config(webchat, trusted=trusted)) as url:
        assert httpx.get(f"{url}/healthz", headers=headers).headers.get(HSTS) == expected


def test_hsts_max_age_is_configurable(db, console_settings):
    settings = console_settings.model_copy(update={"hsts_max_age": 600})
    with serving(console_config(db, settings, trusted="127.0.0.1")) as url:
        assert httpx.get(f"{url}/login", headers={"x-forwarded-proto": "https"}).headers[HSTS] == "max-age=600"
    settings = console_settings.model_copy(update={"hsts_max_age": 0})
    with serving(console_config(db, settings, trusted="127.0.0.1")) as url:
        assert HSTS not in httpx.get(f"{url}/login", headers={"x-forwarded-proto": "https"}).headers
