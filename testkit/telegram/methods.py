"""The fake Bot API's methods: getUpdates, webhooks, sending, files and edits."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from starlette.requests import Request

from testkit.telegram.records import POLL_STEP, ApiError, SentMessage
from testkit.telegram.state import ServerState


class BotMethods(ServerState):
    """The Bot API methods the fake implements (the server dispatches to them)."""

    async def _get_updates(self, params: dict, request: Request) -> list[dict]:
        """Long-poll: confirm updates below offset, return pending ones or wait up to timeout."""
        offset, limit = params.get("offset") or 0, params.get("limit") or 100
        deadline = time.monotonic() + (params.get("timeout") or 0)
        with self._lock:
            if self.webhook_url is not None:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                     "active; use deleteWebhook to delete the webhook first")
            self._poll_generation += 1
            generation = self._poll_generation
            self._updates = [e for e in self._updates if not (e[1] and e[0]["update_id"] < offset)]
        while True:
            with self._lock:
                if generation != self._poll_generation:
                    raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                         "make sure that only one bot instance is running")
                ready = sorted(self._updates, key=lambda e: e[0]["update_id"])[:limit]
                if ready or self._closing or time.monotonic() >= deadline:
                    for entry in ready:
                        entry[1] = True
                    return [copy.deepcopy(entry[0]) for entry in ready]
            if await request.is_disconnected():
                return []
            await asyncio.sleep(POLL_STEP)

    def _delete_webhook(self, params: dict) -> bool:
        """deleteWebhook, optionally dropping pending updates."""
        self.webhook_url = self.webhook_secret = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _set_webhook(self, params: dict) -> bool:
        """setWebhook: remember url and secret_token."""
        self.webhook_url, self.webhook_secret = params["url"], params.get("secret_token")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: dict) -> dict:
        """getWebhookInfo."""
        return {"url": self.webhook_url or "", "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    def _bot_message(self, method: str, params: dict, content: dict) -> dict:
        """Store and record a message the bot sent; return it as a Message dict."""
        chat_id = params["chat_id"]
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        message = self._new_message(chat_id, self.bot_user, content)
        sent = SentMessage(chat_id, message["message_id"], content.get("text", content.get("caption")), markup,
                           method, time.monotonic(), params)
        self._sent.append(sent)
        self._sent_by_chat.setdefault(chat_id, []).append(sent)
        return message

    def _send_message(self, params: dict) -> dict:
        """sendMessage."""
        text = params.get("text") or ""
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._bot_message("sendMessage", params, {"text": text})

    def _send_photo(self, params: dict) -> dict:
        """sendPhoto with uploaded bytes or a known file_id."""
        photo = params.get("photo")
        if isinstance(photo, bytes):
            file = self._store_file(photo, "photos/file_{n}.jpg")
        elif photo in self._files:
            file = self._files[photo]
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        size = {"file_id": file["file_id"], "file_unique_id": file["file_unique_id"],
                "width": 1280, "height": 1280, "file_size": file["file_size"]}
        content: dict[str, Any] = {"photo": [size]}
        if params.get("caption") is not None:
            content["caption"] = params["caption"]
        return self._bot_message("sendPhoto", params, content)

    def _send_document(self, params: dict) -> dict:
        """sendDocument with uploaded bytes (kept in params["document"]; the name in params["_filenames"])."""
        document = params.get("document")
        if not isinstance(document, bytes) or not document:
            raise ApiError(400, "Bad Request: file must be non-empty")
        name = (params.get("_filenames") or {}).get("document") or "file"
        file = self._store_file(document, f"documents/file_{{n}}_{name}")
        content: dict[str, Any] = {"document": {"file_id": file["file_id"], "file_unique_id": file["file_unique_id"],
                                                "file_name": name, "file_size": file["file_size"]}}
        if params.get("caption") is not None:
            content["caption"] = params["caption"]
        return self._bot_message("sendDocument", params, content)

    def _get_file(self, params: dict) -> dict:
        """getFile for a registered file_id."""
        file = self._files.get(params.get("file_id"))
        if file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return dict(file)

    def _edit(self, params: dict, changes: dict) -> dict | bool:
        """Apply an edit to a stored message, refusing no-op edits like Telegram."""
        if "inline_message_id" in params:
            return True
        message = self._messages.get((params.get("chat_id"), params.get("message_id")))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        new = {k: v for k, v in {**message, **changes}.items() if v is not None}
        if new == message:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                 "content and reply markup are exactly the same as a current "
                                 "content and reply markup of the message")
        message.clear()
        message.update(new, edit_date=int(time.time()))
        return copy.deepcopy(message)

    def _edit_message_text(self, params: dict) -> dict | bool:
        """editMessageText."""
        return self._edit(params, {"text": params.get("text"),
                                   "reply_markup": params.get("reply_markup")})

    def _edit_reply_markup(self, params: dict) -> dict | bool:
        """editMessageReplyMarkup (no reply_markup removes the keyboard)."""
        return self._edit(params, {"reply_markup": params.get("reply_markup")})
