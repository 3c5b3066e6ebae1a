"""The demo county's patrols: realistic walks along the demo reaches, loaded once."""

from __future__ import annotations

from riverchief.patrols import demo
from riverchief.patrols.models import Patrol


def test_the_demo_patrols_are_there_with_real_verdicts(db):
    rows = Patrol.objects.filter(note="演示巡河")
    assert rows.count() == len(demo.PLAN) + 1
    assert set(rows.values_list("verdict", flat=True)) == {"valid", "doubtful"}
    doubtful = rows.get(verdict="doubtful")
    assert [r["code"] for r in doubtful.reasons] == ["jump"]
    walk = rows.filter(user__username="chief_dongliujia").first()
    assert 1500 < walk.distance_m < 3000 and walk.coverage > 0.5
    assert walk.records.count() == 4


def test_loading_the_demo_again_stores_nothing(db):
    before = Patrol.objects.count()
    assert demo.load() == 0
    assert Patrol.objects.count() == before
