"""The fake Bot API's update builders: what a test makes a user send (text, photo, location, button…)."""

from __future__ import annotations

import copy
import time
from typing import Any

from testkit.telegram.records import chat
from testkit.telegram.state import ServerState


class UpdateBuilders(ServerState):
    """Queue updates from users for the bot (getUpdates) and files for it to download."""

    def register_file(self, content: bytes, *, file_path: str | None = None) -> dict:
        """Store bytes to be served at the file URL; return the File dict (file_id, file_path…)."""
        with self._lock:
            return dict(self._store_file(content, file_path or "documents/file_{n}.bin"))

    def push_update(self, update: dict) -> dict:
        """Queue an update for getUpdates with the next update_id; return it."""
        with self._lock:
            self._last_update_id += 1
            update = {**update, "update_id": self._last_update_id}
        return self.push_raw_update(update)

    def push_raw_update(self, update: dict) -> dict:
        """Queue an update keeping its update_id (e.g. to deliver the same update twice)."""
        with self._lock:
            self._last_update_id = max(self._last_update_id, update["update_id"])
            if self.webhook_url is None:  # with a webhook set, tests post_update_to_webhook it
                self._updates.append([copy.deepcopy(update), False])
        return update

    def push_text(self, chat_id: int, text: str, *, user_id: int | None = None,
                  first_name: str = "Ana", language_code: str = "en") -> dict:
        """A user sends text (a leading /command gets its bot_command entity)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return self._push_message(chat_id, content, user_id, first_name, language_code)

    def push_location(self, chat_id: int, lat: float, lon: float, **sender) -> dict:
        """A user shares a location; sender takes push_text's user_id/first_name/language_code."""
        return self._push_message(chat_id, {"location": {"latitude": lat, "longitude": lon}},
                                  **sender)

    def push_photo(self, chat_id: int, image_bytes: bytes, *, caption: str | None = None,
                   **sender) -> dict:
        """A user sends a photo, offered in three sizes that all download as image_bytes."""
        sizes = []
        with self._lock:
            for side in (90, 320, 1280):
                file = self._store_file(image_bytes, "photos/file_{n}.jpg")
                sizes.append({"file_id": file["file_id"], "file_unique_id": file["file_unique_id"],
                              "width": side, "height": side, "file_size": len(image_bytes)})
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self._push_message(chat_id, content, **sender)

    def push_sticker(self, chat_id: int, emoji: str = "🙂", **sender) -> dict:
        """A user sends a sticker."""
        fields = {"type": "regular", "width": 512, "height": 512, "is_animated": False,
                  "is_video": False, "emoji": emoji}
        return self._push_file(chat_id, "sticker", b"RIFF\0\0\0\0WEBP", "stickers/file_{n}.webp",
                               fields, None, sender)

    def push_voice(self, chat_id: int, audio_bytes: bytes = b"OggS", *, duration: int = 1,
                   **sender) -> dict:
        """A user sends a voice note."""
        fields = {"duration": duration, "mime_type": "audio/ogg"}
        return self._push_file(chat_id, "voice", audio_bytes, "voice/file_{n}.oga", fields, None,
                               sender)

    def push_document(self, chat_id: int, content: bytes, *, file_name: str = "document.txt",
                      mime_type: str = "text/plain", caption: str | None = None,
                      **sender) -> dict:
        """A user sends a file."""
        fields = {"file_name": file_name, "mime_type": mime_type}
        return self._push_file(chat_id, "document", content, "documents/file_{n}_" + file_name,
                               fields, caption, sender)

    def push_callback(self, chat_id: int, data: str, message_id: int | None = None, *,
                      user_id: int | None = None, first_name: str = "Ana",
                      language_code: str = "en") -> dict:
        """A user presses an inline button on the bot's message `message_id`."""
        with self._lock:
            self._counter += 1
            query: dict[str, Any] = {
                "id": str(self._counter), "from": self._user(chat_id, user_id, first_name,
                                                             language_code),
                "chat_instance": str(chat_id), "data": data}
            if message_id is not None:
                query["message"] = copy.deepcopy(self._messages.get((chat_id, message_id)) or {
                    "message_id": message_id, "date": int(time.time()), "chat": chat(chat_id),
                    "from": self.bot_user, "text": ""})
        return self.push_update({"callback_query": query})

    def _push_file(self, chat_id: int, kind: str, content: bytes, path_pattern: str,
                   fields: dict, caption: str | None, sender: dict) -> dict:
        """Register a file and push a user message carrying it as `kind` (voice, document…)."""
        file = self.register_file(content, file_path=path_pattern)
        message: dict[str, Any] = {kind: {"file_id": file["file_id"], "file_size": len(content),
                                          "file_unique_id": file["file_unique_id"], **fields}}
        if caption is not None:
            message["caption"] = caption
        return self._push_message(chat_id, message, **sender)

    def _push_message(self, chat_id: int, content: dict, user_id: int | None = None,
                      first_name: str = "Ana", language_code: str = "en") -> dict:
        """Create a user message in the chat and queue it as an update."""
        with self._lock:
            sender = self._user(chat_id, user_id, first_name, language_code)
            message = self._new_message(chat_id, sender, content)
        return self.push_update({"message": message})
