"""WeChat's calls to our channel, as WeChat's server makes them: signed URLs, XML bodies, AES in safe mode."""

from __future__ import annotations

import io
import itertools
import secrets
import time
from typing import Optional
from xml.sax.saxutils import escape

import httpx
from PIL import Image
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

ACCOUNT = "gh_huiyin_test"  # the Official Account's own id (ToUserName)


def signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted parts joined."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def gps_jpeg(latitude: float = 31.2304, longitude: float = 121.4737) -> bytes:
    """A small JPEG whose EXIF holds a GPS position (as a phone's camera writes it)."""
    def dms(value: float) -> tuple[float, float, float]:
        degrees, rest = int(value), (value - int(value)) * 60
        return float(degrees), float(int(rest)), round((rest - int(rest)) * 60, 4)

    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: dms(latitude), 3: "E", 4: dms(longitude)}
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (180, 60, 40)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


class WeChatCaller:
    """Calls an app's /wechat the way WeChat does, with the account's token (and EncodingAESKey: safe mode)."""

    def __init__(self, client: httpx.AsyncClient, *, token: str, app_id: str, aes_key: Optional[str] = None,
                 path: str = "/wechat"):
        self.client, self.token, self.path = client, token, path
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self._ids = itertools.count(int(time.time() * 1000))

    def signed_query(self, *, token: Optional[str] = None) -> dict[str, str]:
        """timestamp, nonce and their signature (with another token: a forged call)."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        return {"timestamp": timestamp, "nonce": nonce, "signature": signature(token or self.token, timestamp, nonce)}

    async def verify(self, echostr: str, *, token: Optional[str] = None) -> httpx.Response:
        """The admin console's URL check."""
        return await self.client.get(self.path, params={**self.signed_query(token=token), "echostr": echostr})

    async def post_xml(self, xml: str, *, token: Optional[str] = None) -> httpx.Response:
        """POST a message's XML, encrypted and signed again in safe mode."""
        query = self.signed_query(token=token)
        body = xml
        if self.crypto is not None:
            body = self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
            encrypted = body.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
            query.update(encrypt_type="aes", msg_signature=signature(token or self.token, query["timestamp"],
                                                                     query["nonce"], encrypted))
        return await self.client.post(self.path, params=query, content=body.encode(),
                                      headers={"content-type": "text/xml"})

    def next_id(self) -> int:
        """A new MsgId."""
        return next(self._ids)

    @staticmethod
    def envelope(openid: str, msg_type: str, fields: str, *, created: Optional[int] = None) -> str:
        """A message's XML with WeChat's common fields."""
        return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
                f"</FromUserName><CreateTime>{created or int(time.time())}</CreateTime>"
                f"<MsgType><![CDATA[{msg_type}]]></MsgType>{fields}</xml>")

    def text_xml(self, openid: str, text: str, *, msg_id: Optional[int] = None, created: Optional[int] = None) -> str:
        """A text message (written at `created`, seconds since 1970: now unless given)."""
        return self.envelope(openid, "text", f"<Content>{escape(text)}</Content>"
                                             f"<MsgId>{msg_id or self.next_id()}</MsgId>", created=created)

    async def text(self, openid: str, text: str, *, msg_id: Optional[int] = None,
                   created: Optional[int] = None) -> httpx.Response:
        """The resident types `text`."""
        return await self.post_xml(self.text_xml(openid, text, msg_id=msg_id, created=created))

    async def image(self, openid: str, media_id: str) -> httpx.Response:
        """The resident sends a photo (uploaded to WeChat as `media_id`)."""
        return await self.post_xml(self.envelope(openid, "image", f"<PicUrl><![CDATA[http://mmbiz.example/x]]>"
                                                 f"</PicUrl><MediaId><![CDATA[{media_id}]]></MediaId>"
                                                 f"<MsgId>{self.next_id()}</MsgId>"))

    async def location(self, openid: str, latitude: float, longitude: float, label: str = "") -> httpx.Response:
        """The resident shares a location (Location_X is the latitude)."""
        return await self.post_xml(self.envelope(openid, "location", (
            f"<Location_X>{latitude}</Location_X><Location_Y>{longitude}</Location_Y><Scale>15</Scale>"
            f"<Label><![CDATA[{label}]]></Label><MsgId>{self.next_id()}</MsgId>")))

    async def event(self, openid: str, event: str, key: str = "", *, created: Optional[int] = None) -> httpx.Response:
        """An event: subscribe, unsubscribe, CLICK (a menu item's key)..."""
        fields = f"<Event><![CDATA[{event}]]></Event>" + (f"<EventKey><![CDATA[{key}]]></EventKey>" if key else "")
        return await self.post_xml(self.envelope(openid, "event", fields, created=created))
