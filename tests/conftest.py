"""Shared fixtures: a migrated database with the demo county, and clients signed in by role."""

from __future__ import annotations

import pytest
from django.test import Client

from riverchief import demo
from riverchief.accounts import services as account_services
from riverchief.accounts.models import User
from riverchief.registry.models import Division

DEMO_PASSWORD = demo.DEMO_PASSWORD


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the demo county (loaded once), plus users outside its scopes."""
    with django_db_blocker.unblock():
        demo.load()
        _add_outsiders()


# A second county and users there: the "same role, outside its scope" side of every check.
OUTSIDE_COUNTY = "140827"  # 垣曲县, a neighbour of 绛县


def _add_outsiders() -> None:
    from riverchief.registry import services as registry_services

    registry_services.upsert_division(None, code=OUTSIDE_COUNTY, name="垣曲县")
    registry_services.upsert_division(None, code="140827100", name="新城镇")
    registry_services.upsert_division(None, code="140827100201", name="演示外村", is_demo=True)
    dept = registry_services.upsert_department(
        None,
        code="140827-SLJ",
        name="垣曲县水利局",
        division=Division.objects.get(code="140827000000"),
    )
    outsiders = [
        ("out_office", "office", "140827", None),
        ("out_leader", "leader", "140827", None),
        ("out_chief_county", "chief", "140827", None),
        ("out_chief_township", "chief", "140827100", None),
        ("out_chief_village", "chief", "140827100201", None),
        ("out_patroller", "patroller", "140827100201", None),
        ("out_dept", "department", None, dept),
        ("sysadmin", "sysadmin", None, None),
    ]
    for username, role, code, department in outsiders:
        division = Division.objects.get(code=code.ljust(12, "0")) if code else None
        account_services.create_user(
            None,
            username=username,
            role=role,
            division=division,
            department=department,
            password=DEMO_PASSWORD,
            must_change_password=False,
        )


@pytest.fixture
def signed_in(db):
    """signed_in("chief_hengshui") -> a test client with that user's session."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make


@pytest.fixture
def token_for(db):
    """token_for("admin") -> a bearer token header for that user."""

    def make(username: str) -> dict[str, str]:
        _token, raw = account_services.issue_token(User.objects.get(username=username), "test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make
