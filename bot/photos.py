"""Residents' photos, for every channel: decoded and re-encoded before they are stored, and stored only with room
to spare.

Only the first bytes of an upload used to be checked, so a file could start like a JPEG and carry HTML
or anything else. Re-encoding keeps the pixels, the EXIF block (GPS position and orientation are
needed later) and a PNG's transparency, and drops everything else: comments, text chunks, profiles,
trailing bytes.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Optional

from PIL import Image, JpegImagePlugin

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# 40 megapixels: every phone camera's default output, and at most ~160 MB decoded (RGBA), which the
# 2-core, few-GB machines we run on can afford for one photo at a time.
MAX_PHOTO_PIXELS = 40_000_000
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Markup a browser would run if it ever sniffed the file as HTML; no real photo carries these.
_MARKUP = re.compile(rb"<(?:script|html|body|iframe|svg|object|embed|!doctype)[\s>/]", re.IGNORECASE)


class PhotoRefused(Exception):
    """A photo we do not store; `reason` is the bot/texts.py key of the answer to give."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo and the file extension of its format."""

    data: bytes
    extension: str


def _exif_bytes(image: Image.Image) -> bytes:
    """The image's EXIF block re-serialised (IFD0 with the Exif and GPS IFDs; no thumbnail), or b""."""
    try:
        exif = image.getexif()
        return exif.tobytes() if len(exif) else b""
    except Exception:  # noqa: BLE001 - EXIF we cannot parse is dropped, the photo itself is still good
        return b""


def clean_photo(data: bytes, *, max_pixels: int = MAX_PHOTO_PIXELS) -> CleanPhoto:
    """`data` decoded (JPEG, PNG or WebP only) and re-encoded in the same format; else PhotoRefused("photo_invalid")."""
    if not data or len(data) > MAX_PHOTO_BYTES or _MARKUP.search(data):
        raise PhotoRefused("photo_invalid")
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own pixel limit; the explicit check below is what holds
            # (catch_warnings is not thread-safe, so this is a second line, not the first).
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(data), formats=list(FORMATS))
            width, height = source.size
            if width < 1 or height < 1 or width * height > max_pixels:
                raise PhotoRefused("photo_invalid")
            source.seek(0)  # an animated PNG or WebP: its first frame
            source.load()
            pixels = source.copy()
    except PhotoRefused:
        raise
    except Exception:  # noqa: BLE001 - Pillow raises many types on hostile input; all mean "not a photo"
        raise PhotoRefused("photo_invalid") from None
    pixels.info = {}  # nothing of the original's metadata comes along unless named below
    options: dict = {"exif": _exif_bytes(source)}
    if source.format == "JPEG":
        assert isinstance(source, JpegImagePlugin.JpegImageFile)  # what Pillow opens a JPEG as
        # The original's quantisation tables and subsampling: the same quality, no visible loss.
        options.update(qtables=source.quantization, subsampling=JpegImagePlugin.get_sampling(source))
        if options["subsampling"] == -1:
            del options["subsampling"]
    elif source.format == "PNG":
        if source.info.get("transparency") is not None:
            options["transparency"] = source.info["transparency"]
    else:
        options.update(quality=90, method=4)
    out = io.BytesIO()
    try:
        pixels.save(out, format=source.format, **options)
    except Exception:  # noqa: BLE001 - a mode the format cannot write back (rare): refuse rather than guess
        raise PhotoRefused("photo_invalid") from None
    assert source.format is not None  # opened with formats=FORMATS: one of them
    return CleanPhoto(out.getvalue(), FORMATS[source.format])


def has_room(media_dir: Path, min_free_mb: float) -> bool:
    """Whether the media directory's filesystem has at least `min_free_mb` free."""
    media_dir.mkdir(parents=True, exist_ok=True)
    return shutil.disk_usage(media_dir).free >= min_free_mb * 1024 * 1024


def store_photo(media_dir: Path, photo: CleanPhoto, *, channel: str, when: datetime,
                name: Optional[str] = None, min_free_mb: float = 0) -> str:
    """Write a cleaned photo under `media_dir/channel/YYYY/MM/`; its path relative to `media_dir`.

    Raises PhotoRefused("photo_no_room") when the disk is nearly full. The file appears whole or not
    at all (written aside, then renamed), so a crash never leaves half a photo under a real name.
    """
    if not has_room(media_dir, min_free_mb + len(photo.data) / (1024 * 1024)):
        raise PhotoRefused("photo_no_room")
    relative = PurePosixPath(channel, f"{when:%Y}", f"{when:%m}",
                             f"{name or secrets.token_urlsafe(16)}.{photo.extension}")
    target = media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        with open(temporary, "xb") as file:
            file.write(photo.data)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return relative.as_posix()
