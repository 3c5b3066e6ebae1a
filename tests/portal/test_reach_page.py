"""A reach's public page is kept rendered (a crowd scanning a signboard costs one query a visit),
yet changes at once when anything it shows changes: a published report, a public photo, the
chiefs, the water-quality class, the reach itself. Nothing of a viewer is kept."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from riverchief.accounts.models import User
from riverchief.monitoring import automatic
from riverchief.monitoring.models import Sample, SampleValue
from riverchief.portal import services, tasks
from riverchief.portal.models import PublicPhoto
from riverchief.problems import services as problem_services
from riverchief.registry import services as registry_services
from riverchief.registry.models import ChiefAssignment, Facility
from tests.portal.conftest import ON_REACH, REACH_LINE, VILLAGE, photo, report_data

pytestmark = pytest.mark.django_db

DEMO_REACH = "SSH-140826101201"  # 涑水河东刘家村段, with the section SEC-SSH-DLJ (class IV)
SECTION = "SEC-SSH-DLJ"
TEMPLATES = Path(__file__).resolve().parents[2] / "riverchief" / "portal" / "templates" / "portal"


@pytest.fixture(autouse=True)
def kept(settings):
    settings.RIVERCHIEF_PORTAL_CACHE_SECONDS = 60  # as in production (conftest turns it off)


def main(response) -> str:
    """The page's body, which is the same for every viewer."""
    assert response.status_code == 200
    return re.search(r"<main>(.*)</main>", response.content.decode(), re.S).group(1)


def visit(code: str = DEMO_REACH, client: Client | None = None) -> str:
    return main((client or Client()).get(f"/p/reaches/{code}"))


def test_a_second_visit_costs_one_query_and_shows_the_same_page():
    first = visit()
    with CaptureQueriesContext(connection) as queries:
        again = Client().get(f"/p/reaches/{DEMO_REACH}")
    assert len(queries) == 1  # the newest ids of what the page shows
    assert main(again) == first and "刘东（演示）" in first


def test_a_report_shows_at_once_when_published_and_its_photo_when_copied(reach):
    report = services.submit_report(**report_data(photos=[photo(gps=ON_REACH)]))
    assert "河边堆了很多建筑垃圾" not in visit("PT-REACH")
    # Accepted without its after-commit hook: published, the public photo copy not yet made.
    problem_services.move(User.objects.get(username="admin"), report.problem_id, "accept")
    page = visit("PT-REACH")
    assert "河边堆了很多建筑垃圾" in page and "/p/photos/" not in page
    assert tasks.missing_copies() == 1  # the sweep makes the copy: no timeline entry
    token = PublicPhoto.objects.get(report=report).token
    assert f'src="/p/photos/{token}"' in visit("PT-REACH")


def test_a_new_chief_shows_at_once_and_an_ended_one_goes_at_once():
    assert "赵新" not in visit()
    chief = {"reach_code": DEMO_REACH, "person_name": "赵新", "role": "巡河员", "level": "village"}
    added = registry_services.assign_person(None, chief)
    assert "赵新" in visit()
    registry_services.end_assignment(None, added.pk)  # changes a row, adds none: the audit log
    assert ChiefAssignment.objects.filter(pk=added.pk, end_date__isnull=False).exists()
    assert "赵新" not in visit()


def test_the_water_quality_class_follows_automatic_values_and_lab_samples_at_once():
    assert "<b>IV</b>" in visit()
    now = timezone.now()
    automatic.record_automatic_values(SECTION, [(now - timedelta(minutes=5), "NH3N", 3.0)])
    assert "<b>劣V</b>" in visit()
    sample = Sample.objects.create(section=Facility.objects.get(code=SECTION), sampled_at=now)
    for code, value in {"NH3N": 0.1, "TP": 0.02, "CODMn": 2.0, "DO": 8.0, "COD": 10.0}.items():
        SampleValue.objects.create(sample=sample, parameter=code, value=value)
    page = visit()
    assert "劣V" not in page and "<b>IV</b>" not in page


def test_a_renamed_reach_and_a_reach_created_after_a_404_show_at_once(reach):
    data = {
        "code": "PT-REACH",
        "water_body_code": "PT-WB",
        "division_code": VILLAGE,
        "geometry": {"type": "LineString", "coordinates": REACH_LINE},
    }
    assert "公众测试河东刘家段" in visit("PT-REACH")
    registry_services.save_reach(None, {**data, "name": "公众测试河改名段"})
    assert "公众测试河改名段" in visit("PT-REACH")
    client = Client()
    assert client.get("/p/reaches/PT-LATER").status_code == 404
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/p/reaches/PT-LATER").status_code == 404
    assert len(queries) == 1  # an unknown code is kept too
    registry_services.save_reach(None, {**data, "code": "PT-LATER", "name": "后来的段"})
    assert "后来的段" in visit("PT-LATER", client)


def test_each_language_has_its_own_kept_page():
    chinese = visit()
    english = visit(client=Client(HTTP_ACCEPT_LANGUAGE="en"))
    assert "River chiefs" in english and "River chiefs" not in chinese
    assert visit() == chinese


def test_nothing_of_a_viewer_is_kept_and_the_page_is_shared_only_per_language():
    office = Client()
    office.force_login(User.objects.get(username="admin"))
    seen_by_office = office.get(f"/p/reaches/{DEMO_REACH}")
    # The next visitor is served the very page the office's visit kept: nothing in it is the
    # office's (no CSRF token, no name), so a proxy may share it, once per language.
    visitor = Client(enforce_csrf_checks=True)
    answer = visitor.get(f"/p/reaches/{DEMO_REACH}")
    assert answer.content == seen_by_office.content
    assert "csrfmiddlewaretoken" not in answer.content.decode()
    assert {"accept-language", "cookie"} <= {
        name.strip().lower() for name in answer["Vary"].split(",")
    }
    # The language links need no token.
    link = re.search(r'href="(/p/language\?language=en&amp;next=[^"]+)"', answer.content.decode())
    switched = visitor.get(link.group(1).replace("&amp;", "&"))
    assert switched.status_code == 302 and switched["Location"] == f"/p/reaches/{DEMO_REACH}"
    assert "River chiefs" in visit(client=visitor)
    # What is kept is rendered without the request: its templates cannot reach the viewer.
    for name in ("reach.html", "base_public.html", "_reach_body.html", "_reports.html"):
        source = re.sub(r"{#.*?#}", "", (TEMPLATES / name).read_text())
        for word in ("csrf", "request", "user", "messages", "perms"):
            assert word not in source, (name, word)


def test_the_language_link_refuses_an_unknown_language_and_stays_on_this_site():
    client = Client()
    refused = client.get("/p/language", {"language": "fr", "next": "/p/"})
    assert refused.status_code == 400
    assert "language" in refused.content.decode() and "不支持的语言" in refused.content.decode()
    assert "django_language" not in refused.cookies
    elsewhere = client.get("/p/language", {"language": "en", "next": "https://evil.example/"})
    assert elsewhere.status_code == 302 and elsewhere["Location"] == "/p/"
    assert elsewhere.cookies["django_language"].value == "en"
