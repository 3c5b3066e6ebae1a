"""Submitting a public report: it becomes a problem (source 公众) on the nearest reach, with a
tracking code, an answer deadline, and photos kept twice (the original with EXIF, a public copy
without)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from riverchief.core.errors import DomainError
from riverchief.portal import services
from riverchief.portal.models import PublicPhoto, PublicReport
from riverchief.problems.deadlines import due_date
from riverchief.problems.models import Attachment, Problem
from tests.portal.conftest import ON_REACH, photo, report_data

pytestmark = pytest.mark.django_db


def test_a_report_becomes_a_public_problem_on_the_nearest_reach(reach):
    report = services.submit_report(**report_data(name="张三", phone="13800000000"))
    problem = Problem.objects.select_related("reach", "division").get(pk=report.problem_id)
    assert problem.source == "public" and problem.public
    assert problem.category.code == "luan_dui"  # 河边垃圾 -> 乱堆
    assert problem.reach.code == "PT-REACH"
    assert problem.division.code == "140826101201"  # the reach's village: its chiefs see it
    assert problem.state == "reported"
    assert (report.name, report.phone) == ("张三", "13800000000")
    assert report.channel == "web" and not report.is_public


def test_the_tracking_code_is_short_unambiguous_and_unique(reach):
    codes = {
        services.submit_report(**report_data(device_id=f"d{i}", ip=f"198.51.100.{i}")).tracking_code
        for i in range(6)
    }
    assert len(codes) == 6
    for code in codes:
        assert len(code) == 10
        assert set(code) <= set(services.CODE_ALPHABET)
        assert not set(code) & set("01OIL")


def test_the_answer_is_due_in_10_working_days_or_20_for_a_major_case(reach):
    ordinary = services.submit_report(**report_data())
    major = services.submit_report(**report_data(category_code="sand_mining", device_id="d2"))
    created = ordinary.created_at
    assert ordinary.answer_due.astimezone(dt.UTC) > created
    local = ordinary.answer_due.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert local == due_date(created, 10)
    local_major = major.answer_due.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert local_major == due_date(major.created_at, 20)


def test_the_answer_days_are_configurable(reach, settings):
    settings.RIVERCHIEF_PORTAL_ANSWER_DAYS = {"ordinary": 3}
    report = services.submit_report(**report_data())
    local = report.answer_due.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert local == due_date(report.created_at, 3)


def test_gcj02_is_converted_to_wgs84_inside_china(reach):
    # The GCJ-02 position a Chinese phone map shows for the point on the reach.
    import prcoords

    from riverchief.portal.coords import to_wgs84

    gcj = prcoords.wgs_gcj(prcoords.Coords(ON_REACH[1], ON_REACH[0]))
    report = services.submit_report(
        **report_data(lon=gcj.lon, lat=gcj.lat, coordinate_system="gcj02")
    )
    problem = report.problem
    assert abs(problem.lon - ON_REACH[0]) < 1e-6 and abs(problem.lat - ON_REACH[1]) < 1e-6
    assert (report.submitted_lon, report.submitted_lat) == (gcj.lon, gcj.lat)
    # The shift there is several hundred metres: taken as WGS84 it would be far off the reach.
    assert abs(gcj.lon - ON_REACH[0]) > 0.003
    assert to_wgs84(gcj.lon, gcj.lat, "wgs84") == (gcj.lon, gcj.lat)


def test_gcj02_outside_china_is_not_shifted():
    from riverchief.portal.coords import to_wgs84

    assert to_wgs84(2.35, 48.85, "gcj02") == (2.35, 48.85)  # Paris: no GCJ offset exists there


def test_photos_keep_their_exif_privately_and_lose_it_publicly(
    reach, django_capture_on_commit_callbacks
):
    from riverchief.accounts.models import User
    from riverchief.problems import services as problem_services

    upload = photo(gps=ON_REACH, exif_time="2026:11:20 09:30:00", size=(3000, 2000), noise=True)
    report = services.submit_report(**report_data(photos=[upload]))
    assert not PublicPhoto.objects.exists()  # no public copy before the office accepts
    with django_capture_on_commit_callbacks(execute=True):
        problem_services.move(User.objects.get(username="admin"), report.problem_id, "accept")
    original = Attachment.objects.get(problem=report.problem)
    assert original.exif_lon == pytest.approx(ON_REACH[0], abs=1e-4)
    with original.file.open("rb") as f, Image.open(f) as image:
        assert image.getexif().get(0x0110) == "TestPhone X"
        assert image.size == (3000, 2000)
    public = PublicPhoto.objects.get(report=report)
    with public.file.open("rb") as f:
        data = f.read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert max(image.size) == 1280
    assert b"Exif" not in data and b"TestPhone" not in data


def test_a_report_from_the_same_form_twice_is_stored_once(reach):
    first = services.submit_report(**report_data(idempotency_key="form-123"))
    second = services.submit_report(**report_data(idempotency_key="form-123"))
    assert first.pk == second.pk
    assert PublicReport.objects.count() == 1


def test_a_point_far_from_any_reach_goes_to_the_office(reach):
    report = services.submit_report(**report_data(lon=111.62, lat=35.45))
    problem = report.problem
    assert problem.reach is None
    assert problem.division.code.startswith("140826")


def test_the_reach_distance_is_configurable(reach, settings):
    near = (ON_REACH[0] - 0.002, ON_REACH[1] + 0.002)  # ~280 m off the line, away from others
    settings.RIVERCHIEF_REACH_DISTANCE_M = 100
    assert services.submit_report(**report_data(lon=near[0], lat=near[1])).problem.reach is None
    settings.RIVERCHIEF_REACH_DISTANCE_M = 500
    routed = services.submit_report(**report_data(lon=near[0], lat=near[1], device_id="d9"))
    assert routed.problem.reach.code == "PT-REACH"


def test_a_volunteer_chief_reports_signed_in_and_is_not_rate_limited(reach, settings):
    from riverchief.accounts.models import User

    settings.RIVERCHIEF_PORTAL_REPORTS_PER_HOUR = 1
    volunteer = User.objects.get(username="volunteer_hengshui")
    for _n in range(3):
        report = services.submit_report(**report_data(reporter=volunteer))
    assert report.reporter == volunteer
    assert report.problem.source == "volunteer"
    assert report.channel == "volunteer"


def test_a_volunteer_sees_no_staff_data(reach):
    from riverchief.accounts.models import User
    from riverchief.registry.models import Reach

    volunteer = User.objects.get(username="volunteer_hengshui")
    services.submit_report(**report_data())
    assert not Problem.objects.visible_to(volunteer).exists()
    assert volunteer.scope.division_code is None
    assert Reach.objects.visible_to(volunteer).count() <= Reach.objects.count()


def test_a_report_with_only_photos_gets_a_description(reach):
    report = services.submit_report(**report_data(description="", photos=[photo()]))
    assert "河边垃圾" in report.problem.description


def test_domain_errors_name_their_field(reach):
    with pytest.raises(DomainError) as caught:
        services.submit_report(**report_data(category_code="nope"))
    assert caught.value.field == "category"


@pytest.mark.parametrize(
    ("public", "department"),
    [("sewage", "140826-STHJ"), ("rubbish", "140826-SLJ"), ("sand_mining", "140826-SLJ")],
)
def test_the_category_routes_to_its_department_and_the_reach_to_its_chiefs(
    reach, public, department
):
    from riverchief.accounts.models import User
    from riverchief.problems import services as problem_services

    report = services.submit_report(**report_data(category_code=public))
    problem = report.problem
    # The reach's village chief and the township above see it; a neighbouring township's not.
    for username, sees in (
        ("chief_dongliujia", True),
        ("chief_hengshui", True),
        ("chief_chencun", False),
    ):
        user = User.objects.get(username=username)
        assert Problem.objects.visible_to(user).filter(pk=problem.pk).exists() is sees, username
    # Assigned without naming a department: the category's department takes it.
    admin = User.objects.get(username="admin")
    problem_services.move(admin, problem.pk, "accept")
    moved = problem_services.move(admin, problem.pk, "assign", deadline_days=5)
    assert moved.assignee_department.code == department


def test_a_case_marked_major_gets_the_longer_answer_deadline(
    reach, django_capture_on_commit_callbacks
):
    from riverchief.accounts.models import User
    from riverchief.problems import services as problem_services

    report = services.submit_report(**report_data())
    admin = User.objects.get(username="admin")
    with django_capture_on_commit_callbacks(execute=True):
        problem_services.move(admin, report.problem_id, "edit", severity="major")
    report.refresh_from_db()
    local = report.answer_due.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert local == due_date(report.created_at, 20)
