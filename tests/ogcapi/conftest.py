"""Public reports for the open-data tests: some published (accepted by the office), one not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from riverchief.accounts.models import User
from riverchief.portal import services as portal
from riverchief.problems import transitions
from riverchief.problems.models import Problem
from tests.browser.conftest import (  # noqa: F401 - a server process on the demo county
    browser,
    live_server_url,
    new_page,
    server_database_url,
    server_dir,
)

# (lon, lat, reported at, published?) in 绛县; reporters' names and phones must never appear.
REPORTS = [
    (111.570, 35.490, datetime(2026, 3, 1, 2, 0, tzinfo=UTC), True),
    (111.600, 35.520, datetime(2026, 5, 1, 0, 0, tzinfo=UTC), True),
    (111.650, 35.600, datetime(2026, 5, 20, 12, 30, tzinfo=UTC), True),
    (111.580, 35.500, datetime(2026, 6, 1, 0, 0, tzinfo=UTC), False),
]
REPORTER_NAME = "隐私测试人"
REPORTER_PHONE = "13912345678"


@pytest.fixture
def reports(db) -> list[Problem]:
    """The problems behind REPORTS, in order; the published ones accepted by the office."""
    office = User.objects.get(username="admin")
    problems = []
    for n, (lon, lat, at, publish) in enumerate(REPORTS):
        report = portal.submit_report(
            category_code="rubbish",
            description=f"河边有垃圾 {n}",
            lon=lon,
            lat=lat,
            name=REPORTER_NAME,
            phone=REPORTER_PHONE,
            ip=f"198.51.100.{n}",
            device_id=f"device-{n}",
        )
        problem = report.problem
        if publish:
            transitions.move(office, problem.pk, "accept")
        # The report time is what `datetime` filters on: put it where the tests need it.
        Problem.objects.filter(pk=problem.pk).update(created_at=at)
        problems.append(Problem.objects.get(pk=problem.pk))
    return problems


@pytest.fixture(scope="module")
def ogcapi(live_server_url: str) -> str:  # noqa: F811 - the fixture imported above
    """The landing page URL of a real `riverchief serve` process (for OWSLib and GDAL)."""
    return f"{live_server_url}/ogcapi"
