"""WeChat's server API through wechatpy's client: customer-service text messages and media downloads.

wechatpy's client is synchronous (requests), so every call runs in a worker thread. It fetches the access
token when it has none or it is about to expire, and once more when WeChat says it expired; the token is
kept in a session storage that the process's clients share (one fetch per process, not per call).
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage

from bot import photos
from huiyin.settings import Settings

TIMEOUT_SECONDS = 10.0


class WeChatApiError(Exception):
    """WeChat refused a call or could not be reached; the message says which call and WeChat's error code."""


class _Client(WeChatClient):
    """wechatpy's client with every URL under WECHAT_API_BASE (its token URL is fixed to WeChat's own host)."""

    def __init__(self, app_id: str, secret: str, *, api_base: str, storage: SessionStorage, timeout: float):
        super().__init__(app_id, secret, session=storage, timeout=timeout)
        self.API_BASE_URL = f"{api_base.rstrip('/')}/cgi-bin/"

    def fetch_access_token(self) -> Any:
        return self._fetch_access_token(url=f"{self.API_BASE_URL}token", params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})


def new_token_storage() -> SessionStorage:
    """Where a process keeps its access token (in memory: shared by the process's clients, not across processes)."""
    return MemoryStorage()


class WeChatApi:
    """The calls the channel makes, as coroutines; failures raise WeChatApiError."""

    def __init__(self, settings: Settings, *, storage: Optional[SessionStorage] = None):
        assert settings.wechat_app_id and settings.wechat_app_secret, "the WeChat channel is configured"
        self._client = _Client(settings.wechat_app_id, settings.wechat_app_secret, api_base=settings.wechat_api_base,
                               storage=storage or new_token_storage(), timeout=TIMEOUT_SECONDS)

    async def send_text(self, openid: str, text: str) -> None:
        """Send a text message to the resident (WeChat allows it for 48 hours after their last message)."""
        await self._call("message/custom/send", self._client.message.send_text, openid, text)

    async def download_media(self, media_id: str) -> bytes:
        """The bytes of a resident's media file (a photo they sent); refused if larger than a photo may be."""
        response = await self._call("media/get", self._client.media.download, media_id)
        if not isinstance(response, requests.Response):  # a JSON answer that is no error: not a file
            raise WeChatApiError("media/get answered JSON, not a file")
        if len(response.content) > photos.MAX_PHOTO_BYTES:
            raise photos.PhotoRefused("photo_invalid")
        return response.content

    async def _call(self, name: str, call: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(call, *args)
        except WeChatClientException as exc:  # its message may quote the request; the code says enough
            raise WeChatApiError(f"{name}: WeChat error {exc.errcode}") from None
        except requests.RequestException as exc:
            raise WeChatApiError(f"{name}: {type(exc).__name__}") from None

    def close(self) -> None:
        """Close the client's HTTP connections."""
        self._client._http.close()
