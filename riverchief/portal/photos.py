"""Photos sent by the public: checked by content against their name, size-capped, and copied for
the public pages (re-encoded as JPEG, turned upright, downscaled, without EXIF)."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError
from riverchief.problems import files as file_checks

MAX_PHOTOS = 6
DEFAULT_MAX_MB = 10
PUBLIC_LONG_SIDE = 1280
PUBLIC_QUALITY = 78
# What a name's suffix promises -> Pillow's format.
SUFFIX_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}


def max_bytes() -> int:
    return int(getattr(settings, "RIVERCHIEF_PORTAL_PHOTO_MAX_MB", DEFAULT_MAX_MB) * 1024 * 1024)


def check_all(uploads) -> list:
    """Check every photo before anything is written: count, size (413), type by content (400),
    and that the content is what the name says (a PNG renamed .jpg is refused)."""
    uploads = [upload for upload in (uploads or []) if upload is not None]
    if len(uploads) > MAX_PHOTOS:
        raise DomainError(
            _("At most %(n)d photos."),
            field="photos",
            params={"n": MAX_PHOTOS},
            code="too_many_files",
        )
    checked = []
    for upload in uploads:
        name = Path(upload.name or "photo").name[:200]
        if upload.size > max_bytes():
            raise file_checks.TooLarge(
                _("The photo %(name)s is larger than %(mb)d MB."),
                field="photos",
                params={"name": name, "mb": max_bytes() // (1024 * 1024)},
            )
        expected = SUFFIX_FORMATS.get(Path(name).suffix.lower())
        if expected is None:
            raise DomainError(
                _("%(name)s is not a JPEG, PNG or WebP image."),
                field="photos",
                params={"name": name},
                code="not_an_image",
            )
        found = _format_of(upload)
        if found not in file_checks.IMAGE_FORMATS:
            raise DomainError(
                _("%(name)s is not a JPEG, PNG or WebP image."),
                field="photos",
                params={"name": name},
                code="not_an_image",
            )
        if found != expected:
            raise DomainError(
                _("The content of %(name)s does not match its name (it is %(type)s)."),
                field="photos",
                params={"name": name, "type": file_checks.IMAGE_FORMATS[found][0]},
                code="file_content",
            )
        checked.append(upload)
    return checked


def _format_of(upload) -> str | None:
    """The image format its bytes say (Pillow reads the header only); the full check, with the
    hash and EXIF, is the problems app's when the report stores the file."""
    from PIL import Image, UnidentifiedImageError

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            return image.format
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    finally:
        upload.seek(0)


def public_copy(source) -> tuple[ContentFile, int, int]:
    """A JPEG of the photo, upright, at most PUBLIC_LONG_SIDE px, with no metadata at all."""
    from PIL import Image, ImageOps

    source.seek(0)
    with Image.open(source) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((PUBLIC_LONG_SIDE, PUBLIC_LONG_SIDE))
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        # A fresh image holds the pixels only: no EXIF, ICC, XMP or comments can follow it.
        clean = Image.new(image.mode, image.size)
        clean.paste(image)
        out = io.BytesIO()
        clean.save(out, "JPEG", quality=PUBLIC_QUALITY, optimize=True)
    source.seek(0)
    name = f"{secrets.token_hex(12)}.jpg"
    return ContentFile(out.getvalue(), name=name), clean.width, clean.height
