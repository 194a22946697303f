"""What the whole-loop tests share: the staff command line and the scheduler process against the stack, the bot's
settings on it, and helpers to push an update and read the bot's answer."""

from __future__ import annotations

import asyncio
import io
import os
import re
import subprocess

from PIL import Image

from testkit.stack import APP_PYTHON, PROJECT_ROOT
from testkit.telegram import FakeTelegramServer
from tests.city import QUIET_HOURS_OFF_ENV

REFERENCE = re.compile(r"\bHY-\d{4}-\d{5}\b")
WAIT = 30.0
# A tiny but valid JPEG (1x1 pixel).
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c"
    "20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f000001050101010101010000"
    "0000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191"
    "a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a"
    "737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8"
    "d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)


def staff(stack, *args: str) -> str:
    """Run the staff command line against the stack's database, as staff would."""
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "MEDIA_DIR": str(stack.media_dir),
        "TIMEZONE": "Asia/Shanghai",
        "TELEGRAM_BOT_TOKEN": "",
        **QUIET_HOURS_OFF_ENV,
    }
    done = subprocess.run(
        [str(APP_PYTHON), "-m", "huiyin", *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def start_scheduler(stack, fake: FakeTelegramServer, log_path) -> subprocess.Popen:
    """The real scheduler process (`python -m jobs`), sending through the fake Bot API."""
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "MEDIA_DIR": str(stack.media_dir),
        "TIMEZONE": "Asia/Shanghai",
        "TELEGRAM_BOT_TOKEN": fake.token or "",
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_FILE_BASE_URL": fake.base_file_url,
        "PUSH_INTERVAL_SECONDS": "0.5",
        **QUIET_HOURS_OFF_ENV,
    }
    return subprocess.Popen(
        [str(APP_PYTHON), "-m", "jobs"], env=env, cwd=PROJECT_ROOT, stdout=log_path.open("w"), stderr=subprocess.STDOUT
    )


def bot_settings(stack, fake: FakeTelegramServer):
    """The bot's settings on the stack, talking to the fake Bot API."""
    return stack.settings(telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url,
                          telegram_file_base_url=fake.base_file_url, media_dir=stack.media_dir)


async def bot_idle(app) -> None:
    """Wait until the bot has no update queued or in hand (a turn may have several messages, paced 1 s apart)."""
    deadline, calm = asyncio.get_running_loop().time() + WAIT, 0
    while calm < 3:  # three looks in a row, so an update between queue and processor is seen
        assert asyncio.get_running_loop().time() < deadline, "the bot never finished its turn"
        busy = app.update_processor.current_concurrent_updates or app.bot_data["dispatcher"].busy
        calm = 0 if busy else calm + 1
        await asyncio.sleep(0.01)


async def answer(app, fake, chat: int, push) -> list:
    """Push an update and return the bot's new messages once it has finished answering."""
    before = len(fake.sent_messages(chat))
    push()
    await fake.wait_for_messages(chat, before + 1, timeout=WAIT)
    await bot_idle(app)
    return fake.sent_messages(chat)[before:]


def button_payloads(messages) -> list[str]:
    """Every button payload offered in these messages."""
    return [
        b["callback_data"] for m in messages for row in (m.reply_markup or {}).get("inline_keyboard", []) for b in row
    ]


def last_with_buttons(messages):
    """The last message that carries a keyboard."""
    return [m for m in messages if (m.reply_markup or {}).get("inline_keyboard")][-1]


def jpeg_taken_at(latitude: float, longitude: float) -> bytes:
    """A JPEG whose EXIF says where it was taken (as a phone's camera writes it: degrees, minutes, seconds)."""
    def dms(value: float) -> tuple[float, float, float]:
        minutes = (value - int(value)) * 60
        return float(int(value)), float(int(minutes)), round((minutes - int(minutes)) * 60, 2)

    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: dms(latitude), 3: "E", 4: dms(longitude)})
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (90, 90, 90)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()
