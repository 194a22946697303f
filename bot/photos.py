"""Residents' photos, for every channel: decoded and re-encoded before they are stored, and stored only with room
to spare.

Only the first bytes of an upload used to be checked, so a file could start like a JPEG and carry HTML
or anything else. Re-encoding keeps the pixels and a PNG's transparency, and drops everything else:
EXIF (GPS position, camera serial numbers, dates), comments, text chunks, profiles, trailing bytes.
The EXIF orientation is applied to the pixels first, so the picture stays upright, and the GPS
position is read out (CleanPhoto.gps) before the EXIF block is dropped.
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

from PIL import Image, ImageOps, JpegImagePlugin

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
    gps: Optional[tuple[float, float]] = None  # (latitude, longitude) from the original's EXIF, if any


GPS_IFD = 0x8825


def _degrees(value, reference) -> Optional[float]:
    """EXIF degrees, minutes, seconds and N/S/E/W as a signed decimal, or None."""
    degrees, minutes, seconds = (float(part) for part in value)
    decimal = degrees + minutes / 60 + seconds / 3600
    return -decimal if str(reference).strip().upper() in ("S", "W") else decimal


def exif_position(image: Image.Image) -> Optional[tuple[float, float]]:
    """The GPS position in the image's EXIF as (latitude, longitude), or None (absent, unreadable, out of range)."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
        latitude, longitude = _degrees(gps[2], gps.get(1, "N")), _degrees(gps[4], gps.get(3, "E"))
    except Exception:  # noqa: BLE001 - no GPS, or GPS we cannot read: no position
        return None
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    if latitude == 0 and longitude == 0:
        return None  # cameras write zeros when they had no fix
    return round(latitude, 6), round(longitude, 6)


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
            gps = exif_position(source)
            # The orientation applied to the pixels, so dropping the EXIF block leaves the picture upright.
            pixels = ImageOps.exif_transpose(source) or source.copy()
    except PhotoRefused:
        raise
    except Exception:  # noqa: BLE001 - Pillow raises many types on hostile input; all mean "not a photo"
        raise PhotoRefused("photo_invalid") from None
    pixels.info = {}  # nothing of the original's metadata comes along unless named below
    options: dict = {}
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
    return CleanPhoto(out.getvalue(), FORMATS[source.format], gps)


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
