"""The office issues an Open311 key on its page, an application posts with it, the office
revokes it and the next post is refused; other roles cannot see the page."""

from __future__ import annotations

import re

from django.test import Client

from riverchief.accounts.models import User
from riverchief.core.models import AuditEntry
from riverchief.open311.models import ApiKey
from tests.open311.conftest import ON_REACH


def _signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _post_report(key: str):
    data = {
        "api_key": key,
        "service_code": "floating",
        "lat": ON_REACH[1],
        "long": ON_REACH[0],
        "description": "水面漂浮大量塑料瓶",
    }
    return Client().post("/open311/v2/requests.json", data)


def test_issue_use_and_revoke_a_key(reach):
    office = _signed_in("admin")
    page = office.post("/open311/keys/", {"name": "绛县河长微信小程序", "contact": "王工"})
    assert page.status_code == 200
    raw = re.search(r'data-testid="new-key">([^<]+)<', page.content.decode()).group(1)
    key = ApiKey.objects.get()
    assert key.key_digest != raw and raw.startswith(key.prefix)  # only a digest is stored
    assert AuditEntry.objects.filter(action="open311_key_issued").count() == 1
    assert _post_report(raw).status_code == 201
    key.refresh_from_db()
    assert key.last_used_at is not None
    listing = office.get("/open311/keys/").content.decode()
    assert "绛县河长微信小程序" in listing and raw not in listing  # shown once only
    assert office.post(f"/open311/keys/{key.pk}/revoke/").status_code == 302
    assert _post_report(raw).status_code == 403
    assert AuditEntry.objects.filter(action="open311_key_revoked").count() == 1


def test_a_key_needs_a_name(db):
    page = _signed_in("admin").post("/open311/keys/", {"name": "  "})
    assert page.status_code == 400 and ApiKey.objects.count() == 0


def test_another_office_cannot_revoke_the_key(db):
    office = _signed_in("admin")
    office.post("/open311/keys/", {"name": "应用甲"})
    key = ApiKey.objects.get()
    assert _signed_in("out_office").post(f"/open311/keys/{key.pk}/revoke/").status_code == 404
    assert "应用甲" not in _signed_in("out_office").get("/open311/keys/").content.decode()
    assert _signed_in("chief_hengshui").get("/open311/keys/").status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None
