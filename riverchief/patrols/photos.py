"""Patrol photos: stored once per client id, checked like problem evidence, hashed for reuse."""

from __future__ import annotations

import contextlib
import uuid

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import DomainError, Forbidden
from riverchief.patrols import fraud
from riverchief.patrols.models import PatrolPhoto
from riverchief.problems import files as file_checks

MAX_PHOTO_MB = 10
PATROL_ROLES = {"office", "chief", "patroller", "volunteer"}


def client_uuid(value, field: str = "client_id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value or "").strip())
    except ValueError:
        raise DomainError(
            _("This must be a UUID made by the phone."), field=field, code="invalid"
        ) from None


def require_patroller(actor) -> None:
    scope = getattr(actor, "scope", None)
    if scope is None or not (scope.everything or scope.role in PATROL_ROLES):
        raise Forbidden(_("Your role may not do this."))


def _hash(upload) -> int:
    from PIL import Image

    upload.seek(0)
    with Image.open(upload) as image:
        value = fraud.dhash(image)
    upload.seek(0)
    return value


def upload_photo(actor, upload, client_id) -> tuple[PatrolPhoto, bool]:
    """Store a patrol photo; the same client id again returns the stored one (created False)."""
    require_patroller(actor)
    key = client_uuid(client_id)
    existing = PatrolPhoto.objects.filter(user=actor, client_id=key).first()
    if existing is not None:
        return existing, False
    if upload is None:
        raise DomainError(_("This field is required."), field="file", code="required")
    if upload.size > MAX_PHOTO_MB * 1024 * 1024:
        raise file_checks.TooLarge(
            _("The file is larger than %(mb)d MB."), field="file", params={"mb": MAX_PHOTO_MB}
        )
    if file_checks.kind_of(upload.name or "") != "image":
        upload.name = "photo.jpg"  # judged by content below, not by the phone's name
    checked = file_checks.check(upload, field="file")
    if checked.kind != "image":
        raise DomainError(_("This must be a JPEG, PNG or WebP image."), field="file")
    value = _hash(upload)
    bands = fraud.hash_bands(value)
    photo = PatrolPhoto(
        client_id=key,
        user=actor,
        name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        width=checked.width,
        height=checked.height,
        exif_time=checked.exif_time,
        exif_lon=checked.exif_lon,
        exif_lat=checked.exif_lat,
        dhash=f"{value:016x}",
        band0=bands[0],
        band1=bands[1],
        band2=bands[2],
        band3=bands[3],
    )
    stored = ""
    try:
        with transaction.atomic():
            photo.file.save(checked.stored_name, upload, save=False)
            stored = photo.file.name
            photo.save()
            audit.record(actor, "create", photo, after=audit.snapshot(photo))
    except IntegrityError:
        with contextlib.suppress(OSError):
            if stored:
                default_storage.delete(stored)
        found = PatrolPhoto.objects.filter(user=actor, client_id=key).first()
        if found is None:
            raise
        return found, False
    return photo, True


def reuse_matches(photos: list[PatrolPhoto], patrol_id: int | None) -> list[tuple[str, int]]:
    """(photo client id, other patrol id) for each photo whose picture another patrol used."""
    matches: list[tuple[str, int]] = []
    for photo in photos:
        value = int(photo.dhash, 16)
        if not fraud.informative(value):
            continue
        bands = Q(band0=photo.band0) | Q(band1=photo.band1) | Q(band2=photo.band2)
        candidates = (
            PatrolPhoto.objects.filter(bands | Q(band3=photo.band3), patrol__isnull=False)
            .exclude(pk=photo.pk)
            .values_list("dhash", "patrol_id")[:200]
        )
        for other_hash, other_patrol in candidates:
            if other_patrol == patrol_id:
                continue
            if fraud.same_photo(value, int(other_hash, 16)):
                matches.append((str(photo.client_id), other_patrol))
                break
    return matches
