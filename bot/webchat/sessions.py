"""Web chat sessions: signed session cookies (the resident's identity in the browser) and their language."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Optional

from starlette.requests import Request
from starlette.responses import Response

from cases import i18n, residents
from huiyin import bootstrap
from huiyin.settings import Settings

COOKIE = "huiyin_session"
COOKIE_MAX_AGE = 365 * 24 * 3600  # residents come back to read updates weeks later


class Sessions:
    """Session ids we issue, signed so a client cannot choose its own."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def _sign(self, session_id: str) -> str:
        digest = hmac.new(self._secret, session_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign(self, value: str) -> str:
        """A signature of `value` under the same key (e.g. a download link of one session)."""
        return self._sign(value)

    def issue(self) -> tuple[str, str]:
        """A new session id and its cookie value."""
        session_id = secrets.token_urlsafe(24)
        return session_id, f"{session_id}.{self._sign(session_id)}"

    def verify(self, cookie: Optional[str]) -> Optional[str]:
        """The session id in a cookie we signed, else None."""
        session_id, _, signature = (cookie or "").partition(".")
        if session_id and signature and hmac.compare_digest(signature, self._sign(session_id)):
            return session_id
        return None


def session_secret(settings: Settings) -> bytes:
    """The key that signs session cookies: WEB_SECRET, or one generated once and kept under VAR_DIR."""
    # Never random per process: a restart would lock residents out of their own cases.
    return bootstrap.secret(settings, "web_secret").encode()


def preferred_language(header: Optional[str]) -> str:
    """The first language we support in an Accept-Language header, by quality; English otherwise."""
    for tag in i18n.accept_language_tags(header):
        base = tag.split("-")[0].split("_")[0].lower()
        if base in residents.SUPPORTED_LANGUAGES:
            return base
    return "en"


def set_cookie(response: Response, request: Request, value: Optional[str]) -> Response:
    """Set the session cookie on the response, if there is a new one to give."""
    if value:
        response.set_cookie(COOKIE, value, max_age=COOKIE_MAX_AGE, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response
