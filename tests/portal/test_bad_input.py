"""Every bad input of the issue gets a clear answer (a form error in Chinese naming the field,
the right status) and nothing is stored half-way: no report, no problem, no file."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from riverchief.portal.models import PublicPhoto, PublicReport
from riverchief.problems.models import Attachment, Problem
from tests.portal.conftest import ON_REACH, image_bytes, photo

pytestmark = pytest.mark.django_db


def _post(client, **overrides):
    data = {
        "category": "rubbish",
        "description": "河边有垃圾",
        "lon": str(ON_REACH[0]),
        "lat": str(ON_REACH[1]),
        "coordinate_system": "wgs84",
        "consent": "on",
        "device_id": "dev-1",
    }
    files = overrides.pop("photos", None)
    data.update({k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        data.pop(key, None)
    if files is not None:
        data["photos"] = files
    return client.post("/p/report", data, REMOTE_ADDR="192.0.2.10")


def _nothing_stored(media_root):
    assert PublicReport.objects.count() == 0
    assert not Problem.objects.filter(source="public").exists()
    assert Attachment.objects.count() == 0 and PublicPhoto.objects.count() == 0
    files = [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []
    assert files == []


@pytest.fixture
def client():
    return Client()


@pytest.mark.parametrize(
    ("overrides", "status", "field", "words"),
    [
        ({"lon": None, "lat": None}, 400, "location", "位置"),
        ({"lon": "2.35", "lat": "48.85"}, 400, "location", "中国境内"),
        (
            {"lon": "2.35", "lat": "48.85", "coordinate_system": "gcj02"},
            400,
            "location",
            "中国境内",
        ),
        ({"description": ""}, 400, "description", "照片"),
        ({"description": "<b> </b>"}, 400, "description", "照片"),  # nothing left
        ({"category": "nope"}, 404, "category", "类别"),
        ({"consent": None}, 400, "consent", "同意"),
    ],
)
def test_bad_input_answers_with_a_form_error(
    client, reach, settings, overrides, status, field, words
):
    response = _post(client, **overrides)
    assert response.status_code == status
    page = response.content.decode()
    assert f'data-testid="error-{field}"' in page or 'data-testid="form-error"' in page
    assert words in page, page[page.find('class="error"') - 100 : page.find('class="error"') + 300]
    _nothing_stored(settings.MEDIA_ROOT)


def test_seven_photos_are_refused(client, reach, settings):
    response = _post(client, photos=[photo(f"p{i}.jpg") for i in range(7)])
    assert response.status_code == 400
    assert "最多 6 张" in response.content.decode()
    _nothing_stored(settings.MEDIA_ROOT)


def test_a_30_mb_photo_is_refused_as_too_large(client, reach, settings):
    big = SimpleUploadedFile("big.jpg", image_bytes() + b"\0" * (30 * 1024 * 1024))
    response = _post(client, photos=[big])
    assert response.status_code == 413
    assert "MB" in response.content.decode()
    _nothing_stored(settings.MEDIA_ROOT)


def test_a_png_renamed_jpg_is_refused(client, reach, settings):
    fake = SimpleUploadedFile("site.jpg", image_bytes("PNG"), content_type="image/jpeg")
    response = _post(client, photos=[fake])
    assert response.status_code == 400
    page = response.content.decode()
    assert "site.jpg" in page and "image/png" in page
    _nothing_stored(settings.MEDIA_ROOT)


def test_a_text_file_renamed_jpg_is_refused(client, reach, settings):
    fake = SimpleUploadedFile("site.jpg", b"hello, not an image", content_type="image/jpeg")
    response = _post(client, photos=[fake])
    assert response.status_code == 400
    _nothing_stored(settings.MEDIA_ROOT)


def test_a_failure_after_the_photos_are_written_leaves_no_file(
    client, reach, settings, monkeypatch
):
    from riverchief.portal import services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.submit_report(
            category_code="rubbish",
            description="x",
            lon=ON_REACH[0],
            lat=ON_REACH[1],
            photos=[photo()],
        )
    _nothing_stored(settings.MEDIA_ROOT)


def test_the_honeypot_refuses_robots(client, reach, settings):
    response = _post(client, website="http://spam.example")
    assert response.status_code == 400
    _nothing_stored(settings.MEDIA_ROOT)


def test_the_rate_limit_per_ip(client, reach, settings):
    settings.RIVERCHIEF_PORTAL_REPORTS_PER_HOUR = 5
    for n in range(5):
        assert _post(client, device_id=f"dev-{n}").status_code == 302
    response = _post(client, device_id="dev-new")
    assert response.status_code == 429
    assert "每小时最多 5 次" in response.content.decode()
    assert PublicReport.objects.count() == 5


def test_the_rate_limit_per_device_across_addresses(reach, settings):
    settings.RIVERCHIEF_PORTAL_REPORTS_PER_HOUR = 2
    client = Client()
    for n in range(2):
        data = {
            "category": "rubbish",
            "description": "x",
            "lon": ON_REACH[0],
            "lat": ON_REACH[1],
            "consent": "on",
            "device_id": "same-phone",
        }
        assert client.post("/p/report", data, REMOTE_ADDR=f"192.0.2.{n}").status_code == 302
    data["device_id"] = "same-phone"
    assert client.post("/p/report", data, REMOTE_ADDR="192.0.2.99").status_code == 429
    assert PublicReport.objects.count() == 2


def test_the_rate_limit_window_is_one_hour(reach, settings):
    from datetime import timedelta

    from riverchief.portal import services

    settings.RIVERCHIEF_PORTAL_REPORTS_PER_HOUR = 1
    first = services.submit_report(
        category_code="rubbish", description="x", lon=ON_REACH[0], lat=ON_REACH[1], ip="192.0.2.1"
    )
    PublicReport.objects.filter(pk=first.pk).update(
        created_at=first.created_at - timedelta(minutes=61)
    )
    services.submit_report(
        category_code="rubbish", description="y", lon=ON_REACH[0], lat=ON_REACH[1], ip="192.0.2.1"
    )
    assert PublicReport.objects.count() == 2


def test_an_unknown_tracking_code_gets_a_clear_404_page(client):
    response = client.get("/p/track/ZZZZZZZZZZ")
    assert response.status_code == 404
    page = response.content.decode()
    assert "没有这个查询码" in page or "No report has this tracking code" in page
    assert 'data-testid="unknown-code"' in page


def test_an_html_payload_is_stored_as_plain_text_and_shown_inert(client, reach):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>河边有垃圾'
    response = _post(client, description=payload)
    assert response.status_code == 302
    report = PublicReport.objects.get()
    assert "<" not in report.problem.description
    assert "河边有垃圾" in report.problem.description
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "河边有垃圾" in page


def test_a_payload_that_survives_as_text_is_escaped(client, reach):
    response = _post(client, description='水位 <1 米 & 气味 "刺鼻" <b')
    report = PublicReport.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert report.problem.description.startswith("水位 <1 米")
    assert "水位 &lt;1 米 &amp; 气味" in page
