"""The demo county's registry (riverchief.registry.demo_data), checked independently of the code
that made it: geometry with shapely and pyproj, dates and chiefs from the database."""

from datetime import date, timedelta

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import shape

from riverchief.accounts.models import User
from riverchief.core.models import AuditEntry
from riverchief.registry import demo_data, queries
from riverchief.registry.models import ChiefAssignment, Division, Facility, Reach, WaterBody

GEOD = Geod(ellps="WGS84")
TO_UTM49 = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
DEMO_RIVERS = [water_body["code"] for water_body in demo_data.WATER_BODIES]
# The seven reservoirs named by 运城市水务局 (river-chief-system.md §8.4).
VALLEYS = ("里册峪", "陈村峪", "紫家峪", "水泛沟", "盖家沟", "崔村", "蛤蟆峪")
REAL_RESERVOIRS = {valley + "水库" for valley in VALLEYS}


def metric(geojson):
    """The geometry in metres (UTM zone 49N)."""

    def project(coordinates):
        return np.column_stack(TO_UTM49.transform(coordinates[:, 0], coordinates[:, 1]))

    return shapely.transform(shape(geojson), project)


def demo_reaches():
    return Reach.objects.filter(water_body__code__in=DEMO_RIVERS).select_related(
        "division", "water_body"
    )


def active_chiefs(reach):
    return ChiefAssignment.objects.filter(reach=reach, role="河长", end_date__isnull=True)


def test_everything_lies_in_the_jiang_county_box(db):
    rows = [*demo_reaches(), *Facility.objects.filter(code__regex=r"^(RES|CD|SL|OF|IN|SEC|SB)-")]
    rows += list(WaterBody.objects.filter(code__in=DEMO_RIVERS))
    rows += list(Division.objects.filter(code__startswith="140826", geometry__isnull=False))
    assert len(rows) > 100
    for row in rows:
        assert 111.38 <= row.min_lon <= row.max_lon <= 111.9, row.code
        assert 35.3 <= row.min_lat <= row.max_lat <= 35.7, row.code


def test_townships_tile_the_county_and_villages_lie_in_their_township(db):
    county = metric(Division.objects.get(code="140826000000").geometry)
    assert 950e6 < county.area < 1100e6  # 993.49 km² officially
    townships = Division.objects.filter(level=9, code__startswith="140826")
    outlines = {row.code: metric(row.geometry) for row in townships}
    assert len(outlines) == 10 and all(outline.is_valid for outline in outlines.values())
    assert sum(outline.area for outline in outlines.values()) == pytest.approx(county.area, 1e-3)
    codes = sorted(outlines)
    for i, code in enumerate(codes):
        assert outlines[code].difference(county).area < 1e3, code
        for other in codes[i + 1 :]:
            assert outlines[code].intersection(outlines[other]).area < 1e3, (code, other)
    villages = Division.objects.filter(level=12, code__startswith="140826", geometry__isnull=False)
    assert villages.count() == len(demo_data.VILLAGE_BOXES)
    for village in villages:
        outline = metric(village.geometry)
        assert outline.is_valid and outline.area > 1e6, village.name
        assert outline.difference(outlines[village.code[:9] + "000"]).area < 1e3, village.name


def test_every_demo_reach_lies_inside_its_division_outline(db):
    reaches = list(demo_reaches())
    assert len(reaches) >= 20
    for reach in reaches:
        line = metric(reach.geometry)
        outline = metric(reach.division.geometry)
        assert line.difference(outline.buffer(1.0)).length < 0.5, reach.code


def test_reach_lengths_are_geodesic(db):
    for reach in demo_reaches():
        expected = GEOD.geometry_length(shape(reach.geometry))
        assert reach.length_m == pytest.approx(expected, abs=0.1), reach.code


@pytest.mark.parametrize("river", ["SSH", "KH"])
def test_every_township_the_river_crosses_has_a_reach_with_a_chief(db, river):
    line = metric(WaterBody.objects.get(code=river).geometry)
    crossed = [
        township
        for township in Division.objects.filter(level=9, code__startswith="140826")
        if line.intersection(metric(township.geometry)).length > 500
    ]
    assert len(crossed) >= 3
    for township in crossed:
        reach = Reach.objects.get(water_body__code=river, division=township)
        assert reach.level == "township"
        assert active_chiefs(reach).count() == 1, reach.code
    county_reach = Reach.objects.get(water_body__code=river, level="county")
    assert county_reach.division.code == "140826000000"
    assert active_chiefs(county_reach).get().level == "county"


@pytest.mark.parametrize("river", ["SSH", "KH"])
def test_township_reaches_follow_each_other_down_the_river(db, river):
    reaches = list(
        Reach.objects.filter(water_body__code=river, level="township").order_by("start_chainage_m")
    )
    assert reaches[0].start_chainage_m == 0
    for upper, lower in zip(reaches, reaches[1:], strict=False):
        assert lower.start_chainage_m == pytest.approx(
            upper.start_chainage_m + upper.length_m, abs=1.0
        )
    total = Reach.objects.get(water_body__code=river, level="county").length_m
    assert sum(reach.length_m for reach in reaches) == pytest.approx(total, abs=1.0)


def test_the_sushui_leaves_through_dongliujia_and_xiguandi(db):
    sushui = WaterBody.objects.get(code="SSH")
    assert sushui.management_level == "city" and sushui.basin == "黄河流域 › 涑水河"
    line = shape(sushui.geometry)
    assert line.coords[0][1] < 35.36  # the source in the 中条山, south
    for village in ("东刘家村", "西灌底村"):
        reach = Reach.objects.get(water_body=sushui, division__name=village)
        assert reach.level == "village" and active_chiefs(reach).exists()
    exit_point = shape(sushui.geometry).coords[-1]
    dongliujia = Division.objects.get(name="东刘家村")
    assert (
        metric(dongliujia.geometry).distance(metric({"type": "Point", "coordinates": exit_point}))
        < 1
    )
    kuai = WaterBody.objects.get(code="KH")
    assert kuai.basin == "黄河流域 › 汾河 › 浍河"
    first = Reach.objects.filter(water_body=kuai, level="township").order_by("start_chainage_m")[0]
    assert first.division.name == "大交镇"
    for tributary in WaterBody.objects.filter(parent__isnull=False, code__in=DEMO_RIVERS):
        assert tributary.is_demo
        mouth = metric({"type": "Point", "coordinates": shape(tributary.geometry).coords[-1]})
        assert metric(tributary.parent.geometry).distance(mouth) < 1, tributary.name


def test_reservoirs(db):
    reservoirs = list(Facility.objects.filter(kind="reservoir", code__startswith="RES-"))
    assert len(reservoirs) == 14
    names = {reservoir.name for reservoir in reservoirs}
    assert names >= REAL_RESERVOIRS
    for reservoir in reservoirs:
        details = reservoir.details
        levels = [
            details["flood_limit_level"],
            details["normal_level"],
            details["design_flood_level"],
            details["check_flood_level"],
        ]
        assert levels == sorted(levels), reservoir.name
        capacity = details["total_capacity"]
        low, high = {"medium": (1000, 10000), "small_1": (100, 1000), "small_2": (10, 100)}[
            details["scale"]
        ]
        assert low <= capacity < high, reservoir.name
        for person in ("admin_person_name", "technical_person_name", "patrol_person_name"):
            assert details[person].endswith("（演示）")
        assert reservoir.is_demo  # the numbers are invented
        if reservoir.name not in REAL_RESERVOIRS:
            assert reservoir.name.startswith("演示水库")
        else:
            assert "演示" in reservoir.address
    chencunyu = Facility.objects.get(name="陈村峪水库")
    assert chencunyu.division.code.startswith("140826102")
    assert sum(r.details["scale"] == "medium" for r in reservoirs) in (1, 2)


def test_check_dams_with_people_downstream_have_one_patroller_each(db):
    dams = Facility.objects.filter(kind="check_dam", code__startswith="CD-")
    assert dams.count() >= 3
    with_people = [dam for dam in dams if dam.details.get("people_downstream")]
    assert with_people
    for dam in with_people:
        assert dam.details["one_dam_one_person"], dam.name


def test_sections_outfalls_and_intakes(db):
    xiqu = Facility.objects.get(kind="section", name__contains="西曲村")
    assert xiqu.water_body.code == "KH"
    assert xiqu.details["control_level"] == "national"
    assert xiqu.details["waterbody_type"] == "river"
    exit_section = Facility.objects.get(code="SEC-SSH-DLJ")
    assert exit_section.division.name == "东刘家村" and exit_section.details["is_boundary"]
    outfalls = Facility.objects.filter(kind="outfall", code__startswith="OF-")
    assert {row.details["outfall_type"] for row in outfalls} >= {"municipal", "industrial"}
    for intake in Facility.objects.filter(kind="intake", code__startswith="IN-"):
        assert intake.details["permit_number"] and intake.details["annual_quota"] > 0


def test_exactly_one_signboard_is_outdated_and_it_is_the_one_whose_chief_changed(db):
    admin = User.objects.get(username="admin")
    outdated = queries.outdated_signboards(admin)
    assert [row.reach.code for row in outdated] == [demo_data.CHANGED_REACH]
    signboards = Facility.objects.filter(kind="signboard", code__startswith="SB-")
    township_and_village = demo_reaches().exclude(level="county")
    assert signboards.count() == township_and_village.count()


def test_a_reach_keeps_the_history_of_its_chiefs(db):
    rows = list(
        ChiefAssignment.objects.filter(reach__code=demo_data.CHANGED_REACH, role="河长").order_by(
            "start_date"
        )
    )
    assert [row.person_name for row in rows] == ["郭灌生（演示）", "韩立春（演示）"]
    changed = date.fromisoformat(demo_data.CHANGED_ON)
    assert rows[0].end_date == changed - timedelta(days=1) and rows[1].end_date is None
    ended = AuditEntry.objects.filter(
        object_type="registry.chiefassignment", object_id=str(rows[0].pk), action="end"
    )
    assert ended.count() == 1


def assignments_of(username):
    return ChiefAssignment.objects.filter(user__username=username, end_date__isnull=True)


def test_the_demo_accounts_hold_their_roles(db):
    hengshui = assignments_of("chief_hengshui")
    assert hengshui.count() >= 2
    assert all(row.division.code.startswith("140826101") for row in hengshui)
    assert {row.level for row in hengshui} == {"township"}
    chencun = assignments_of("chief_chencun")
    assert chencun and all(row.division.code.startswith("140826102") for row in chencun)
    sushui = assignments_of("chief_sushui")
    assert {(row.level, row.role) for row in sushui} == {("county", "河长")}
    assert {row.water_body.code if row.water_body else row.reach.code for row in sushui} == {
        "SSH",
        "SSH-140826",
    }
    assert {row.contact_department.code for row in sushui} == {"140826-SLJ"}
    dongliujia = assignments_of("chief_dongliujia").get()
    assert (dongliujia.reach.code, dongliujia.role) == ("SSH-140826101201", "河长")
    patroller = assignments_of("patroller_dongliujia").get()
    assert (patroller.reach.code, patroller.role) == ("SSH-140826101201", "巡河员")
    leader = assignments_of("leader")
    assert {row.role for row in leader} == {"总河长"}
    assert ChiefAssignment.objects.filter(role="副总河长", level="county").exists()
    for row in ChiefAssignment.objects.filter(
        user__isnull=True, reach__code__in=demo_reaches().values("code")
    ):
        assert row.person_name.endswith("（演示）"), row.person_name


def test_departments_have_liaisons_and_duties(db):
    from riverchief.registry.models import Department

    water = Department.objects.get(code="140826-SLJ")
    assert water.liaison_name == "孙水（演示）" and "河长制办公室" in water.duties
    assert Department.objects.get(code="140826-STHJ").duties


def test_loading_again_changes_nothing(db):
    counts = [
        model.objects.count() for model in (Reach, Facility, ChiefAssignment, WaterBody, AuditEntry)
    ]
    demo_data.load_registry()
    after = [
        model.objects.count() for model in (Reach, Facility, ChiefAssignment, WaterBody, AuditEntry)
    ]
    assert after == counts


def test_a_division_outline_is_validated_and_audited(db):
    from riverchief.core.errors import DomainError, Forbidden
    from riverchief.registry import services

    village = Division.objects.get(code="140826101203")  # 柳泉村, in 横水镇
    far_away = {
        "type": "Polygon",
        "coordinates": [[[111.80, 35.60], [111.81, 35.60], [111.81, 35.61], [111.80, 35.60]]],
    }
    with pytest.raises(DomainError) as refused:
        services.set_division_outline(None, village, far_away)
    assert refused.value.field == "geometry"
    with pytest.raises(DomainError):
        services.set_division_outline(None, village, {"type": "LineString", "coordinates": []})
    with pytest.raises(Forbidden):
        services.set_division_outline(User.objects.get(username="out_office"), village, None)
    inside = {
        "type": "Polygon",
        "coordinates": [[[111.46, 35.495], [111.47, 35.495], [111.47, 35.50], [111.46, 35.495]]],
    }
    admin = User.objects.get(username="admin")
    services.set_division_outline(admin, village, inside)
    village.refresh_from_db()
    assert village.geometry == inside and (village.min_lon, village.max_lat) == (111.46, 35.50)
    entry = AuditEntry.objects.filter(object_type="registry.division").latest("id")
    assert (entry.action, entry.actor_name) == ("set_outline", "admin")
    assert entry.after == {"geometry": inside}
    services.set_division_outline(admin, village, inside)  # unchanged: no second entry
    assert AuditEntry.objects.filter(object_type="registry.division").latest("id") == entry
