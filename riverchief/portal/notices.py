"""The office's announcements (公告) and chief's orders (河长令): write, publish, withdraw."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import DomainError, Forbidden, NotFound
from riverchief.core.scoping import scope_of
from riverchief.portal.models import Notice
from riverchief.portal.text import plain

LIMITS = {"title": 120, "number": 60, "body": 20000}


def may_edit(user) -> bool:
    return scope_of(user).can("portal.change")


@transaction.atomic
def save_notice(actor, data: dict, notice_id: int | None = None) -> Notice:
    """Create or change a notice in the office's division; `publish` true/false (un)publishes."""
    from riverchief.registry.models import Division

    if not may_edit(actor):
        raise Forbidden(_("Your role may not do this."))
    if notice_id is None:
        scope = scope_of(actor)
        from riverchief.portal.services import portal_division_code

        # An office writes for its own division; a system administrator for the portal's county.
        code = scope.division_code or str(data.get("division_code") or "") or portal_division_code()
        code = code.ljust(12, "0")
        division = Division.objects.filter(code=code).first()
        if division is None:
            raise DomainError(_("This field is required."), field="division_code", code="required")
        notice = Notice(division=division, created_by=actor)
        before: dict = {}
    else:
        notice = Notice.objects.editable_by(actor).select_for_update().filter(pk=notice_id).first()
        if notice is None:
            raise NotFound(_("No such notice."))
        before = audit.snapshot(notice)
    kind = str(data.get("kind") or notice.kind or "")
    if kind not in Notice.Kind.values:
        raise DomainError(
            _("Must be one of: %(values)s."),
            field="kind",
            params={"values": ", ".join(Notice.Kind.values)},
        )
    notice.kind = kind
    for name, limit in LIMITS.items():
        # Titles and numbers are one line; the text keeps its paragraphs.
        value = plain(data.get(name, getattr(notice, name)), limit)
        if name != "number" and not value:
            raise DomainError(_("This field is required."), field=name, code="required")
        if len(value) > limit:
            raise DomainError(_("At most %(n)d characters."), field=name, params={"n": limit})
        setattr(notice, name, value)
    if "publish" in data:
        publish = str(data["publish"]).lower() in ("1", "true", "on", "yes")
        if publish and notice.published_at is None:
            notice.published_at = timezone.now()
        elif not publish:
            notice.published_at = None
    notice.updated_at = timezone.now()
    notice.save()
    old, new = audit.changed(before, audit.snapshot(notice))
    audit.record(
        actor,
        "create" if not before else "update",
        notice,
        before=old,
        after=new,
        division_code=notice.division.code,
    )
    return notice
