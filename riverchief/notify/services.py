"""Changes to notifications: reading the inbox, and the office's channels (audited)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit, divcodes
from riverchief.core.errors import DomainError, Forbidden, NotFound
from riverchief.core.scoping import scope_of
from riverchief.notify import compose, outbox, senders
from riverchief.notify.models import Channel, ChannelKind, Delivery, Notification
from riverchief.problems import states

AUDITED = ["name", "kind", "target", "division", "department", "event_kinds", "active"]
MAX_ADDRESSES = 20


def event_kinds() -> list[str]:
    """Every event a channel may ask for: the report and each action of the workflow."""
    return [states.REPORT, *states.TRANSITIONS]


# --- the inbox ---------------------------------------------------------------------------------


def mark_read(user, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (404 for anyone else's)."""
    from riverchief.notify.queries import inbox

    row = inbox(user).filter(pk=notification_id).first()
    if row is None:
        raise NotFound(_("No such notification."))
    if row.read_at is None:
        row.read_at = timezone.now()
        Notification.objects.filter(pk=row.pk, read_at__isnull=True).update(read_at=row.read_at)
    return row


def mark_all_read(user) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- channels ----------------------------------------------------------------------------------


def require_channel_admin(actor) -> None:
    """Office admins (and system administrators) manage channels."""
    scope = scope_of(actor)
    if not (scope.everything or (scope.authenticated and scope.role == "office")):
        raise Forbidden(_("Your role may not do this."))


def channel_for(actor, channel_id: int) -> Channel:
    require_channel_admin(actor)
    row = (
        Channel.objects.editable_by(actor)
        .select_related("division", "department__division")
        .filter(pk=channel_id)
        .first()
    )
    if row is None:
        raise NotFound(_("No such channel, or it lies outside your scope."))
    return row


def _text(data: dict[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise DomainError(_("This field is required."), field=name, code="required")
    if len(value) > limit:
        raise DomainError(
            _("At most %(n)d characters."), field=name, params={"n": limit}, code="too_long"
        )
    return value


def _target(kind: str, value: str) -> str:
    if kind == ChannelKind.EMAIL:
        found = senders.addresses(value)
        if not found:
            raise DomainError(_("This field is required."), field="target", code="required")
        if len(found) > MAX_ADDRESSES:
            raise DomainError(
                _("At most %(n)d addresses."), field="target", params={"n": MAX_ADDRESSES}
            )
        for address in found:
            try:
                validate_email(address)
            except ValidationError:
                raise DomainError(
                    _("Not an e-mail address: %(address)s"),
                    field="target",
                    params={"address": address},
                ) from None
        return ", ".join(found)
    try:
        return senders.check_url(value)
    except senders.SendError:
        raise DomainError(
            _("Enter an http:// or https:// URL."), field="target", code="invalid_url"
        ) from None


def _scope_rows(actor, data: dict[str, Any], row: Channel | None):
    from riverchief.registry.models import Department, Division

    scope = scope_of(actor)
    division = row.division if row else None
    department = row.department if row else None
    if "division_code" in data:
        code = str(data.get("division_code") or "").strip()
        division = None
        if code:
            try:
                full = divcodes.normalize(code)
            except divcodes.InvalidCode:
                raise DomainError(_("Invalid division code."), field="division_code") from None
            division = Division.objects.filter(code=full).first()
            if division is None:
                raise NotFound(_("Unknown division code."), field="division_code")
    if "department_code" in data:
        code = str(data.get("department_code") or "").strip()
        department = None
        if code:
            department = Department.objects.select_related("division").filter(code=code).first()
            if department is None:
                raise NotFound(_("Unknown department code."), field="department_code")
    if division is None and department is None and not scope.everything:
        # An office's channel covers its own division unless it names another.
        division = Division.objects.get(code=scope.division_code)
    if division is not None and not scope.covers_division(division.code):
        raise Forbidden(_("That division lies outside your scope."), field="division_code")
    if department is not None and not scope.covers_division(department.division.code):
        raise Forbidden(_("That department lies outside your scope."), field="department_code")
    return division, department


def _kinds(data: dict[str, Any]) -> list[str]:
    value = data.get("event_kinds") or []
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    known = event_kinds()
    unknown = [kind for kind in value if kind not in known]
    if unknown:
        raise DomainError(
            _("Must be one of: %(values)s."),
            field="event_kinds",
            params={"values": ", ".join(known)},
        )
    return [kind for kind in known if kind in value]


def _snapshot(row: Channel) -> dict[str, Any]:
    data = audit.snapshot(row, AUDITED)
    data["target"] = row.masked_target  # a robot URL carries its access token
    data["target_fingerprint"] = hashlib.sha256(row.target.encode()).hexdigest()[:12]
    data["secret"] = "(set)" if row.secret else ""  # the secret itself never enters the log
    return data


@transaction.atomic
def save_channel(actor, data: dict[str, Any], channel_id: int | None = None) -> Channel:
    """Create a channel, or change one the actor may edit; a blank secret keeps the old one."""
    require_channel_admin(actor)
    row = channel_for(actor, channel_id) if channel_id is not None else None
    before = _snapshot(row) if row else None
    kind = _text(data, "kind", 20, required=row is None) or (row.kind if row else "")
    if kind not in ChannelKind.values:
        raise DomainError(
            _("Must be one of: %(values)s."),
            field="kind",
            params={"values": ", ".join(ChannelKind.values)},
        )
    channel = row or Channel()
    channel.kind = kind
    if "name" in data or row is None:
        channel.name = _text(data, "name", 80, required=True)
    if "target" in data or row is None:
        channel.target = _target(kind, _text(data, "target", 500, required=True))
    else:
        channel.target = _target(kind, channel.target)
    secret = _text(data, "secret", 200)
    if secret:
        channel.secret = secret
    if data.get("clear_secret") or kind != ChannelKind.DINGTALK_ROBOT:
        channel.secret = ""
    channel.division, channel.department = _scope_rows(actor, data, row)
    if "event_kinds" in data or row is None:
        channel.event_kinds = _kinds(data)
    if "active" in data:
        channel.active = bool(data.get("active"))
    channel.updated_at = timezone.now()
    channel.save()
    where = _division_code(channel)
    if row is None:
        audit.record(actor, "create", channel, after=_snapshot(channel), division_code=where)
    else:
        old, new = audit.changed(before or {}, _snapshot(channel))
        if new:
            audit.record(actor, "update", channel, before=old, after=new, division_code=where)
    return channel


def _division_code(channel: Channel) -> str:
    if channel.division_id:
        return channel.division.code
    if channel.department_id:
        return channel.department.division.code
    return ""


@transaction.atomic
def test_channel(actor, channel_id: int) -> Delivery:
    """Queue a test message to the channel; it is sent as soon as this transaction commits."""
    channel = channel_for(actor, channel_id)
    if channel.kind == ChannelKind.EMAIL and not senders.email_enabled():
        raise DomainError(
            _("E-mail is not configured on this server (RIVERCHIEF_EMAIL_HOST)."),
            code="email_not_configured",
        )
    message = compose.test_message(channel.name)
    delivery = Delivery.objects.create(
        channel=channel,
        payload=compose.payload(channel.kind, message),
        dedupe_key=f"{outbox.TEST_PREFIX}{channel.pk}:{uuid.uuid4().hex}",
    )
    audit.record(
        actor, "test", channel, message="test message queued", division_code=_division_code(channel)
    )
    transaction.on_commit(lambda: outbox.send_now([delivery.pk]))
    return delivery
