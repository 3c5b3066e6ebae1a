"""After the report: publication on acceptance, public pages without private data, the rating
after closure (不满意 reopens once), a volunteer's confirmation, and the answer deadline sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from riverchief.accounts.models import User
from riverchief.portal import services, tasks
from riverchief.portal.models import PublicPhoto, Rating
from riverchief.problems import services as problem_services
from riverchief.problems.models import Problem
from tests.portal.conftest import ON_REACH, photo, report_data

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL = "王秘密", "13912345678", "secret@example.com"


@pytest.fixture
def submitted(reach):
    return services.submit_report(
        **report_data(name=NAME, phone=PHONE, email=EMAIL, photos=[photo(gps=ON_REACH)])
    )


def _pages(client, report):
    urls = [
        "/p/",
        f"/p/reaches/{report.problem.reach.code}",
        f"/p/track/{report.tracking_code}",
        "/p/map.geojson",
    ]
    return {url: client.get(url).content.decode() for url in urls}


def test_an_unaccepted_report_is_not_public(submitted):
    client = Client()
    reach_page = client.get("/p/reaches/PT-REACH").content.decode()
    assert "河边堆了很多建筑垃圾" not in reach_page
    assert submitted.tracking_code not in client.get("/p/map.geojson").content.decode()
    assert not PublicPhoto.objects.filter(report=submitted).exists()  # no public copy yet
    # The reporter, holding the code, sees the steps but not yet the photos.
    page = client.get(f"/p/track/{submitted.tracking_code}").content.decode()
    assert "等待受理" in page and "/p/photos/" not in page


def test_an_accepted_report_is_public_without_names_or_phones(
    submitted, django_capture_on_commit_callbacks
):
    admin = User.objects.get(username="admin")
    with django_capture_on_commit_callbacks(execute=True):
        problem_services.move(admin, submitted.problem_id, "accept")
    client = Client()
    pages = _pages(client, submitted)
    assert "河边堆了很多建筑垃圾" in pages["/p/reaches/PT-REACH"]
    token = PublicPhoto.objects.get(report=submitted).token
    assert f"/p/photos/{token}" in pages["/p/reaches/PT-REACH"]
    assert client.get(f"/p/photos/{token}").status_code == 200
    for url, page in pages.items():
        for secret in (NAME, PHONE, EMAIL, "TestPhone"):
            assert secret not in page, (url, secret)


def test_a_refused_report_stays_private(submitted):
    admin = User.objects.get(username="admin")
    problem_services.move(admin, submitted.problem_id, "reject", reason="不在河道管理范围内")
    client = Client()
    assert "河边堆了很多建筑垃圾" not in client.get("/p/reaches/PT-REACH").content.decode()
    page = client.get(f"/p/track/{submitted.tracking_code}").content.decode()
    assert "不予受理" in page and "不在河道管理范围内" in page  # the reporter gets the reason


def test_after_closure_the_answer_and_the_after_photo_are_public(submitted, close):
    close(submitted.problem_id)
    after = PublicPhoto.objects.get(report=submitted, stage="after")
    client = Client()
    page = client.get(f"/p/track/{submitted.tracking_code}").content.decode()
    assert "垃圾已清理完毕" in page and "已办结" in page
    assert f"/p/photos/{after.token}" in page
    assert 'data-testid="rating-form"' in page
    assert client.get(f"/p/photos/{after.token}")["Content-Type"] == "image/jpeg"


def test_internal_notes_stay_internal(submitted):
    admin = User.objects.get(username="admin")
    problem_services.move(admin, submitted.problem_id, "accept", note="内部备注：联系村支书")
    page = Client().get(f"/p/track/{submitted.tracking_code}").content.decode()
    assert "内部备注" not in page and "河长办已受理" in page


def test_not_satisfied_reopens_once_then_no_more(submitted, close):
    close(submitted.problem_id)
    client = Client()
    response = client.post(
        f"/p/track/{submitted.tracking_code}/rate",
        {"rating": "dissatisfied", "comment": "还有垃圾"},
    )
    assert response.status_code == 302
    problem = Problem.objects.get(pk=submitted.problem_id)
    assert problem.state == "assigned" and problem.reopen_count == 1
    assert problem.assignee_department.code == "140826-SLJ"
    page = client.get(f"/p/track/{submitted.tracking_code}").content.decode()
    assert "根据举报人评价重新办理" in page
    # Handled again and closed: a second 不满意 is recorded but reopens nothing.
    dept = User.objects.get(username="dept_water")
    admin = User.objects.get(username="admin")
    problem_services.move(dept, problem.pk, "start")
    problem_services.move(dept, problem.pk, "submit", note="再次清理", files=[photo("a2.jpg")])
    problem_services.move(admin, problem.pk, "close", note="已彻底清理")
    client.post(f"/p/track/{submitted.tracking_code}/rate", {"rating": "dissatisfied"})
    problem.refresh_from_db()
    assert problem.state == "closed" and problem.dissatisfied
    assert Rating.objects.filter(report=submitted).count() == 2


def test_a_rating_is_given_once_and_only_after_closure(submitted, close):
    client = Client()
    early = client.post(f"/p/track/{submitted.tracking_code}/rate", {"rating": "satisfied"})
    assert early.status_code == 400 and "办结后才能评价" in early.content.decode()
    close(submitted.problem_id)
    assert (
        client.post(f"/p/track/{submitted.tracking_code}/rate", {"rating": "satisfied"}).status_code
        == 302
    )
    again = client.post(f"/p/track/{submitted.tracking_code}/rate", {"rating": "basically"})
    assert again.status_code == 400 and "已经评价过" in again.content.decode()
    assert Problem.objects.get(pk=submitted.problem_id).state == "closed"


def test_rating_an_unknown_code_is_a_404(reach):
    assert Client().post("/p/track/ZZZZZZZZZZ/rate", {"rating": "satisfied"}).status_code == 404


def test_a_volunteer_confirms_the_fix_of_their_report(reach, close):
    volunteer = User.objects.get(username="volunteer_hengshui")
    report = services.submit_report(**report_data(reporter=volunteer))
    close(report.problem_id, after_photo=True)
    client = Client()
    client.force_login(volunteer)
    page = client.get(f"/p/track/{report.tracking_code}").content.decode()
    assert 'data-testid="confirm-fix"' in page
    assert client.post(f"/p/track/{report.tracking_code}/confirm").status_code == 302
    report.refresh_from_db()
    assert report.fix_confirmed_at is not None
    assert report.ratings.get().value == "satisfied"
    # Someone else's volunteer report cannot be confirmed by another account.
    other = Client()
    other.force_login(User.objects.get(username="chief_dongliujia"))
    assert other.post(f"/p/track/{report.tracking_code}/confirm").status_code in (403, 404)


def test_the_county_page_counts_this_year(submitted, reach, close):
    close(submitted.problem_id)
    services.rate(submitted.tracking_code, "basically")
    second = services.submit_report(**report_data(device_id="d2"))
    close(second.problem_id)
    services.rate(second.tracking_code, "satisfied")
    from riverchief.portal.queries import year_counts

    year = dt.date.today().year
    counts = year_counts("140826", year)
    rows = Problem.objects.filter(division__code__startswith="140826", created_at__year=year)
    assert counts.reported == rows.exclude(state__in=["rejected", "duplicate"]).count()
    assert counts.closed_on_time == 2  # both closed at once, well before their 5-day deadline
    assert counts.average_rating == (3 + 5) / 2
    page = Client().get("/p/").content.decode()
    assert 'data-testid="count-rating">4.0<' in page


def test_similar_reports_within_50_metres_in_30_days(submitted):
    client = Client()
    near = client.get("/p/similar", {"lon": ON_REACH[0] + 0.0003, "lat": ON_REACH[1]}).json()
    assert near["count"] == 1 and near["items"][0]["distance_m"] < 50
    assert near["items"][0]["tracking_code"] is None  # not published yet: no link
    far = client.get("/p/similar", {"lon": ON_REACH[0] + 0.001, "lat": ON_REACH[1]}).json()
    assert far["count"] == 0  # ~90 m away
    html = client.get(
        "/p/similar", {"lon": ON_REACH[0], "lat": ON_REACH[1]}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "是否是同一问题" in html
    old = submitted.created_at - dt.timedelta(days=31)
    type(submitted).objects.filter(pk=submitted.pk).update(created_at=old)
    assert client.get("/p/similar", {"lon": ON_REACH[0], "lat": ON_REACH[1]}).json()["count"] == 0


def test_an_overdue_public_answer_is_escalated_through_the_workflow(submitted):
    admin = User.objects.get(username="admin")
    problem_services.move(admin, submitted.problem_id, "accept")
    problem_services.move(
        admin, submitted.problem_id, "assign", department_code="140826-SLJ", deadline_days=30
    )
    later = submitted.answer_due + dt.timedelta(hours=1)
    done = tasks.run_answer_sweep(now=later)
    assert done == {"raised": 1, "escalated": 1, "skipped": 0}
    submitted.refresh_from_db()
    problem = Problem.objects.get(pk=submitted.problem_id)
    assert submitted.answer_level == 1 and problem.escalation_level == 1
    assert problem.events.filter(action="escalate").count() == 1
    # Idempotent: a second run at the same moment changes nothing.
    assert tasks.run_answer_sweep(now=later) == {"raised": 0, "escalated": 0, "skipped": 0}


def test_an_overdue_answer_still_with_the_office_is_recorded(submitted):
    later = submitted.answer_due + dt.timedelta(days=30)
    done = tasks.run_answer_sweep(now=later)
    submitted.refresh_from_db()
    assert done["raised"] == 1 and done["escalated"] == 0
    assert submitted.answer_level == 3  # far overdue: 通报 level on the office's list
    assert Problem.objects.get(pk=submitted.problem_id).state == "reported"


def test_the_sweep_makes_public_copies_a_lost_hook_left_unmade(submitted):
    admin = User.objects.get(username="admin")
    problem_services.move(admin, submitted.problem_id, "accept")  # its hook never runs here
    assert not PublicPhoto.objects.filter(report=submitted).exists()
    assert tasks.missing_copies() == 1
    assert tasks.missing_copies() == 0
    assert PublicPhoto.objects.filter(report=submitted, stage="before").count() == 1


def test_the_county_page_is_kept_until_something_it_shows_changes(
    submitted, settings, django_assert_max_num_queries
):
    # (A reach's page is kept the same way: test_reach_page.py.)
    from django.core.cache import cache

    cache.clear()
    settings.RIVERCHIEF_PORTAL_CACHE_SECONDS = 60
    client = Client()
    assert "河边堆了很多建筑垃圾" not in client.get("/p/").content.decode()
    with django_assert_max_num_queries(2):  # kept: the newest ids, and the session at most
        assert "河边堆了很多建筑垃圾" not in client.get("/p/").content.decode()
    problem_services.move(User.objects.get(username="admin"), submitted.problem_id, "accept")
    assert "河边堆了很多建筑垃圾" in client.get("/p/").content.decode()  # at once
    assert client.get("/p/reaches/NO-SUCH-REACH").status_code == 404
    assert client.get("/p/reaches/NO-SUCH-REACH").status_code == 404


def test_the_hook_takes_one_event_or_a_batch(submitted):
    from riverchief.portal.hooks import on_problem_event

    admin = User.objects.get(username="admin")
    moved = problem_services.move(admin, submitted.problem_id, "accept")
    event = moved.events.get(action="accept")
    on_problem_event(moved.pk, event.pk)  # the signature of problems.signals today
    assert PublicPhoto.objects.filter(report=submitted).count() == 1
    on_problem_event([(moved.pk, event.pk)])  # a batch of pairs: nothing new to copy
    assert PublicPhoto.objects.filter(report=submitted).count() == 1
