"""Shared fixtures: a migrated database with the demo county, and clients signed in by role."""

from __future__ import annotations

import os

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from riverchief import demo
from riverchief.accounts import services as account_services
from riverchief.accounts.models import User
from riverchief.registry.models import Division

DEMO_PASSWORD = demo.DEMO_PASSWORD

# Property tests check answers, not speed: on a busy 2-core CI machine one example can take
# longer than Hypothesis's default 200 ms deadline, which would fail a correct test.
hypothesis_settings.register_profile("riverchief", deadline=None)
hypothesis_settings.load_profile("riverchief")


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    """A test database of our own per run, so two runs on one PostgreSQL server never collide."""
    from django.conf import settings

    test = settings.DATABASES["default"].setdefault("TEST", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        test["NAME"] = f"test_riverchief_{os.getpid()}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the demo county (loaded once), plus users outside its scopes."""
    with django_db_blocker.unblock():
        demo.load()
        _add_outsiders()
        _add_matrix_objects()


# A second county and users there: the "same role, outside its scope" side of every check.
OUTSIDE_COUNTY = "140827"  # 垣曲县, a neighbour of 绛县


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: ids restart after a rolled-back test, so a figure
    kept under "the latest timeline entry" by one test could match another test's data."""
    from django.core.cache import cache

    cache.clear()
    yield


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


# Objects every permission-matrix route touches, in 东刘家村 (inside every 绛县 actor's scope).
MATRIX_VILLAGE = "140826101201"


def _add_matrix_objects() -> None:
    from riverchief.registry import services as registry_services

    registry_services.save_water_body(
        None, {"code": "M-WB", "name": "矩阵河（测试）", "kind": "river", "division_code": "140826"}
    )
    registry_services.save_reach(
        None,
        {
            "code": "M-REACH",
            "name": "矩阵河东刘家段（测试）",
            "water_body_code": "M-WB",
            "division_code": MATRIX_VILLAGE,
            "geometry": {"type": "LineString", "coordinates": [[111.41, 35.52], [111.415, 35.521]]},
        },
    )
    registry_services.save_facility(
        None,
        {
            "kind": "reservoir",
            "code": "M-RES",
            "name": "矩阵水库（测试）",
            "division_code": MATRIX_VILLAGE,
            "reach_code": "M-REACH",
            "lon": 111.412,
            "lat": 35.5205,
            "details": {"scale": "small_2"},
        },
    )
    registry_services.assign_person(
        None,
        {
            "person_name": "矩阵河长（测试）",
            "role": "河长",
            "level": "village",
            "reach_code": "M-REACH",
            "start_date": "2026-01-01",
        },
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
