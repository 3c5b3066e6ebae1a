"""Files in a reach's or water body's archive (一河一策 plans, demarcation maps …)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import DomainError
from riverchief.registry.models import Document, DocumentKind
from riverchief.registry.services.common import check_may_change, text

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
ALLOWED_SUFFIXES = {
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".jpg",
    ".jpeg",
    ".png",
    ".zip",
    ".ofd",
}


class TooLarge(DomainError):
    status = 413
    code = "too_large"


@transaction.atomic
def add_document(actor, *, target, kind: str, title: str, upload) -> Document:
    """Store an uploaded file against a Reach or WaterBody."""
    from riverchief.registry.models import Reach

    division = target.division
    check_may_change(actor, division.code)
    if kind not in DocumentKind.values:
        raise DomainError(
            _("Must be one of: %(values)s."),
            field="kind",
            params={"values": ", ".join(DocumentKind.values)},
        )
    title = text({"title": title or getattr(upload, "name", "")}, "title", required=True)
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise DomainError(
            _("Files of this type are not accepted (%(types)s)."),
            field="file",
            params={"types": " ".join(sorted(ALLOWED_SUFFIXES))},
            code="file_type",
        )
    if upload.size > MAX_DOCUMENT_BYTES:
        raise TooLarge(
            _("The file is larger than %(mb)d MB."),
            field="file",
            params={"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)},
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    document = Document(
        kind=kind,
        title=title,
        division=division,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if isinstance(target, Reach):
        document.reach, document.water_body = target, target.water_body
    else:
        document.water_body = target
    document.file.save(upload.name, upload, save=False)
    document.save()
    audit.record(
        actor, "create", document, after=audit.snapshot(document), division_code=division.code
    )
    return document
