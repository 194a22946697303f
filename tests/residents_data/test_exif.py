"""Photos' EXIF: the GPS position is read out, orientation applied, and nothing of the EXIF block is stored."""

from __future__ import annotations

import io

from PIL import Image

from bot.photos import clean_photo, exif_position

GPS_IFD, ORIENTATION, SERIAL = 0x8825, 0x0112, 0xA431


def jpeg(*, gps: bool = True, orientation: int | None = None, size=(40, 20)) -> bytes:
    """A JPEG with GPS (31°13'49.5"N 121°28'25.4"E), a camera serial number and maybe an orientation."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue: shows which way it turned
    exif = Image.Exif()
    exif[0x010F] = "PhoneCo"
    exif.get_ifd(0x8769)[SERIAL] = "SN-123456789"
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 13.0, 49.5), 3: "E", 4: (121.0, 28.0, 25.4)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def test_gps_is_read_and_every_exif_field_dropped():
    original = jpeg()
    assert exif_position(Image.open(io.BytesIO(original))) == (31.230417, 121.473722)
    clean = clean_photo(original)
    assert clean.gps == (31.230417, 121.473722)
    stored = Image.open(io.BytesIO(clean.data))
    assert len(stored.getexif()) == 0 and "exif" not in stored.info
    assert b"SN-123456789" not in clean.data and b"PhoneCo" not in clean.data


def test_orientation_is_applied_before_the_exif_goes():
    clean = clean_photo(jpeg(orientation=6))  # "rotate 90° clockwise to view"
    stored = Image.open(io.BytesIO(clean.data))
    assert stored.size == (20, 40) and len(stored.getexif()) == 0


def test_a_photo_without_exif_has_no_position_and_keeps_its_pixels():
    plain = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(plain, format="PNG")
    clean = clean_photo(plain.getvalue())
    assert clean.gps is None and Image.open(io.BytesIO(clean.data)).getpixel((3, 3))[:3] == (10, 200, 10)
    assert clean_photo(jpeg(gps=False)).gps is None
