"""The patrol pages: the scoped list and its filters, a patrol's page (track, verdict explained,
records, photos), the office's decision on a 视同巡河, the compliance table with its drill-down,
and the phone app's page, service worker and manifest."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from riverchief.accounts.models import User
from riverchief.patrols import demo as patrol_demo
from riverchief.patrols import photos, services
from riverchief.patrols.models import Patrol
from riverchief.registry.models import Reach
from tests.patrols.along import along

HTMX = {"HTTP_HX_REQUEST": "true"}
VILLAGE_REACH = "SSH-140826101201"  # 涑水河东刘家村段 (横水镇), patroller_dongliujia's
CHENCUN_REACH = "SSH-140826102"  # 涑水河陈村镇段, chief_chencun's
WALK_MS = 1.25


def _walk(reach_code: str, minutes: float, started: dt.datetime) -> list[list[float]]:
    """A walk along the reach at 1.25 m/s, one point every 5 s."""
    geometry = Reach.objects.get(code=reach_code).geometry
    line = (
        geometry["coordinates"] if geometry["type"] == "LineString" else geometry["coordinates"][0]
    )
    t0 = int(started.timestamp() * 1000)
    points = []
    for i in range(int(minutes * 60 / 5) + 1):
        lon, lat = along(line, i * 5 * WALK_MS)
        points.append([round(lon, 6), round(lat, 6), t0 + i * 5000, 6.0])
    return points


def _jpeg(colour: str = "seagreen") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", (64, 48), colour)
    image.paste((20, 20, 20), (0, 0, 32, 24))
    image.save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def _patrol(
    username: str, reach: str, minutes: float = 15, hours_ago: float = 2, **extra
) -> Patrol:
    user = User.objects.get(username=username)
    started = timezone.now() - dt.timedelta(hours=hours_ago)
    points = _walk(reach, minutes, started)
    data = {
        "client_id": str(uuid.uuid4()),
        "reach_code": reach,
        "kind": "normal",
        "started_at": started.isoformat(),
        "ended_at": (started + dt.timedelta(minutes=minutes)).isoformat(),
        "points": points,
        **extra,
    }
    patrol, created = services.record_patrol(user, data)
    assert created
    return patrol


def _listed(client, query: str = "") -> set[int]:
    """The patrols the list shows, less the demo county's own (loaded with the database)."""
    html = client.get(f"/patrols/{query}").content.decode()
    shown = {int(pk) for pk in re.findall(r'<tr data-patrol="(\d+)">', html)}
    return shown - set(Patrol.objects.filter(client_id__in=DEMO).values_list("pk", flat=True))


# --- scope ------------------------------------------------------------------------------------

# The demo's patrols carry client ids derived from their names (patrols/demo.py).
DEMO = [
    uuid.uuid5(patrol_demo.NAMESPACE, f"{username}/{reach}/{index}")
    for index, (username, reach, *_rest) in enumerate([*patrol_demo.PLAN, patrol_demo.JUMP])
]


@pytest.mark.django_db
def test_every_patrol_a_township_chief_is_shown_lies_in_their_township(signed_in):
    html = signed_in("chief_hengshui").get("/patrols/").content.decode()
    shown = {int(pk) for pk in re.findall(r'<tr data-patrol="(\d+)">', html)}
    codes = set(Patrol.objects.filter(pk__in=shown).values_list("division_code", flat=True))
    assert shown and all(code.startswith("140826101") for code in codes), codes
    elsewhere = Patrol.objects.exclude(division_code__startswith="140826101").values_list(
        "pk", flat=True
    )
    assert elsewhere and not shown & set(elsewhere)


@pytest.mark.django_db
def test_a_township_chief_sees_the_patrols_of_their_township_and_no_other(signed_in):
    ours = _patrol("patroller_dongliujia", VILLAGE_REACH)
    theirs = _patrol("chief_chencun", CHENCUN_REACH)

    hengshui = signed_in("chief_hengshui")
    assert _listed(hengshui) == {ours.pk}
    assert hengshui.get(f"/patrols/{ours.pk}/").status_code == 200
    assert hengshui.get(f"/patrols/{theirs.pk}/").status_code == 404

    # The county office sees both; the patroller their own; another county's chief nothing.
    assert _listed(signed_in("admin")) == {ours.pk, theirs.pk}
    assert _listed(signed_in("patroller_dongliujia")) == {ours.pk}
    outsider = signed_in("out_chief_township")
    assert _listed(outsider) == set()
    assert outsider.get(f"/patrols/{ours.pk}/").status_code == 404


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in ("/patrols/", "/patrols/go/", "/patrols/compliance/", "/patrols/1/"):
        answer = client.get(url)
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"], url


# --- the list ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_filters_by_verdict_person_reach_township_kind_and_dates(signed_in):
    valid = _patrol("patroller_dongliujia", VILLAGE_REACH, minutes=15, hours_ago=30)
    short = _patrol("patroller_dongliujia", VILLAGE_REACH, minutes=3, hours_ago=2)
    chencun = _patrol("chief_chencun", CHENCUN_REACH, minutes=15, hours_ago=5)
    assert (valid.verdict, short.verdict, chencun.verdict) == ("valid", "invalid", "valid")
    admin = signed_in("admin")
    assert _listed(admin, "?verdict=valid") == {valid.pk, chencun.pk}
    assert _listed(admin, "?verdict=invalid") == {short.pk}
    assert _listed(admin, "?person=chief_chencun") == {chencun.pk}
    assert _listed(admin, f"?reach={VILLAGE_REACH}") == {valid.pk, short.pk}
    assert _listed(admin, "?township=140826101") == {valid.pk, short.pk}
    assert _listed(admin, "?kind=delegated") == set()
    yesterday = timezone.localdate(valid.started_at).isoformat()
    assert _listed(admin, f"?until={yesterday}") == {valid.pk}
    assert _listed(admin, "?verdict=nonsense&since=not-a-date") == {valid.pk, short.pk, chencun.pk}
    # The htmx request answers the rows alone, with the same filter.
    fragment = admin.get("/patrols/?verdict=invalid", **HTMX).content.decode()
    assert "<form" not in fragment
    assert re.findall(r'data-patrol="(\d+)"', fragment) == [str(short.pk)]


# --- a patrol's page --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_short_patrols_page_says_why_it_is_invalid_and_draws_its_track(signed_in):
    user = User.objects.get(username="patroller_dongliujia")
    photo, _created = photos.upload_photo(user, _jpeg(), str(uuid.uuid4()))
    patrol = _patrol(
        "patroller_dongliujia",
        VILLAGE_REACH,
        minutes=4,
        records=[
            {
                "client_id": str(uuid.uuid4()),
                "item": "outfall",
                "status": "abnormal",
                "note": "排污口有黑水流出",
                "lon": 111.419,
                "lat": 35.4855,
                "t_ms": int(timezone.now().timestamp() * 1000) - 7000_000,
                "photo_ids": [str(photo.client_id)],
            }
        ],
    )
    html = signed_in("chief_hengshui").get(f"/patrols/{patrol.pk}/").content.decode()
    assert 'data-verdict="invalid"' in html
    reasons = re.findall(r'data-testid="reason" data-code="(\w+)"', html)
    assert "too_short" in reasons and "too_far" in reasons
    # The rule's figures, in words, and why the rule matters.
    assert "4.0" in html and "10.0" in html
    assert "cannot have looked at the reach properly" in html or "巡河" in html
    data = json.loads(re.search(r'id="patrol-map-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert len(data["points"]) == patrol.point_count == 4 * 12 + 1
    assert data["reach"]["type"] == "LineString"
    assert data["records"] and data["records"][0]["lon"] == pytest.approx(111.419)
    assert 'data-item="outfall" data-status="abnormal"' in html
    assert "排污口有黑水流出" in html
    photo_url = f"/api/v1/patrols/{patrol.pk}/photos/{photo.pk}"
    assert photo_url in html
    assert signed_in("chief_hengshui").get(photo_url).status_code == 200


@pytest.mark.django_db
def test_a_valid_patrol_shows_no_reason_and_its_figures(signed_in):
    patrol = _patrol("patroller_dongliujia", VILLAGE_REACH, minutes=15)
    html = signed_in("patroller_dongliujia").get(f"/patrols/{patrol.pk}/").content.decode()
    assert 'data-verdict="valid"' in html
    assert 'data-testid="no-reasons"' in html
    # 15 minutes at 1.25 m/s: 1.125 km, 4.5 km/h.
    assert "15 min" in html
    assert f"{patrol.distance_m / 1000:.2f} km" in html
    assert abs(patrol.distance_m - 1125) < 15
    assert "4.5 km/h" in html


# --- 视同巡河 ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_office_approves_a_meeting_as_a_patrol_from_its_page(signed_in):
    chief = User.objects.get(username="chief_dongliujia")
    evidence, _created = photos.upload_photo(chief, _jpeg("navy"), str(uuid.uuid4()))
    started = timezone.now() - dt.timedelta(hours=3)
    patrol, _created = services.record_patrol(
        chief,
        {
            "client_id": str(uuid.uuid4()),
            "reach_code": VILLAGE_REACH,
            "kind": "equivalent",
            "started_at": started.isoformat(),
            "ended_at": (started + dt.timedelta(hours=1)).isoformat(),
            "note": "主持召开河道清障协调会",
            "photo_ids": [str(evidence.client_id)],
        },
    )
    assert patrol.verdict == "doubtful"
    chief_page = signed_in("chief_dongliujia").get(f"/patrols/{patrol.pk}/").content.decode()
    assert 'data-testid="approval"' not in chief_page  # only the office decides
    assert signed_in("chief_hengshui").post(f"/patrols/{patrol.pk}/approval/").status_code == 403
    patrol.refresh_from_db()
    assert patrol.approval == "pending"  # a township chief's try changed nothing

    office = signed_in("admin")
    page = office.get(f"/patrols/{patrol.pk}/").content.decode()
    assert 'data-testid="approval"' in page and 'data-code="awaiting_approval"' in page
    answer = office.post(
        f"/patrols/{patrol.pk}/approval/", {"decision": "approve", "note": "会议纪要已核"}
    )
    assert answer.status_code == 302
    patrol.refresh_from_db()
    assert (patrol.approval, patrol.verdict, patrol.credited) == ("approved", "valid", True)
    assert 'data-verdict="valid"' in office.get(f"/patrols/{patrol.pk}/").content.decode()
    assert signed_in("out_office").post(f"/patrols/{patrol.pk}/approval/").status_code == 404


# --- compliance -------------------------------------------------------------------------------


def _window_counts(html: str, username: str) -> dict[str, int]:
    row = re.search(rf'data-username="{username}".*?</tr>', html, re.S).group(0)
    return {key: int(n) for key, n in re.findall(r">([\dWQH-]+): (\d+)</span>", row)}


@pytest.mark.django_db
def test_compliance_counts_only_valid_patrols_and_drills_down_to_people(signed_in):
    _patrol("patroller_dongliujia", VILLAGE_REACH, minutes=3, hours_ago=1)  # invalid
    office = signed_in("admin")
    # The week and month of the valid patrol below (half an hour ago): right after midnight in
    # Beijing that is still yesterday's week, which "today" would miss.
    walked = timezone.localtime(timezone.now() - dt.timedelta(hours=0.5))
    period = walked.strftime("%Y-%m")
    week = walked.strftime("%G-W%V")
    drill = f"/patrols/compliance/?period={period}&township=140826101&level=village"
    before = _window_counts(office.get(drill).content.decode(), "patroller_dongliujia")
    assert week in before  # the demo's own patrols may already count

    _patrol("patroller_dongliujia", VILLAGE_REACH, minutes=15, hours_ago=0.5)
    page = office.get(f"/patrols/compliance/?period={period}").content.decode()
    row = re.search(r'data-township="140826101000" data-level="village".*?</tr>', page, re.S)
    assert row, "横水镇's village row is missing"
    assert "/api/v1/patrols/compliance/export?period=" in page
    after = _window_counts(office.get(drill, **HTMX).content.decode(), "patroller_dongliujia")
    assert after[week] == before[week] + 1  # the valid one; the short one does not count
    # Another county's office sees none of 横水镇's people.
    outside = signed_in("out_office").get(drill).content.decode()
    assert "patroller_dongliujia" not in outside


# --- the phone app ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_patrol_app_page_carries_its_settings_and_translated_texts(signed_in):
    html = signed_in("patroller_dongliujia").get("/patrols/go/").content.decode()
    config = json.loads(re.search(r'id="patrol-config"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert config["user"] == "patroller_dongliujia"
    assert config["urls"]["reaches"] == "/api/v1/patrols/my-reaches"
    assert config["urls"]["patrols"] == "/api/v1/patrols"
    assert config["urls"]["photos"] == "/api/v1/patrols/photos"
    assert [item[0] for item in config["items"]] == [
        "water",
        "surface",
        "channel",
        "bank",
        "outfall",
        "signboard",
        "structure",
        "other",
    ]
    assert config["items"][0][1] == "水体"
    assert config["text"]["offline"] == "离线"
    assert config["text"]["verdicts"]["valid"] == "有效"
    assert 'rel="manifest"' in html
    assert 'value="luan_dui"' in html  # the problem categories


@pytest.mark.django_db
def test_the_service_worker_keeps_files_that_exist_and_the_manifest_installs_the_app(client):
    worker = client.get("/patrols/go/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/patrols/go/"
    body = worker.content.decode()
    files = json.loads(re.search(r"const FILES = (\[.*?\]);", body).group(1))
    assert "/static/patrols/go.js" in files and "/static/vendor/leaflet/leaflet.js" in files
    for url in files:
        assert finders.find(url.removeprefix("/static/")), url
    # Every module the app imports is kept, or the page would not start offline.
    modules, seen = ["go.js"], set()
    while modules:
        name = modules.pop()
        seen.add(name)
        with open(finders.find(f"patrols/{name}"), encoding="utf-8") as handle:
            imported = re.findall(r'from "\./([\w.]+\.js)"', handle.read())
        modules += [m for m in imported if m not in seen]
    assert len(seen) >= 7
    assert {f"/static/patrols/{name}" for name in seen} <= set(files)
    manifest = json.loads(client.get("/patrols/go/manifest.webmanifest").content)
    assert manifest["start_url"] == manifest["scope"] == "/patrols/go/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]


@pytest.mark.django_db
def test_a_bad_month_shows_the_current_one_with_a_message(signed_in):
    answer = signed_in("admin").get("/patrols/compliance/?period=2026-13")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "YYYY-MM" in html
    assert f'value="{timezone.localdate():%Y-%m}"' in html
