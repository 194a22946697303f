"""WeChat's server API through wechatpy's client: customer-service and template messages, media downloads.

wechatpy's client is synchronous (requests), so every call runs in a worker thread. The access token is the one
every process shares through the database (bot/wechat/tokens.py): WeChat keeps one valid per account. A call
WeChat refuses for its token (40001, 40014, 42001) renews it (from the database if another process already has,
else from WeChat) and is made again.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import requests
from sqlalchemy.exc import SQLAlchemyError
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot import photos
from bot.wechat.tokens import SharedToken
from cases.store.db import Database
from huiyin.settings import Settings

TIMEOUT_SECONDS = 10.0
TOKEN_REFUSED = frozenset({40001, 40014, 42001})  # invalid credential, invalid token, expired token
MAX_RENEWALS = 2


class WeChatApiError(Exception):
    """WeChat refused a call or could not be reached; the message says which call and WeChat's error code (`code`,
    None when WeChat was not reached or gave no code)."""

    def __init__(self, message: str, code: Optional[int] = None):
        super().__init__(message)
        self.code = code


class _Client(WeChatClient):
    """wechatpy's client with every URL under WECHAT_API_BASE and the shared token (wechatpy's own retry is off:
    WeChatApi renews a refused token)."""

    def __init__(self, app_id: str, secret: str, *, api_base: str, db: Database, timeout: float):
        super().__init__(app_id, secret, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = f"{api_base.rstrip('/')}/cgi-bin/"
        self.shared = SharedToken(db, key=f"wechat:{app_id}", fetch=self.new_token)

    @property
    def access_token(self) -> str:
        return self.shared.get()

    def new_token(self) -> tuple[str, float]:
        """A new token from WeChat and its lifetime in seconds (called under the shared row's lock)."""
        result = self._fetch_access_token(url=f"{self.API_BASE_URL}token", params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
        return str(result["access_token"]), float(result.get("expires_in", 7200))


class WeChatApi:
    """The calls the channel and the sender make, as coroutines; failures raise WeChatApiError."""

    def __init__(self, settings: Settings, *, db: Database):
        assert settings.wechat_app_id and settings.wechat_app_secret, "the WeChat channel is configured"
        self._client = _Client(settings.wechat_app_id, settings.wechat_app_secret, api_base=settings.wechat_api_base,
                               db=db, timeout=TIMEOUT_SECONDS)

    async def send_text(self, openid: str, text: str) -> None:
        """Send a text message to the resident (WeChat allows it for 48 hours after their last message)."""
        await self._call("message/custom/send", self._client.message.send_text, openid, text)

    async def send_template(self, openid: str, template_id: str, data: dict[str, Any],
                            url: Optional[str] = None) -> None:
        """Send a template message (allowed whenever the resident follows the account)."""
        await self._call("message/template/send", self._client.message.send_template, openid, template_id, data, url)

    async def download_media(self, media_id: str) -> bytes:
        """The bytes of a resident's media file (a photo they sent); refused if larger than a photo may be."""
        response = await self._call("media/get", self._client.media.download, media_id)
        if not isinstance(response, requests.Response):  # a JSON answer that is no error: not a file
            raise WeChatApiError("media/get answered JSON, not a file")
        if len(response.content) > photos.MAX_PHOTO_BYTES:
            raise photos.PhotoRefused("photo_invalid")
        return response.content

    async def _call(self, name: str, call: Any, *args: Any) -> Any:
        return await asyncio.to_thread(self._call_renewing, name, call, *args)

    def _call_renewing(self, name: str, call: Any, *args: Any) -> Any:
        """Make the call; if WeChat refuses the token it carried, renew the token and make it again, at most twice (a
        first renewal may only catch up with the token another process stored, without asking WeChat)."""
        try:
            for renewals in range(MAX_RENEWALS + 1):
                token = self._client.shared.get()
                try:
                    return call(*args)
                except WeChatClientException as exc:
                    if exc.errcode not in TOKEN_REFUSED or renewals == MAX_RENEWALS:
                        raise
                self._client.shared.renew(stale=token)
            raise AssertionError("unreachable: the last renewal's refusal is raised")
        except WeChatClientException as exc:  # its message may quote the request; the code says enough
            raise WeChatApiError(f"{name}: WeChat error {exc.errcode}", exc.errcode) from None
        except requests.RequestException as exc:
            raise WeChatApiError(f"{name}: {type(exc).__name__}") from None
        except SQLAlchemyError as exc:  # the shared token could not be read or stored
            raise WeChatApiError(f"{name}: token store unavailable ({type(exc).__name__})") from None

    def close(self) -> None:
        """Close the client's HTTP connections."""
        self._client._http.close()
