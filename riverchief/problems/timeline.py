"""Writing the timeline and storing evidence: shared by the report and every move."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError
from riverchief.problems import files as file_checks
from riverchief.problems.models import Attachment, Problem, ProblemEvent, Stage


def actor_label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return actor.get_username()


def authenticated(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def write_event(
    problem: Problem,
    actor,
    action: str,
    *,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    at=None,
) -> ProblemEvent:
    return ProblemEvent.objects.create(
        problem=problem,
        at=at or timezone.now(),
        actor=authenticated(actor),
        actor_name=actor_label(actor),
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
    )


def check_uploads(uploads) -> list[file_checks.Checked]:
    """Validate every file before anything is written (400 / 413 leave no trace)."""
    uploads = list(uploads or [])
    if len(uploads) > file_checks.MAX_FILES_PER_REQUEST:
        raise DomainError(
            _("At most %(n)d files at a time."),
            field="files",
            params={"n": file_checks.MAX_FILES_PER_REQUEST},
            code="too_many_files",
        )
    return [file_checks.check(upload) for upload in uploads]


def store(
    problem: Problem,
    event: ProblemEvent,
    checked: list[file_checks.Checked],
    stage: str,
    actor,
    stored: list[str],
) -> list[Attachment]:
    """Save the files and their rows; `stored` collects names to remove if the call fails."""
    rows = []
    for item in checked:
        row = Attachment(
            problem=problem,
            event=event,
            stage=Stage.DOCUMENT if item.kind == "document" else stage,
            kind=item.kind,
            name=item.name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            width=item.width,
            height=item.height,
            exif_time=item.exif_time,
            exif_lon=item.exif_lon,
            exif_lat=item.exif_lat,
            uploaded_by=authenticated(actor),
        )
        item.upload.seek(0)
        row.file.save(item.stored_name, item.upload, save=False)
        stored.append(row.file.name)
        row.save()
        rows.append(row)
    return rows


@contextlib.contextmanager
def files_removed_on_failure() -> Iterator[list[str]]:
    """Yield a list for `store`; if the block fails (its transaction rolls back), delete them."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            with contextlib.suppress(OSError):
                default_storage.delete(name)
        raise
