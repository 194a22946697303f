"""A WeChat message's turn, run after WeChat has had its answer: the message to Rasa, the replies as
customer-service messages.

WeChat waits 5 seconds for an answer and then retries, so the route stores the message and answers "success" at
once (bot/wechat/inbox.py); the dispatcher then runs its turn here, a resident's turns one after another in the
order their messages came, on whichever worker holds the resident's lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Optional, TypeVar

from wechatpy import parse_message

from bot import inbound, photos, resident_data, texts
from bot.conversation import confirm_delivered, converse, urgent_answer
from bot.rasa_client import RasaClient, Reply
from bot.wechat import choices, records
from bot.wechat.api import WeChatApi, WeChatApiError
from cases.guards.privacy import resident_tag
from cases.residents import sender_id
from cases.store.db import Database
from huiyin.settings import Settings

log = logging.getLogger("bot.wechat")
T = TypeVar("T")

# What WeChat calls the message types we cannot read, in texts.MEDIA_NAMES' terms.
UNSUPPORTED = {"voice": "voice", "video": "video", "shortvideo": "video", "link": "other", "miniprogrampage": "other"}
SUBSCRIBE_EVENTS = frozenset({"subscribe", "subscribe_scan"})
MY_DATA_PATH = "/mydata"  # "my data" links: WECHAT_PUBLIC_URL (the server URL, e.g. https://…/wechat) + this + token


class Turns:
    """What every turn needs (settings, database, Rasa, WeChat's API), and the handling of one stored message."""

    def __init__(self, *, settings: Settings, db: Database, rasa: RasaClient, api: WeChatApi):
        self.settings, self.db, self.rasa, self.api = settings, db, rasa, api

    async def handle(self, payload: str) -> None:
        """Run the turn of a stored WeChat message (its XML); a failure is logged and the resident apologised to."""
        message = parse_message(payload)
        openid = str(message.source)
        try:
            await Turn(self, openid).handle(message)
        except Exception:  # logged with its trace; the resident gets an apology if WeChat still takes messages
            log.exception("a WeChat turn of resident %s failed", resident_tag(records.CHANNEL, openid))
            await Turn(self, openid).say(texts.text("unavailable", self.settings.wechat_language), quiet=True)


class Turn:
    """One call's handling for one resident."""

    def __init__(self, turns: Turns, openid: str):
        self.turns, self.openid = turns, openid
        self.settings, self.db = turns.settings, turns.db
        self.sender = sender_id(records.CHANNEL, openid)
        self.language = self.settings.wechat_language

    async def _db(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(work, self.db, *args, **kwargs)

    async def handle(self, message: Any) -> None:
        """Events first (no resident needed for an unsubscription), then the resident's messages."""
        if message.type == "event":
            await self.on_event(message)
            return
        admitted = await self._db(records.admit, self.openid, self.settings.wechat_language)
        self.language = admitted.language
        if admitted.in_handoff and await self.relay(message):
            return
        said = await self.rasa_message(message, admitted.offered)
        if said is not None:
            await self.answer(said)

    async def on_event(self, event: Any) -> None:
        """Subscribe: the greeting (as /start gives); unsubscribe: unreachable; a menu click: its payload."""
        if event.event in SUBSCRIBE_EVENTS:
            self.language = await self._db(records.subscribed, self.openid, self.settings.wechat_language)
            await self.answer(inbound.command_message("start") or "/greet")
        elif event.event == "unsubscribe":
            await self._db(records.unsubscribed, self.openid)
        elif event.event == "click":
            admitted = await self._db(records.admit, self.openid, self.settings.wechat_language)
            self.language = admitted.language
            payload = inbound.button_payload(event.key, self.settings.reference_prefix)
            if payload is None:  # a menu set up with a key that is not one of our payloads
                log.warning("WeChat menu key %r is not a payload we take", str(event.key)[:60])
                await self.say(texts.text("button_expired", self.language))
            elif admitted.in_handoff and await self._db(records.relay_message, self.openid,
                                                        text=f"[menu: {payload}]"):
                return
            else:
                await self.answer(payload)
        else:  # a menu link opened, the periodic location report...: no answer, but the window opens again
            await self._db(records.heard_from, self.openid)

    async def rasa_message(self, message: Any, offered: list[choices.Choice]) -> Optional[str]:
        """What to send Rasa for a message, or None when the channel has already answered it."""
        if message.type == "text":
            raw = str(message.content or "")
            picked = choices.chosen(raw, offered)
            if picked is not None:
                return picked
            text = inbound.resident_text(raw)
            if not text:
                await self.say(texts.text("empty", self.language))
                return None
            if len(raw.strip()) > inbound.MAX_TEXT_LENGTH:
                await self.say(texts.text("too_long", self.language))
            return text
        if message.type == "location":
            try:
                return inbound.location_message(float(message.location_x), float(message.location_y))
            except (TypeError, ValueError):
                await self.say(texts.text("empty", self.language))
                return None
        if message.type == "image":
            saved = await self.save_photo(message)
            return None if saved is None else inbound.photo_message(*saved)
        await self.say(texts.unsupported(UNSUPPORTED.get(message.type, "other"), self.language))
        return None

    async def save_photo(self, message: Any) -> Optional[tuple[str, Optional[tuple[float, float]]]]:
        """Download a photo through the media API and store it as every channel does (bot/photos.py: re-encoded,
        EXIF dropped, its GPS position read first); None if refused or failed (the resident was told)."""
        settings = self.settings
        try:
            data = await self.turns.api.download_media(str(message.media_id))
            clean = await asyncio.to_thread(photos.clean_photo, data)
            when = datetime.fromtimestamp(int(message.time or 0), timezone.utc)
            path = await asyncio.to_thread(photos.store_photo, settings.media_path(), clean, channel=records.CHANNEL,
                                           when=when, min_free_mb=settings.media_min_free_mb)
        except photos.PhotoRefused as refused:
            await self.say(texts.text(refused.reason, self.language))
            return None
        except (WeChatApiError, OSError, ValueError) as exc:
            log.warning("a photo from resident %s was not saved: %s", resident_tag(records.CHANNEL, self.openid), exc)
            await self.say(texts.text("photo_failed", self.language))
            return None
        return path, clean.gps

    async def relay(self, message: Any) -> bool:
        """During a live chat the message goes to the person (an urgent answer at once); False if it just ended."""
        fields: dict[str, Any] = {}
        if message.type == "text":
            fields["text"] = str(message.content or "")
        elif message.type == "location":
            fields.update(latitude=float(message.location_x), longitude=float(message.location_y))
        elif message.type == "image":
            saved = await self.save_photo(message)
            if saved is None:
                return True
            fields["photo_path"] = saved[0]
        else:
            fields["text"] = f"[{UNSUPPORTED.get(message.type, 'other')}]"
        if not await self._db(records.relay_message, self.openid, **fields):
            return False
        urgent = urgent_answer(fields.get("text"), self.language)
        if urgent:
            await self.say(urgent)
        return True

    async def answer(self, message: str) -> None:
        """Rasa's answer (or the channel's own, for the resident's data) sent as numbered-choice texts."""
        request = inbound.data_request(message)
        if request == "my_data":  # customer-service messages carry no files: a link to the export instead
            await self.my_data()
            return
        if request is not None:
            turn = await resident_data.answer_data_request(self.db, self.settings, sender=self.sender,
                                                           request=request, language=self.language)
            await self.deliver(turn.replies, remember=not turn.forgotten)
            return
        notice = await resident_data.notice_reply(self.db, self.settings, sender=self.sender)
        if notice is not None:  # first contact: the privacy notice, a message of its own before the answer
            await self.deliver([notice], remember=False)
        replies = await converse(self.turns.rasa, sender=self.sender, message=message, language=self.language)
        answered = replies != [Reply(text=texts.text("unavailable", self.language))]
        # An apology keeps the choices offered before it, so the resident can simply send their number again.
        if await self.deliver(replies, remember=answered):
            await confirm_delivered(self.db, sender=self.sender, messages=[r.text for r in replies],
                                    prefix=self.settings.reference_prefix)

    async def my_data(self) -> None:
        """A single-use link to the resident's export, opened in WeChat's browser (bot/wechat/app.py serves it);
        without WECHAT_PUBLIC_URL there is no address to link to, and the service desk is named instead."""
        public_url = self.settings.wechat_public_url
        if not public_url:
            await self.say(texts.text("export_wechat", self.language))
            return
        reply = await resident_data.export_link_reply(self.db, self.settings, sender=self.sender,
                                                      base_url=f"{public_url}{MY_DATA_PATH}", language=self.language)
        await self.deliver([reply])

    async def deliver(self, replies: list[Reply], *, remember: bool = True) -> bool:
        """Send replies with their buttons as numbered choices (remembered for the resident's next message);
        whether WeChat took them all."""
        if remember:
            await self._db(records.offer, self.openid, choices.choices_in(replies))
        sent = True
        for text in choices.render(replies, self.language):
            sent = await self.say(text) and sent
        return sent

    async def say(self, text: str, *, quiet: bool = False) -> bool:
        """Send one text; whether WeChat took it (a refusal is logged: e.g. 48 hours without a message from them)."""
        try:
            await self.turns.api.send_text(self.openid, text)
            return True
        except WeChatApiError as exc:
            if not quiet:
                log.warning("a message to resident %s was not sent: %s",
                            resident_tag(records.CHANNEL, self.openid), exc)
            return False
