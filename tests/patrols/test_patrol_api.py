"""Recording patrols through the API: what is stored, what is refused, and who may."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from riverchief.core.models import AuditEntry
from riverchief.patrols.models import Patrol, PatrolPhoto
from riverchief.problems.models import Problem
from tests.patrols.conftest import body, iso, jpeg, upload_photo
from tests.patrols.synth import START, T0, east, north, walk
from tests.patrols.test_track import _gpx


def _post(client, data):
    return client.post("/api/v1/patrols", json.dumps(data), content_type="application/json")


def test_a_real_looking_patrol_is_stored_once_and_valid(reach, client_for):
    client = client_for("chief_dongliujia")
    data = body(walk(1500, noise_m=3.0))  # 20 minutes, 1.5 km along the reach
    first = _post(client, data)
    assert first.status_code == 201, first.content
    stored = first.json()
    assert stored["verdict"] == "valid", stored["reasons"]
    assert stored["credited"] is True
    assert stored["distance_m"] == pytest.approx(1500, rel=0.08)  # white 3 m jitter adds ~6 %
    assert stored["duration_s"] == 1200
    assert stored["coverage"] == pytest.approx((1500 + 100) / 2000, abs=0.01)
    assert stored["level"] == "village" and stored["role"] == "chief"
    again = _post(client, data)
    assert again.status_code == 200 and again.json()["id"] == stored["id"]
    assert Patrol.objects.filter(client_id=data["client_id"]).count() == 1
    entries = AuditEntry.objects.filter(object_type="patrols.patrol", object_id=str(stored["id"]))
    assert list(entries.values_list("action", flat=True)) == ["create"]
    detail = client.get(f"/api/v1/patrols/{stored['id']}").json()
    assert len(detail["points"]) == len(data["points"])
    assert detail["points"][10][:3] == pytest.approx(data["points"][10][:3], abs=1e-6)


@pytest.mark.parametrize(
    ("points", "field"),
    [
        ([], "points"),
        ([[111.41, 35.52, T0, 5], [float("nan"), 35.52, T0 + 1000, 5]], "points[1]"),
        ([[111.41, 35.52, T0, 5], [111.41, 135.52, T0 + 1000, 5]], "points[1]"),
        ([[191.41, 35.52, T0, 5]], "points[0]"),
        ([[111.41, 35.52, T0, 500], [111.42, 35.52, T0 + 1000, 500]], "points"),
    ],
)
def test_a_bad_track_is_a_clear_error_and_stores_nothing(reach, client_for, points, field):
    before = Patrol.objects.count()
    response = _post(client_for("chief_dongliujia"), body(points))
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid_track" and payload["field"] == field
    assert payload["message"] and payload["message_en"] != payload["message"]
    assert Patrol.objects.count() == before


def test_repairs_are_recorded_as_flags(reach, client_for):
    points = walk(1500)
    points[10], points[11] = points[11], points[10]
    points.insert(20, list(points[20]))
    points[30][3] = 250
    response = _post(client_for("chief_dongliujia"), body(points))
    assert response.status_code == 201
    flags = {f["code"]: f["count"] for f in response.json()["flags"]}
    assert flags == {"out_of_order": 1, "duplicate_times": 1, "low_accuracy": 1}
    assert response.json()["point_count"] == len(points) - 2


def test_a_reach_that_is_not_mine_is_refused(reach, client_for):
    before = Patrol.objects.count()
    response = _post(client_for("chief_chencun"), body(walk(1500)))
    assert response.status_code == 403
    assert response.json()["field"] == "reach_code"
    unknown = _post(client_for("chief_dongliujia"), body(walk(1500), reach_code="NOPE"))
    assert unknown.status_code == 404 and unknown.json()["field"] == "reach_code"
    assert _post(client_for("out_chief_village"), body(walk(1500))).status_code == 403
    assert Patrol.objects.count() == before


def test_bad_times_and_kinds_are_refused(reach, client_for):
    before = Patrol.objects.count()
    client = client_for("chief_dongliujia")
    points = walk(1500)
    cases = [
        ({"started_at": "2026-05-28 12:00"}, "started_at"),
        ({"ended_at": iso(points[0][2] - 1000)}, "ended_at"),
        ({"kind": "teleport"}, "kind"),
        ({"client_id": "not-a-uuid"}, "client_id"),
        ({"pauses": [[5, 1]]}, "pauses"),
        ({"records": [{"client_id": str(uuid.uuid4()), "item": "sky"}]}, "records[0].item"),
    ]
    for extra, field in cases:
        response = _post(client, body(points, **extra))
        assert response.status_code == 400, (extra, response.content)
        assert response.json()["field"] == field
    garbage = client.post("/api/v1/patrols", "{nope", content_type="application/json")
    assert garbage.status_code == 400
    assert Patrol.objects.count() == before


def test_a_gpx_upload_is_measured_like_points(reach, client_for):
    points = walk(1500, every_s=5.0)
    data = body([])
    data.pop("points")
    data["kind"] = "upload"
    data["started_at"], data["ended_at"] = iso(points[0][2]), iso(points[-1][2])
    data["track"] = SimpleUploadedFile("walk.gpx", _gpx(points), "application/gpx+xml")
    response = client_for("chief_dongliujia").post("/api/v1/patrols", data)
    assert response.status_code == 201, response.content
    assert response.json()["verdict"] == "valid"
    assert response.json()["point_count"] == len(points)


def test_a_20_mb_gpx_is_refused_quickly(reach, client_for):
    data = body([])
    data.pop("points")
    data["kind"] = "upload"
    big = _gpx(walk(100)) + b" " * (20 * 1024 * 1024)
    data["track"] = SimpleUploadedFile("big.gpx", big, "application/gpx+xml")
    response = client_for("chief_dongliujia").post("/api/v1/patrols", data)
    assert response.status_code == 400
    assert response.json()["field"] == "track" and "5 MB" in response.json()["message_en"]


def test_a_problem_found_becomes_a_patrol_problem_with_its_photo(reach, client_for):
    client = client_for("chief_dongliujia")
    points = walk(1500)
    taken = "2026-05-29 04:40:00".replace("-", ":")  # 20:40 UTC, inside the walk
    photo, photo_id = upload_photo(client, jpeg(3, taken, east(*START, 600)))
    assert photo.status_code == 201, photo.content
    assert photo.json()["lon"] == pytest.approx(east(*START, 600)[0], abs=1e-5)
    problem_id = str(uuid.uuid4())
    record_id = str(uuid.uuid4())
    data = body(
        points,
        records=[
            {"client_id": record_id, "item": "bank", "status": "abnormal", "photo_ids": [photo_id]}
        ],
        problems=[
            {
                "client_id": problem_id,
                "category": "luan_dui",
                "description": "河岸堆放建筑垃圾（测试）",
                "severity": "general",
                "lon": east(*START, 600)[0],
                "lat": START[1],
                "photo_ids": [photo_id],
            }
        ],
    )
    response = _post(client, data)
    assert response.status_code == 201, response.content
    assert response.json()["verdict"] == "valid", response.json()["reasons"]
    link = response.json()["problems"][0]
    problem = Problem.objects.get(pk=link["id"])
    assert (problem.source, problem.reach.code, problem.severity) == (
        "patrol",
        "P-REACH",
        "ordinary",
    )
    assert problem.attachments.count() == 1
    assert link["ref"] == problem.number
    again = _post(client, data)
    assert again.status_code == 200
    assert Problem.objects.filter(description="河岸堆放建筑垃圾（测试）").count() == 1
    detail = client.get(f"/api/v1/patrols/{response.json()['id']}").json()
    assert detail["records"][0]["status"] == "abnormal"
    photo_url = detail["photos"][0]["url"]
    assert client.get(photo_url).status_code == 200
    assert client_for("out_chief_village").get(photo_url).status_code == 404


def test_a_problem_with_an_unknown_category_names_the_field(reach, client_for):
    before = Patrol.objects.count()
    data = body(
        walk(1500),
        problems=[{"client_id": str(uuid.uuid4()), "category": "nope", "description": "x"}],
    )
    response = _post(client_for("chief_dongliujia"), data)
    assert response.status_code == 404
    assert response.json()["field"] == "problems[0].category"
    assert Patrol.objects.count() == before


def test_photos_are_stored_once_and_must_be_images(reach, client_for):
    client = client_for("patroller_dongliujia")
    first, photo_id = upload_photo(client, jpeg(4))
    again, _same = upload_photo(client, jpeg(4), photo_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert PatrolPhoto.objects.count() == 1
    fake, _id = upload_photo(client, b"%PDF-1.4 not an image")
    assert fake.status_code == 400 and fake.json()["field"] == "file"
    bad_id = client.post(
        "/api/v1/patrols/photos", {"client_id": "x", "file": SimpleUploadedFile("a.jpg", jpeg(5))}
    )
    assert bad_id.status_code == 400 and bad_id.json()["field"] == "client_id"
    missing = _post(client, body(walk(1500), photo_ids=[str(uuid.uuid4())]))
    assert missing.status_code == 400 and missing.json()["code"] == "photo_missing"


def test_a_chiefs_assistant_patrols_on_the_chiefs_behalf(reach, client_for):
    data = body(walk(1500), kind="delegated", on_behalf_of="chief_dongliujia")
    response = _post(client_for("assistant_test"), data)
    assert response.status_code == 201, response.content
    patrol = Patrol.objects.get(pk=response.json()["id"])
    assert patrol.user.username == "assistant_test"
    assert patrol.credited_user.username == "chief_dongliujia"
    assert response.json()["on_behalf_of"] == "chief_dongliujia"
    # Not an assistant: refused; an assistant may not patrol as themselves.
    other = body(walk(1500), kind="delegated", on_behalf_of="chief_dongliujia")
    assert _post(client_for("patroller_dongliujia"), other).status_code == 403
    assert _post(client_for("assistant_test"), body(walk(1500))).status_code == 403
    not_chief = body(walk(1500), kind="delegated", on_behalf_of="chief_chencun")
    assert _post(client_for("assistant_test"), not_chief).json()["field"] == "on_behalf_of"


def test_a_meeting_counts_once_the_office_approves_it(reach, client_for):
    chief = client_for("chief_dongliujia")
    _photo, photo_id = upload_photo(chief, jpeg(6))
    no_evidence = body([], kind="equivalent", note="专题会议")
    no_evidence.pop("points")
    assert _post(chief, no_evidence).json()["field"] == "photo_ids"
    data = dict(no_evidence, client_id=str(uuid.uuid4()), photo_ids=[photo_id])
    response = _post(chief, data)
    assert response.status_code == 201, response.content
    assert (response.json()["verdict"], response.json()["approval"]) == ("doubtful", "pending")
    url = f"/api/v1/patrols/{response.json()['id']}/approval"
    payload = json.dumps({"approve": True, "note": "同意"})
    assert chief.post(url, payload, content_type="application/json").status_code == 403
    outside = client_for("out_office").post(url, payload, content_type="application/json")
    assert outside.status_code == 404
    approved = client_for("admin").post(url, payload, content_type="application/json")
    assert approved.status_code == 200
    assert (approved.json()["verdict"], approved.json()["credited"]) == ("valid", True)
    assert AuditEntry.objects.filter(action="approve", object_type="patrols.patrol").exists()


def test_a_teleport_and_a_copied_track_are_doubtful(reach, client_for):
    client = client_for("chief_dongliujia")
    honest = walk(1500, noise_m=3.0, seed=7)
    assert _post(client, body(honest)).json()["verdict"] == "valid"
    copy = [[p[0], p[1], p[2] + 86_400_000, p[3]] for p in honest]
    copied = _post(client, body(copy)).json()
    assert copied["verdict"] == "doubtful"
    assert [r["code"] for r in copied["reasons"]] == ["copied_track"]
    assert "nearly identical" in copied["reasons"][0]["message_en"]
    teleport = walk(1500, noise_m=3.0, seed=8, t0=T0 + 2 * 86_400_000)
    far = north(*teleport[500][:2], 6000)
    teleport[500] = [far[0], far[1], teleport[500][2], 5]
    jumped = _post(client, body(teleport)).json()
    assert jumped["verdict"] == "doubtful"
    assert [r["code"] for r in jumped["reasons"]] == ["jump"]


def test_a_reused_photo_is_doubtful(reach, client_for):
    client = client_for("chief_dongliujia")
    _r, first_id = upload_photo(client, jpeg(9))
    first = body(walk(1500, seed=1), photo_ids=[first_id])
    assert _post(client, first).json()["verdict"] == "valid"
    _r, second_id = upload_photo(client, jpeg(9))  # the same picture, a new upload
    second = body(walk(1500, seed=2, noise_m=3.0, t0=T0 + 86_400_000), photo_ids=[second_id])
    reused = _post(client, second).json()
    assert [r["code"] for r in reused["reasons"]] == ["photo_reused"]
    assert reused["verdict"] == "doubtful"


def test_a_photo_taken_elsewhere_is_doubtful(reach, client_for):
    client = client_for("chief_dongliujia")
    far = north(*START, 2000)
    _r, photo_id = upload_photo(client, jpeg(10, "2026:05:29 04:35:00", far))
    response = _post(client, body(walk(1500), photo_ids=[photo_id])).json()
    assert [r["code"] for r in response["reasons"]] == ["photo_place"]


def test_supervisors_see_subordinates_patrols_and_outsiders_do_not(reach, client_for):
    response = _post(client_for("patroller_dongliujia"), body(walk(1500)))
    patrol_id = response.json()["id"]
    for username in ("chief_hengshui", "admin", "chief_sushui", "leader", "patroller_dongliujia"):
        listing = client_for(username).get("/api/v1/patrols?reach=P-REACH").json()
        assert listing["count"] == 1, username
        assert client_for(username).get(f"/api/v1/patrols/{patrol_id}").status_code == 200
    for username in ("chief_chencun", "out_chief_township", "out_office"):
        assert client_for(username).get("/api/v1/patrols?reach=P-REACH").json()["count"] == 0
        assert client_for(username).get(f"/api/v1/patrols/{patrol_id}").status_code == 404


def test_my_reaches_lists_the_reaches_i_may_patrol(reach, client_for):
    mine = client_for("patroller_dongliujia").get("/api/v1/patrols/my-reaches").json()
    found = {r["code"]: r for r in mine}
    assert "P-REACH" in found
    assert found["P-REACH"]["geometry"]["type"] == "LineString"
    assert found["P-REACH"]["river_name"] == "测巡河（测试）"
    assert "P-REACH" not in {
        r["code"] for r in client_for("chief_chencun").get("/api/v1/patrols/my-reaches").json()
    }


def test_a_long_no_problem_streak_while_others_report_is_doubtful(reach, client_for):
    from riverchief.accounts.models import User
    from riverchief.problems.services import report_problem

    chief = client_for("chief_dongliujia")
    for day in range(7):
        data = body(walk(1500, noise_m=3.0, seed=20 + day, t0=T0 + day * 86_400_000))
        reasons = [r["code"] for r in _post(chief, data).json()["reasons"]]
        assert "no_problem_streak" not in reasons  # nobody else reported anything yet
    report_problem(
        User.objects.get(username="patroller_dongliujia"),
        {
            "category": "luan_dui",
            "description": "河岸垃圾（测试）",
            "reach_code": "P-REACH",
            "lon": east(*START, 300)[0],
            "lat": START[1],
        },
    )
    data = body(walk(1500, noise_m=3.0, seed=40, t0=T0 + 8 * 86_400_000))
    flagged = _post(chief, data).json()
    assert [r["code"] for r in flagged["reasons"]] == ["no_problem_streak"]
    assert flagged["reasons"][0]["params"]["others_reports"] == 1
    assert flagged["verdict"] == "doubtful"
