"""Issue, revoke and check Open311 API keys (every write audited, in one transaction)."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import DomainError, NotFound
from riverchief.core.scoping import scope_of
from riverchief.open311.models import ApiKey
from riverchief.registry.models import Division

MAX_KEY_LENGTH = 200


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_key(actor, name: str, contact: str = "") -> tuple[ApiKey, str]:
    """A new key for a client application; the raw value is returned once and never stored."""
    scope = scope_of(actor)
    scope.require("open311.keys")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Name the application that will use the key."), field="name")
    if len(name) > 80:
        raise DomainError(_("At most %(n)d characters."), field="name", params={"n": 80})
    contact = (contact or "").strip()[:120]
    # A system administrator has no division: their keys belong to the top of the tree.
    root = (
        Division.objects.filter(parent__isnull=True).order_by("code").values_list("code", flat=True)
    )
    code = scope.division_code or root.first()
    raw = "o311_" + secrets.token_urlsafe(24)
    key = ApiKey.objects.create(
        name=name,
        contact=contact,
        prefix=raw[:10],
        key_digest=_digest(raw),
        division=Division.objects.get(code=code),
        created_by=actor,
    )
    audit.record(
        actor,
        "open311_key_issued",
        key,
        after={"name": name, "contact": contact, "prefix": key.prefix},
        division_code=code,
    )
    return key, raw


@transaction.atomic
def revoke_key(actor, key_id: int) -> ApiKey:
    key = ApiKey.objects.editable_by(actor).select_for_update().filter(pk=key_id).first()
    if key is None:
        raise NotFound(_("No such key."))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit.record(
            actor,
            "open311_key_revoked",
            key,
            after={"revoked_at": key.revoked_at},
            division_code=key.division.code,
        )
    return key


def key_for(raw: str | None) -> ApiKey | None:
    """The active key with this value, or None (unknown, revoked, empty or absurdly long)."""
    raw = (raw or "").strip()
    if not raw or len(raw) > MAX_KEY_LENGTH:
        return None
    key = ApiKey.objects.filter(key_digest=_digest(raw), revoked_at__isnull=True).first()
    if key is not None:
        now = timezone.now()
        # Touch at most once a minute: a busy client must not turn every post into two writes.
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
