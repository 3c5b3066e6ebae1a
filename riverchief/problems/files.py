"""Checks on uploaded evidence: type by content (not by name), size limits, EXIF time and GPS."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError

# Default limits in MB; settings.RIVERCHIEF_PROBLEM_FILE_LIMITS_MB overrides any of them.
DEFAULT_LIMITS_MB = {"image": 20, "video": 200, "document": 50}
MAX_FILES_PER_REQUEST = 20

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
# Pillow's format -> (content type, suffix the file is stored under)
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
# suffix -> (content type, accepted leading bytes); ISO media files carry "ftyp" at byte 4.
VIDEO_SUFFIXES = {
    ".mp4": ("video/mp4", ()),
    ".m4v": ("video/mp4", ()),
    ".mov": ("video/quicktime", ()),
    ".3gp": ("video/3gpp", ()),
}
ZIP, OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
DOCUMENT_SUFFIXES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (ZIP,),
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    ".doc": ("application/msword", (OLE,)),
    ".xls": ("application/vnd.ms-excel", (OLE,)),
    ".ofd": ("application/ofd", (ZIP,)),
}

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL, DATETIME_DIGITIZED, DATETIME, OFFSET_ORIGINAL = 36867, 36868, 306, 36881


class TooLarge(DomainError):
    status = 413
    code = "too_large"


@dataclass
class Checked:
    """An upload that passed the checks, with what was learnt from it."""

    upload: object
    name: str
    stored_name: str
    kind: str
    content_type: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None
    exif_time: dt.datetime | None = None
    exif_lon: float | None = None
    exif_lat: float | None = None


def limit_bytes(kind: str) -> int:
    limits = {**DEFAULT_LIMITS_MB, **getattr(settings, "RIVERCHIEF_PROBLEM_FILE_LIMITS_MB", {})}
    return int(limits[kind] * 1024 * 1024)


def kind_of(name: str) -> str | None:
    suffix = Path(name).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    if suffix in DOCUMENT_SUFFIXES:
        return "document"
    return None


def check(upload, field: str = "files") -> Checked:
    """Validate one uploaded file; raise 400 for a wrong type, 413 for one too large."""
    name = Path(upload.name or "file").name[:200]
    kind = kind_of(name)
    if kind is None:
        accepted = sorted(IMAGE_SUFFIXES | set(VIDEO_SUFFIXES) | set(DOCUMENT_SUFFIXES))
        raise DomainError(
            _("Files of this type are not accepted (%(types)s)."),
            field=field,
            params={"types": " ".join(accepted)},
            code="file_type",
        )
    if upload.size > limit_bytes(kind):
        raise TooLarge(
            _("The file is larger than %(mb)d MB."),
            field=field,
            params={"mb": limit_bytes(kind) // (1024 * 1024)},
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    sha = digest.hexdigest()
    suffix = Path(name).suffix.lower()
    if kind == "image":
        checked = _check_image(upload, name, field)
    else:
        table = VIDEO_SUFFIXES if kind == "video" else DOCUMENT_SUFFIXES
        content_type, magic = table[suffix]
        head = _head(upload)
        ok = head[4:8] == b"ftyp" if kind == "video" else head.startswith(magic)
        if not ok:
            raise DomainError(
                _("The file's content does not match its name (%(name)s)."),
                field=field,
                params={"name": name},
                code="file_content",
            )
        checked = Checked(upload, name, suffix, kind, content_type, 0, "")
    checked.size = upload.size
    checked.sha256 = sha
    checked.stored_name = f"{sha[:24]}{checked.stored_name}"
    upload.seek(0)
    return checked


def _head(upload, length: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(length)
    upload.seek(0)
    return head


def _check_image(upload, name: str, field: str) -> Checked:
    from PIL import Image

    not_an_image = DomainError(
        _("%(name)s is not a JPEG, PNG or WebP image."),
        field=field,
        params={"name": name},
        code="not_an_image",
    )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format not in IMAGE_FORMATS:
                raise not_an_image
            width, height = image.size
            exif = image.getexif()
            image.verify()
    except DomainError:
        raise
    except Exception:  # Pillow raises many kinds for a broken or fake image
        raise not_an_image from None
    content_type, suffix = IMAGE_FORMATS[image.format]
    lon, lat = _exif_position(exif)
    return Checked(
        upload,
        name,
        suffix,
        "image",
        content_type,
        0,
        "",
        width=width,
        height=height,
        exif_time=_exif_time(exif),
        exif_lon=lon,
        exif_lat=lat,
    )


def _exif_time(exif) -> dt.datetime | None:
    try:
        details = exif.get_ifd(EXIF_IFD)
        text = (
            details.get(DATETIME_ORIGINAL) or details.get(DATETIME_DIGITIZED) or exif.get(DATETIME)
        )
        if not text:
            return None
        moment = dt.datetime.strptime(str(text).strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
        offset = str(details.get(OFFSET_ORIGINAL) or "").strip("\x00 ")
        if offset:
            return dt.datetime.fromisoformat(moment.isoformat() + offset)
        # Phones write local time without a zone: take the installation's.
        return timezone.make_aware(moment)
    except (ValueError, TypeError, KeyError, OverflowError):
        return None


def _exif_position(exif) -> tuple[float | None, float | None]:
    try:
        gps = exif.get_ifd(GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None, None
        lat = _degrees(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lon = _degrees(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
    except (ValueError, TypeError, ZeroDivisionError, IndexError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return round(lon, 7), round(lat, 7)


def _degrees(value) -> float:
    d, m, s = (float(part) for part in value)
    return d + m / 60 + s / 3600
