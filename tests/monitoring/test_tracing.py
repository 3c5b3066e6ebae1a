"""Upstream tracing on the demo county: what feeds a section, nearest first, measured along the
rivers; nothing downstream, nothing from another basin; open problems in the caller's scope."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, Point

from riverchief.monitoring.network import Network, River
from riverchief.registry.models import Reach


def _upstream(client, code, **query):
    extra = "&".join(f"{k}={v}" for k, v in query.items())
    answer = client.get(f"/api/v1/sections/{code}/upstream?{extra}")
    assert answer.status_code == 200, answer.content
    return answer.json()


def _codes(rows):
    return [row.get("code") for row in rows]


def test_outfalls_above_the_border_section_come_nearest_first(signed_in):
    body = _upstream(signed_in("admin"), "SEC-SSH-DLJ")
    # The demo puts them at km 17.8, 12.8 and 11.5 of 涑水河; the section is at km 25.6.
    assert _codes(body["outfalls"]) == ["OF-PAPER", "OF-WWTP", "OF-RAIN"]
    for code, km in (("OF-PAPER", 17.8), ("OF-WWTP", 12.8), ("OF-RAIN", 11.5)):
        row = next(r for r in body["outfalls"] if r["code"] == code)
        assert row["distance_m"] == pytest.approx((25.6 - km) * 1000, rel=0.1)
    assert "OF-AYTS" not in _codes(body["outfalls"])  # on 浍河: another basin
    assert _codes(body["intakes"]) == ["IN-CCY"]
    # The section's own reaches lie at distance 0, the source reach farthest.
    reaches = {row["code"]: row["distance_m"] for row in body["reaches"]}
    assert reaches["SSH-140826101201"] == 0 and reaches["SSH-140826"] == 0
    rivers = [row["code"] for row in body["rivers"]]
    assert rivers[0] == "SSH" and {"LKYH", "LCYG"} <= set(rivers)


def test_the_reach_distances_follow_the_registry_chainage(signed_in):
    body = _upstream(signed_in("admin"), "SEC-SSH-DLJ")
    section_km = body["chainage_m"]
    for row in body["reaches"]:
        reach = Reach.objects.get(code=row["code"])
        if reach.water_body.code != "SSH" or row["distance_m"] == 0:
            continue
        end = reach.start_chainage_m + reach.length_m if reach.length_m else None
        if end is not None:
            assert row["distance_m"] == pytest.approx(section_km - end, abs=800)


def test_nothing_downstream_is_listed(signed_in):
    body = _upstream(signed_in("admin"), "SEC-SSH-GJ")  # km 14.0
    assert _codes(body["outfalls"]) == ["OF-WWTP", "OF-RAIN"]  # OF-PAPER (km 17.8) is below
    assert "SEC-SSH-DLJ" not in _codes(body["facilities"])
    assert body["rivers"][0]["code"] == "SSH"


def test_max_km_cuts_the_list(signed_in):
    body = _upstream(signed_in("admin"), "SEC-SSH-DLJ", max_km=10)
    assert _codes(body["outfalls"]) == ["OF-PAPER"]
    kept = [row for key in ("reaches", "facilities") for row in body[key]]
    assert kept and all(row["distance_m"] <= 10_000 for row in kept)


def test_open_problems_upstream_are_listed_in_the_callers_scope(signed_in):
    from riverchief.monitoring.models import Sample  # noqa: F401 - the app is loaded
    from riverchief.problems import services

    client = signed_in("admin")
    problem, _created = services.report_problem(
        None,
        {
            "category": "sewage_discharge",
            "description": "上游排污（测试）",
            "lon": next(r for r in _upstream(client, "SEC-SSH-DLJ")["outfalls"])["lon"],
            "lat": next(r for r in _upstream(client, "SEC-SSH-DLJ")["outfalls"])["lat"],
            "division_code": "140826",
            "reach_code": "SSH-140826101",
        },
    )
    body = _upstream(client, "SEC-SSH-DLJ")
    assert problem.pk in [row["id"] for row in body["problems"]]
    # Downstream of 古绛镇's section, the same problem is not upstream of it.
    assert problem.pk not in [row["id"] for row in _upstream(client, "SEC-SSH-CCY")["problems"]]


def test_the_network_adds_tributary_lengths():
    main = River("M", LineString([(0, 0), (10_000, 0)]))
    tributary = River("T", LineString([(4_000, 3_000), (4_000, 0)]), parent="M")
    network = Network({"M": main, "T": tributary})
    assert tributary.joins_at == 4_000
    feeding = network.upstream_rivers("M", 9_000)
    assert feeding == {"M": 0.0, "T": 5_000.0}
    source_of_t = network.upstream_distance(("M", 9_000), feeding, "T", Point(4_000, 3_000))
    assert source_of_t == 8_000.0  # 5 km down the main river + 3 km up the tributary
    assert network.upstream_distance(("M", 9_000), feeding, "M", Point(9_500, 0)) is None
    assert network.upstream_rivers("M", 3_000) == {"M": 0.0}  # joins below: not upstream
