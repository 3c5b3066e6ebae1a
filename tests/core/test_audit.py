"""The audit log: written by services, searched by office admins, never edited."""

import pytest
from django.db import DatabaseError, connection, transaction

from riverchief.accounts.models import User
from riverchief.core import audit
from riverchief.core.models import AuditEntry
from riverchief.registry import services as registry_services
from riverchief.registry.models import Division


def test_a_service_change_is_recorded_with_before_and_after(db):
    admin = User.objects.get(username="admin")
    registry_services.upsert_division(admin, code="140826101203", name="柳泉新村", is_demo=True)
    entry = AuditEntry.objects.filter(action="update", object_type="registry.division").latest("id")
    assert entry.actor == admin and entry.actor_name == "admin"
    assert entry.before == {"name": "柳泉村"}
    assert entry.after == {"name": "柳泉新村"}
    assert entry.division_code == "140826101203"


def test_a_refused_change_writes_nothing(db):
    from riverchief.core.errors import Forbidden

    chief = User.objects.get(username="chief_hengshui")
    before = AuditEntry.objects.count()
    with pytest.raises(Forbidden):
        registry_services.upsert_division(chief, code="140826101203", name="改名")
    assert Division.objects.get(code="140826101203").name == "柳泉村"
    assert AuditEntry.objects.count() == before


def test_the_database_refuses_to_update_an_audit_entry(db):
    entry = audit.record(None, "test", message="original")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(message="forged")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET message = 'forged' WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.message == "original"


def test_the_database_refuses_to_delete_an_audit_entry(db):
    entry = audit.record(None, "test", message="keep me")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_secrets_never_reach_the_log(db):
    admin = User.objects.get(username="admin")
    snapshot = audit.snapshot(admin)
    assert "password" not in snapshot
    assert snapshot["username"] == "admin"


def test_office_admins_search_the_log_of_their_county_only(db, signed_in):
    admin = User.objects.get(username="admin")
    registry_services.upsert_division(admin, code="140826101203", name="柳泉新村", is_demo=True)
    registry_services.upsert_division(None, code="140827100201", name="外县改名村", is_demo=True)
    inside = signed_in("admin").get("/audit/", {"q": "村"}).content.decode()
    assert "柳泉新村" in inside and "外县改名村" not in inside
    outside = signed_in("out_office").get("/audit/", {"q": "村"}).content.decode()
    assert "外县改名村" in outside and "柳泉新村" not in outside
    api = signed_in("admin").get("/api/v1/audit", {"action": "update", "q": "柳泉"}).json()
    assert api["count"] == 1 and api["items"][0]["after"] == {"name": "柳泉新村"}


def test_the_audit_search_filters_by_actor_and_calendar_day(db, signed_in):
    from datetime import timedelta

    from django.utils import timezone

    admin = User.objects.get(username="admin")
    registry_services.upsert_division(admin, code="140826101203", name="柳泉新村", is_demo=True)
    today = timezone.localdate()
    client = signed_in("admin")
    hits = client.get("/api/v1/audit", {"actor": "admin", "since": today.isoformat()}).json()
    assert hits["count"] >= 1
    yesterday = (today - timedelta(days=1)).isoformat()
    none = client.get("/api/v1/audit", {"actor": "admin", "until": yesterday}).json()
    assert none["count"] == 0
    bad = client.get("/api/v1/audit", {"since": "2026-13-45"})
    assert bad.status_code == 422 and bad.json()["field"] == "since"
