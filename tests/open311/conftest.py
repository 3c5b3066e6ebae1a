"""Open311: the problems tests' reach in 东刘家村 (and their media folder in tmp), an API key,
public reports made through the portal and moved through the workflow by the office."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import jsonschema
import pytest
from django.test import TestCase
from referencing import Registry
from referencing.jsonschema import DRAFT7

from riverchief.accounts.models import User
from riverchief.open311 import keys
from riverchief.portal import services as portal
from riverchief.problems import transitions
from tests.problems.conftest import (  # noqa: F401 - fixtures shared with the problems tests
    DEPARTMENT,
    ON_REACH,
    media_in_tmp,
    reach,
)

# The community's schemas (open311/schema-validation, schema/georeport-v2), copied unchanged.
SCHEMAS = Path(__file__).resolve().parent / "schema"
CLOSING_NOTE = "垃圾已清运，岸坡已恢复。感谢您的监督！"
_ips = itertools.count(1)


def _schema_registry() -> Registry:
    """The schemas by file name: `requests.json` refers to `request.json` that way."""
    return Registry().with_resources(
        (path.name, DRAFT7.create_resource(json.loads(path.read_text())))
        for path in SCHEMAS.glob("*.json")
    )


def validate(document, schema_name: str) -> None:
    """Validate a JSON answer against one of the community's Open311 JSON Schemas."""
    schema = json.loads((SCHEMAS / schema_name).read_text())
    validator = jsonschema.Draft7Validator(
        schema, registry=_schema_registry(), format_checker=jsonschema.FormatChecker()
    )
    validator.validate(document)


@pytest.fixture
def admin(db):
    return User.objects.get(username="admin")


@pytest.fixture
def api_key(admin):
    _key, raw = keys.issue_key(admin, "测试小程序", "test@example.org")
    return raw


def submit(category="rubbish", description="河边堆了很多垃圾", point=ON_REACH, **fields):
    """A public report as the web site makes it (a fresh IP each time: no rate limit)."""
    fields.setdefault("ip", f"10.0.{next(_ips) // 250}.{next(_ips) % 250 + 1}")
    return portal.submit_report(
        category_code=category,
        description=description,
        lon=point[0],
        lat=point[1],
        name=fields.pop("name", "张三"),
        phone=fields.pop("phone", "13800000000"),
        **fields,
    )


def accept(report):
    """The office accepts it; the after-commit hooks (public photo copies) run as in production."""
    admin = User.objects.get(username="admin")
    with TestCase.captureOnCommitCallbacks(execute=True):
        return transitions.move(admin, report.problem.pk, "accept")


def close(report):
    """Accept (on the reach: routed to the category's department), hand it to 水利局, start,
    submit and close: the public sees it closed."""
    from tests.problems.conftest import jpeg

    admin = User.objects.get(username="admin")
    dept = User.objects.get(username="dept_water")
    pk = report.problem.pk
    accept(report)
    problem = transitions.load(None, pk)
    if problem.state == "accepted":  # not routed on acceptance
        transitions.move(admin, pk, "assign", department_code=DEPARTMENT, deadline_days=5)
    elif problem.assignee_department.code != DEPARTMENT:  # routed to another department
        transitions.move(admin, pk, "transfer", department_code=DEPARTMENT)
    transitions.move(dept, pk, "start")
    transitions.move(dept, pk, "submit", note="已清理", files=[jpeg("after.jpg")])
    return transitions.move(admin, pk, "close", note=CLOSING_NOTE)
