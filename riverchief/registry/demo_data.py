"""The demo county's registry: outlines, rivers, reaches, facilities and chiefs of 绛县.

Facts from river-chief-system.md §8 are kept (township names and codes, 涑水河 rising at 陈村镇
陈村峪 and leaving at 横水镇东刘家村, 浍河 entering at 大交镇 and leaving via 安峪 toward 曲沃,
the seven named reservoirs). Everything else is invented and says so: every outline and line is
a plausible sketch, not surveyed geometry; invented people carry （演示）, invented facilities
and numbers carry is_demo=True.

Everything goes through the registry services, so it is validated and audited like any edit.
A second run finds the codes and upserts them; assignments already present are not repeated.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
import shapely.affinity
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, substring

from riverchief.geo import shapes

COUNTY_CODE = "140826"

# --- geography (WGS84 lon/lat) ---------------------------------------------------------------

# A sketch of the county border, about 1,060 km² (the county gives 993.49 km²).
COUNTY_OUTLINE = [
    (111.410, 35.418),
    (111.399, 35.452),
    (111.393, 35.490),
    (111.398, 35.527),
    (111.430, 35.560),
    (111.475, 35.585),
    (111.510, 35.618),
    (111.545, 35.650),
    (111.590, 35.666),
    (111.640, 35.670),
    (111.690, 35.658),
    (111.735, 35.656),
    (111.785, 35.638),
    (111.825, 35.618),
    (111.845, 35.588),
    (111.832, 35.545),
    (111.815, 35.497),
    (111.790, 35.455),
    (111.757, 35.418),
    (111.715, 35.392),
    (111.670, 35.370),
    (111.625, 35.352),
    (111.580, 35.338),
    (111.535, 35.343),
    (111.500, 35.362),
    (111.470, 35.386),
    (111.440, 35.403),
]

# Township seats: the township outlines are the Voronoi cells of these points inside the county.
SEATS = {
    "140826100": (111.570, 35.490),  # 古绛镇, county seat
    "140826101": (111.445, 35.480),  # 横水镇, west
    "140826102": (111.560, 35.385),  # 陈村镇, south, 中条山 foothills
    "140826103": (111.670, 35.500),  # 卫庄镇, under 东华山
    "140826104": (111.760, 35.470),  # 磨里镇, south-east mountains
    "140826105": (111.585, 35.625),  # 南樊镇, the northern gate
    "140826106": (111.670, 35.605),  # 安峪镇
    "140826107": (111.775, 35.600),  # 大交镇, where the 浍河 branches meet
    "140826200": (111.515, 35.555),  # 郝庄乡
    "140826201": (111.650, 35.410),  # 冷口乡
}

# Village outlines: boxes (min lon, min lat, max lon, max lat) cut by their township's outline.
# 东刘家村 reaches the county border at 凤凰咀; 西灌底村 is its eastern neighbour. Test fixtures
# draw reaches in 东刘家村 (111.395–111.415 E, 35.49–35.521 N) and in 横水镇 (111.42–111.45 E,
# 35.50–35.51 N): the outlines must keep holding them, or the reach service refuses them.
VILLAGE_BOXES = {
    "140826101201": (111.385, 35.476, 111.4200, 35.526),  # 东刘家村
    "140826101202": (111.4200, 35.468, 111.4460, 35.492),  # 西灌底村
    "140826101203": (111.455, 35.492, 111.475, 35.506),  # 柳泉村
    "140826100201": (111.562, 35.484, 111.586, 35.500),  # 城关村
    "140826100202": (111.590, 35.486, 111.612, 35.502),  # 东街村
    "140826102201": (111.550, 35.376, 111.575, 35.394),  # 陈村
    "140826102202": (111.524, 35.362, 111.544, 35.376),  # 峪口村
    "140826103201": (111.660, 35.492, 111.682, 35.508),  # 卫庄村
    "140826103202": (111.690, 35.478, 111.712, 35.494),  # 东华村
    "140826104201": (111.735, 35.412, 111.757, 35.428),  # 垣址坪村
    "140826104202": (111.742, 35.462, 111.764, 35.478),  # 磨里村
    "140826105201": (111.596, 35.640, 111.622, 35.662),  # 尧都村
    "140826105202": (111.560, 35.614, 111.582, 35.630),  # 南樊村
    "140826106201": (111.662, 35.588, 111.684, 35.604),  # 安峪村
    "140826106202": (111.675, 35.604, 111.700, 35.620),  # 浍滨村
    "140826107201": (111.762, 35.590, 111.790, 35.608),  # 大交村
    "140826107202": (111.796, 35.566, 111.818, 35.582),  # 大郡村
    "140826200201": (111.505, 35.548, 111.527, 35.564),  # 郝庄村
    "140826200202": (111.480, 35.528, 111.500, 35.544),  # 勃村
    "140826201201": (111.638, 35.392, 111.660, 35.410),  # 冷口村
    "140826201202": (111.600, 35.440, 111.622, 35.456),  # 范柴村
}

# Rivers as drawn from upstream to downstream; the main rivers run past the county border and are
# cut by it, the tributaries end on their main river.
SUSHUI = [
    (111.576, 35.348),  # 陈村峪, the source in the 中条山
    (111.574, 35.356),
    (111.568, 35.370),
    (111.562, 35.385),  # 陈村
    (111.556, 35.400),
    (111.550, 35.415),
    (111.546, 35.430),
    (111.540, 35.445),
    (111.530, 35.456),
    (111.515, 35.462),
    (111.498, 35.465),
    (111.482, 35.466),
    (111.468, 35.469),
    (111.455, 35.473),
    (111.446, 35.4755),  # 横水
    (111.438, 35.478),
    (111.430, 35.481),  # 西灌底村
    (111.422, 35.484),
    (111.414, 35.488),  # 东刘家村
    (111.408, 35.4925),  # 凤凰湾: the river turns south-west toward 闻喜
    (111.402, 35.492),
    (111.396, 35.4865),
    (111.386, 35.478),
]
KUAI = [
    (111.878, 35.584),  # from 翼城: the northern and southern branches
    (111.850, 35.588),
    (111.825, 35.592),
    (111.800, 35.595),
    (111.778, 35.598),  # 大交 (浍交)
    (111.755, 35.601),
    (111.730, 35.603),
    (111.705, 35.606),
    (111.682, 35.610),
    (111.662, 35.615),  # 安峪
    (111.642, 35.624),
    (111.625, 35.636),
    (111.612, 35.650),
    (111.603, 35.664),
    (111.598, 35.682),  # on to 曲沃
]
TRIBUTARIES = {
    "LKYH": [(111.655, 35.372), (111.652, 35.387), (111.640, 35.405), (111.615, 35.420),
             (111.585, 35.431), (111.560, 35.437), (111.546, 35.438)],
    "LCYG": [(111.478, 35.392), (111.482, 35.410), (111.478, 35.428), (111.474, 35.448),
             (111.471, 35.468)],
    "ZJYG": [(111.770, 35.452), (111.780, 35.478), (111.785, 35.510), (111.783, 35.545),
             (111.781, 35.575), (111.779, 35.598)],
    "HMYG": [(111.648, 35.562), (111.648, 35.578), (111.650, 35.598), (111.652, 35.618)],
}  # fmt: skip
MAIN_OF = {"LKYH": "SSH", "LCYG": "SSH", "ZJYG": "KH", "HMYG": "KH"}

# Voronoi cells are computed with longitude shrunk by cos(35.5°), so they look right on the ground.
LON_SCALE = 0.814


@dataclass
class Geography:
    county: Polygon
    townships: dict[str, Polygon]
    villages: dict[str, Polygon]
    rivers: dict[str, LineString]


def _rounded(geometry: BaseGeometry) -> BaseGeometry:
    """Coordinates on the 6-decimal grid the registry stores, so stored = computed."""
    return shapely.set_precision(geometry, 1e-6, mode="pointwise")


def _largest(geometry: BaseGeometry) -> Polygon:
    if geometry.geom_type == "Polygon":
        return geometry
    return max(
        (part for part in geometry.geoms if part.geom_type == "Polygon"), key=lambda p: p.area
    )


def _clean(polygon: BaseGeometry) -> Polygon:
    polygon = _rounded(polygon)
    if not polygon.is_valid:
        polygon = shapely.make_valid(polygon)
    return _largest(polygon)


def build_geography() -> Geography:
    """The outlines and river lines, computed the same way on every run."""
    county = _clean(Polygon(COUNTY_OUTLINE))
    seats = [Point(lon * LON_SCALE, lat) for lon, lat in SEATS.values()]
    squeezed = shapely.affinity.scale(county, LON_SCALE, 1, origin=(0, 0))
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint(seats), extend_to=squeezed.buffer(0.1)
    ).geoms
    townships: dict[str, Polygon] = {}
    for code, seat in zip(SEATS, seats, strict=True):
        cell = next(cell for cell in cells if cell.contains(seat))
        cell = shapely.affinity.scale(cell, 1 / LON_SCALE, 1, origin=(0, 0))
        townships[code] = _clean(cell.intersection(county))
    villages = {
        code: _clean(townships[code[:9]].intersection(box(*bounds)))
        for code, bounds in VILLAGE_BOXES.items()
    }
    rivers: dict[str, LineString] = {}
    for code, coords in (("SSH", SUSHUI), ("KH", KUAI)):
        inside = LineString(coords).intersection(county)
        if inside.geom_type != "LineString":
            inside = linemerge(inside)
        rivers[code] = _rounded(inside)
    for code, coords in TRIBUTARIES.items():
        main = rivers[MAIN_OF[code]]
        mouth = main.interpolate(main.project(Point(coords[-1])))
        rivers[code] = _rounded(LineString([*coords[:-1], (mouth.x, mouth.y)]))
    return Geography(county, townships, villages, rivers)


# --- what the registry holds -----------------------------------------------------------------


def division_names() -> dict[str, str]:
    """Township and village names by short code, as riverchief.demo creates them."""
    from riverchief import demo  # demo imports this module

    names = {code: name for code, name, _invented in demo.TOWNSHIPS}
    names.update({town + suffix: name for town, suffix, name, _invented in demo.VILLAGES})
    return names


WATER_BODIES = [
    {
        "code": "SSH",
        "name": "涑水河",
        "kind": "river",
        "basin": "黄河流域 › 涑水河",
        # Crosses county lines inside 运城 → city-managed channel (2023 山西省河道管理条例).
        "management_level": "city",
        "is_demo": False,
        "description": (
            "黄河一级支流。发源于绛县陈村镇陈村峪（中条山），经闻喜、夏县、盐湖、临猗、永济，"
            "经伍姓湖于永济市韩阳镇入黄河。全长约196 km（另有195 km、约200 km之说），"
            "流域面积约5548 km²。在横水镇东刘家村凤凰湾折向闻喜县，县界处多年断流。"
            "支流有冷口峪河、沙渠河、青龙河、姚暹渠等。曾由省委副书记任省副总河长兼涑水河河长。"
            "图形为县境内示意（演示），长度按图形量算。"
        ),
    },
    {
        "code": "KH",
        "name": "浍河",
        "kind": "river",
        "basin": "黄河流域 › 汾河 › 浍河",
        # Crosses the 临汾/运城 boundary → its important reaches are province-managed (inferred).
        "management_level": "province",
        "is_demo": False,
        "description": (
            "汾河一级支流。北源经浮山、翼城，南源出沁水县中村镇经翼城县西闫镇，两源在绛县大交镇"
            "汇合（古称“浍交”），经安峪镇流入曲沃，经侯马于新绛汇入汾河。流域面积约1260 km²，"
            "多年平均径流量约0.943亿m³。大交以上泉群：贺水泉、范壁泉、程景泉、大郡泉、磨头泉"
            "（“五水归宗”）。国控断面：西曲村。图形为县境内示意（演示），里程自入县境处起算。"
        ),
    },
    {
        "code": "LKYH",
        "name": "冷口峪河",
        "kind": "river",
        "parent_code": "SSH",
        "basin": "黄河流域 › 涑水河 › 冷口峪河",
        "management_level": "county",
        "is_demo": True,
        "description": "涑水河支流，出中条山冷口峪，经冷口乡于陈村镇汇入涑水河（走向为演示）。",
    },
    {
        "code": "LCYG",
        "name": "里册峪沟",
        "kind": "river",
        "parent_code": "SSH",
        "basin": "黄河流域 › 涑水河 › 里册峪沟",
        "management_level": "county",
        "is_demo": True,
        "description": "以里册峪水库得名的山峪沟道，北流于横水镇汇入涑水河（演示）。",
    },
    {
        "code": "ZJYG",
        "name": "紫家峪沟",
        "kind": "river",
        "parent_code": "KH",
        "basin": "黄河流域 › 汾河 › 浍河 › 紫家峪沟",
        "management_level": "county",
        "is_demo": True,
        "description": "以紫家峪水库得名的山峪沟道，出磨里镇山区北流，于大交镇汇入浍河（演示）。",
    },
    {
        "code": "HMYG",
        "name": "蛤蟆峪沟",
        "kind": "river",
        "parent_code": "KH",
        "basin": "黄河流域 › 汾河 › 浍河 › 蛤蟆峪沟",
        "management_level": "county",
        "is_demo": True,
        "description": "以蛤蟆峪水库得名的沟道，北流于安峪镇汇入浍河（演示）。",
    },
]
MAIN_RIVERS = ("SSH", "KH")
# Village reaches: where one of these crosses a village for at least this long.
VILLAGE_REACH_RIVERS = ("SSH", "KH", "LKYH")
VILLAGE_REACH_MIN_M = 1500.0
# Ignore slivers: a river touching a division for less than this gets no reach there.
REACH_MIN_M = 300.0

ENDS = {
    "SSH": ("陈村镇陈村峪（涑水河源头）", "横水镇东刘家村凤凰咀（出县境入闻喜县）"),
    "KH": ("大交镇东界（自翼城县入境）", "南樊镇尧都村北（出县境入曲沃县）"),
    "LKYH": ("冷口乡冷口峪（沟源）", "陈村镇（汇入涑水河）"),
    "LCYG": ("陈村镇里册峪（沟源）", "横水镇（汇入涑水河）"),
    "ZJYG": ("磨里镇紫家峪（沟源）", "大交镇（汇入浍河）"),
    "HMYG": ("安峪镇蛤蟆峪（沟源）", "安峪镇（汇入浍河）"),
}

# Dates of the current chain of chiefs (after the 2021 elections); one village chief changed
# in 2026 and that reach's signboard was never updated.
SINCE_COUNTY = "2021-10-15"
SINCE_COUNTY_CHIEF = "2022-01-10"
SINCE_TOWNSHIP = "2022-03-01"
SINCE_VILLAGE = "2022-04-01"
SIGNBOARDS_UPDATED = "2026-03-20"
CHANGED_REACH = "SSH-140826101202"  # 涑水河西灌底村段
CHANGED_ON = "2026-09-01"
CHANGED_SIGNBOARD_UPDATED = "2022-05-15"

TOWNSHIP_CHIEFS = {  # township: (account or None, name, position)
    "140826100": (None, "马立新（演示）", "古绛镇党委书记"),
    "140826101": ("chief_hengshui", "", "横水镇党委书记"),
    "140826102": ("chief_chencun", "", "陈村镇镇长"),
    "140826103": (None, "卫东明（演示）", "卫庄镇镇长"),
    "140826104": (None, "郭山林（演示）", "磨里镇镇长"),
    "140826105": (None, "樊志强（演示）", "南樊镇镇长"),
    "140826106": (None, "安海涛（演示）", "安峪镇党委书记"),
    "140826107": (None, "焦永红（演示）", "大交镇镇长"),
    "140826200": (None, "郝文军（演示）", "郝庄乡乡长"),
    "140826201": (None, "冷建平（演示）", "冷口乡乡长"),
}
VILLAGE_CHIEFS = {  # village: (account or None, name) of the 河长 (村党支部书记)
    "140826101201": ("chief_dongliujia", ""),
    "140826101202": (None, "韩立春（演示）"),
    "140826102201": (None, "陈永福（演示）"),
    "140826105201": (None, "尧保全（演示）"),
    "140826106202": (None, "杜春生（演示）"),
    "140826107201": (None, "焦占魁（演示）"),
    "140826201201": (None, "冷福堂（演示）"),
}
VILLAGE_PAST_CHIEF = "郭灌生（演示）"  # 西灌底村's chief until CHANGED_ON
VILLAGE_PATROLLERS = {  # village: (account or None, name) of the 巡河员
    "140826101201": ("patroller_dongliujia", ""),
    "140826101202": (None, "王巡河（演示）"),
    "140826102201": (None, "陈守河（演示）"),
    "140826105201": (None, "尧护水（演示）"),
    "140826106202": (None, "杜清流（演示）"),
    "140826107201": (None, "焦看河（演示）"),
    "140826201201": (None, "冷护河（演示）"),
}

DEPARTMENT_DUTIES = {  # code: (duties, liaison, liaison phone)
    "140826-SLJ": (
        "县河长制办公室设在县水利局：河湖管理保护、水资源管理与取水许可、河道采砂管理、"
        "水库和淤地坝安全度汛监管。",
        "孙水（演示）",
        "13900001001",
    ),
    "140826-STHJ": (
        "入河排污口设置审批与监管、水污染防治、监测断面水质监测与通报。",
        "贺清（演示）",
        "13900001002",
    ),
    "140826-ZRZY": ("河湖管理范围内国土空间用途管制、违法占地查处。", "张地（演示）", ""),
    "140826-NYNC": ("农业面源污染与畜禽养殖污染防治、农村人居环境整治。", "李农（演示）", ""),
    "140826-ZJ": ("城镇污水处理设施建设运行、建筑垃圾管理。", "王建（演示）", ""),
    "140826-GA": ("打击非法采砂、电鱼毒鱼炸鱼等涉河违法犯罪，河湖警长。", "赵警（演示）", ""),
    "140826-LY": ("河湖岸线绿化、水源涵养林保护。", "林青（演示）", ""),
    "140826-JTYS": ("涉河桥梁和公路建设协同、运输抛洒治理。", "路通（演示）", ""),
}


def _phone(n: int) -> str:
    """An obviously invented mobile number."""
    return f"1390000{n:04d}"


def _responsible(n: int, admin: str, technical: str, patrol: str) -> dict[str, str]:
    return {
        "admin_person_name": admin,
        "admin_person_phone": _phone(n * 10 + 1),
        "technical_person_name": technical,
        "technical_person_phone": _phone(n * 10 + 2),
        "patrol_person_name": patrol,
        "patrol_person_phone": _phone(n * 10 + 3),
    }


# Reservoirs: (code, name, where, scale, 总库容 万m³, levels (汛限, 正常, 设计, 校核),
# dam type, dam height, three responsible persons). `where` is (river, km from its start) or a
# (lon, lat) point. The seven real names come from 运城市水务局 (2021-11-04); every number is
# invented.
RESERVOIRS = [
    ("RES-CCY", "陈村峪水库", ("SSH", 2.6), "medium", 1120, (739.5, 742.0, 745.3, 746.8),
     "黏土心墙坝", 42, ("周志远（演示）", "杨工（演示）", "陈库管（演示）")),
    ("RES-LCY", "里册峪水库", ("LCYG", 3.6), "medium", 1030, (666.0, 668.0, 670.8, 672.1),
     "均质土坝", 38, ("吴浍平（演示）", "高工（演示）", "里巡查（演示）")),
    ("RES-ZJY", "紫家峪水库", ("ZJYG", 2.0), "small_1", 326, (811.0, 812.5, 814.6, 815.5),
     "黏土斜墙坝", 29, ("郭山林（演示）", "杨工（演示）", "紫巡查（演示）")),
    ("RES-SFG", "水泛沟水库", (111.478, 35.571), "small_2", 46, (595.2, 596.0, 597.4, 598.0),
     "均质土坝", 15, ("郝文军（演示）", "高工（演示）", "水巡查（演示）")),
    ("RES-GJG", "盖家沟水库", ("LKYH", 1.2), "small_1", 158, (781.0, 782.4, 784.0, 784.9),
     "浆砌石重力坝", 24, ("冷建平（演示）", "杨工（演示）", "盖巡查（演示）")),
    ("RES-CC", "崔村水库", (111.700, 35.523), "small_2", 72, (618.5, 619.3, 620.6, 621.2),
     "均质土坝", 14, ("卫东明（演示）", "高工（演示）", "崔巡查（演示）")),
    ("RES-HMY", "蛤蟆峪水库", ("HMYG", 1.0), "small_1", 135, (604.0, 605.2, 606.9, 607.6),
     "均质土坝", 21, ("安海涛（演示）", "杨工（演示）", "蛤巡查（演示）")),
    ("RES-DEMO-A", "演示水库A", (111.432, 35.432), "small_2", 38, (640.0, 641.0, 642.2, 642.8),
     "均质土坝", 13, ("赵横（演示）", "高工（演示）", "甲巡查（演示）")),
    ("RES-DEMO-B", "演示水库B", (111.470, 35.530), "small_2", 25, (600.0, 600.8, 601.9, 602.4),
     "均质土坝", 11, ("郝文军（演示）", "杨工（演示）", "乙巡查（演示）")),
    ("RES-DEMO-C", "演示水库C", (111.705, 35.435), "small_1", 112, (702.0, 703.5, 705.0, 705.8),
     "浆砌石重力坝", 26, ("冷建平（演示）", "高工（演示）", "丙巡查（演示）")),
    ("RES-DEMO-D", "演示水库D", (111.805, 35.520), "small_2", 54, (655.0, 656.2, 657.5, 658.1),
     "均质土坝", 16, ("郭山林（演示）", "杨工（演示）", "丁巡查（演示）")),
    ("RES-DEMO-E", "演示水库E", (111.552, 35.598), "small_2", 31, (540.0, 540.6, 541.8, 542.3),
     "均质土坝", 12, ("樊志强（演示）", "高工（演示）", "戊巡查（演示）")),
    ("RES-DEMO-F", "演示水库F", (111.735, 35.565), "small_2", 67, (575.0, 576.1, 577.4, 578.0),
     "均质土坝", 15, ("焦永红（演示）", "杨工（演示）", "己巡查（演示）")),
    ("RES-DEMO-G", "演示水库G", (111.605, 35.372), "small_2", 19, (820.0, 820.7, 821.6, 822.0),
     "浆砌石重力坝", 12, ("陈峪（演示）", "高工（演示）", "庚巡查（演示）")),
]  # fmt: skip

CHECK_DAMS = [
    {
        "code": "CD-HG",
        "name": "后沟骨干坝",
        "at": (111.548, 35.626),
        "details": {
            "dam_class": "key",
            "total_capacity": 62,
            "dam_height": 18,
            "people_downstream": True,
            "downstream_population": 260,
            "has_outlet": True,
            "silted_capacity": 21,
            "design_silt_capacity": 38,
            **_responsible(31, "樊志强（演示）", "高工（演示）", "后沟巡查（演示）"),
            "one_dam_one_person": "张守坝（演示）",
            "one_dam_one_person_phone": _phone(319),
        },
    },
    {
        "code": "CD-SMG",
        "name": "石门沟骨干坝",
        "at": (111.705, 35.583),
        "details": {
            "dam_class": "key",
            "total_capacity": 55,
            "dam_height": 17,
            "people_downstream": True,
            "downstream_population": 130,
            "has_outlet": False,  # no outlet works: one of the dams the 2025 meeting singles out
            "silted_capacity": 30,
            "design_silt_capacity": 34,
            **_responsible(32, "安海涛（演示）", "杨工（演示）", "石门巡查（演示）"),
            "one_dam_one_person": "石看坝（演示）",
            "one_dam_one_person_phone": _phone(329),
        },
    },
    {
        "code": "CD-LG",
        "name": "柳沟中坝",
        "at": (111.468, 35.548),
        "details": {
            "dam_class": "medium",
            "total_capacity": 18,
            "dam_height": 11,
            "people_downstream": False,
            "has_outlet": True,
            "silted_capacity": 9,
            "design_silt_capacity": 12,
            **_responsible(33, "郝文军（演示）", "高工（演示）", "柳沟巡查（演示）"),
        },
    },
    {
        "code": "CD-NG",
        "name": "南沟中坝",
        "at": (111.805, 35.612),
        "details": {
            "dam_class": "medium",
            "total_capacity": 12,
            "dam_height": 9,
            "people_downstream": True,
            "downstream_population": 45,
            "has_outlet": True,
            "silted_capacity": 4,
            "design_silt_capacity": 8,
            **_responsible(34, "焦永红（演示）", "杨工（演示）", "南沟巡查（演示）"),
            "one_dam_one_person": "焦守坝（演示）",
            "one_dam_one_person_phone": _phone(349),
        },
    },
]

# Facilities on a river: (kind, code, name, river, km from its start, address, details, invented?)
ON_RIVERS = [
    ("sluice", "SL-HS", "横水橡胶坝节制闸", "SSH", 19.3, "横水镇横水村南",
     {"gate_count": 3, "design_flow": 120, "manager": "横水镇水利站（演示）"}, True),
    ("sluice", "SL-DJ", "大交浍河拦河闸", "KH", 7.6, "大交镇大交村西",
     {"gate_count": 5, "design_flow": 260, "manager": "绛县浍河灌区管理站（演示）"}, True),
    ("outfall", "OF-WWTP", "绛县城市污水处理厂排污口", "SSH", 12.8, "古绛镇涑水河左岸",
     {"outfall_type": "municipal", "permit_number": "运环排审〔2019〕12号（演示）",
      "owner": "绛县城市污水处理厂（演示）", "design_discharge": 547.5}, True),
    ("outfall", "OF-RAIN", "县城南关雨洪排口", "SSH", 11.5, "古绛镇南关涑水河右岸",
     {"outfall_type": "rainwater", "owner": "绛县住房和城乡建设管理局"}, True),
    ("outfall", "OF-PAPER", "横水工业园区排污口", "SSH", 17.8, "横水镇涑水河左岸",
     {"outfall_type": "industrial", "permit_number": "运环排审〔2021〕7号（演示）",
      "owner": "某纸业有限公司（演示）", "design_discharge": 36.5}, True),
    ("outfall", "OF-AYTS", "安峪灌区退水口", "KH", 14.5, "安峪镇浍河右岸",
     {"outfall_type": "agricultural", "owner": "安峪镇农民用水协会（演示）"}, True),
    ("intake", "IN-CCY", "陈村峪灌区渠首取水口", "SSH", 3.4, "陈村镇陈村峪水库坝下",
     {"permit_number": "取水(晋运绛)字〔2022〕第0012号（演示）",
      "permit_holder": "绛县陈村峪水库管理站（演示）", "annual_quota": 420,
      "water_use": "irrigation", "source_type": "surface"}, True),
    ("intake", "IN-DJ", "大交浍河提水站", "KH", 8.4, "大交镇大交村",
     {"permit_number": "取水(晋运绛)字〔2022〕第0018号（演示）",
      "permit_holder": "大交镇农民用水协会（演示）", "annual_quota": 260,
      "water_use": "irrigation", "source_type": "surface"}, True),
    ("section", "SEC-KH-XQC", "浍河西曲村断面", "KH", 23.2,
     "浍河出县境方向（国控西曲村断面；点位与水质目标为演示，实际位置待核）",
     {"control_level": "national", "waterbody_type": "river", "target_class": "IV",
      "is_boundary": True}, True),
    ("section", "SEC-SSH-DLJ", "涑水河东刘家村（凤凰湾）断面", "SSH", 25.6,
     "横水镇东刘家村凤凰湾（出县境断面，演示）",
     {"control_level": "city", "waterbody_type": "river", "target_class": "IV",
      "is_boundary": True}, True),
    ("section", "SEC-SSH-CCY", "陈村峪水库坝下断面", "SSH", 3.0, "陈村镇陈村峪水库坝下（演示）",
     {"control_level": "county", "waterbody_type": "river", "target_class": "III"}, True),
]  # fmt: skip
OFF_RIVERS = [  # (kind, code, name, (lon, lat), water body or "", address, details)
    ("intake", "IN-CGJ", "县城水源地取水井群", (111.588, 35.508), "", "古绛镇城北",
     {"permit_number": "取水(晋运绛)字〔2020〕第0003号（演示）",
      "permit_holder": "绛县供水有限公司（演示）", "annual_quota": 365,
      "water_use": "domestic", "source_type": "ground"}),
]  # fmt: skip


@dataclass
class ReachPlan:
    code: str
    name: str
    river: str
    division: str  # short code
    level: str
    geometry: BaseGeometry
    start_fraction: float
    end_fraction: float
    start_description: str = ""
    end_description: str = ""
    is_dry: bool = False
    is_demo: bool = False


def _parts_along(river: LineString, area: Polygon) -> list[tuple[float, float]]:
    """The stretches (normalised start, end along the river) of the river inside the area."""
    inside = river.intersection(area)
    parts = [inside] if inside.geom_type == "LineString" else getattr(inside, "geoms", [])
    stretches = []
    for part in parts:
        if part.geom_type != "LineString" or part.length == 0:
            continue
        a = river.project(Point(part.coords[0]), normalized=True)
        b = river.project(Point(part.coords[-1]), normalized=True)
        stretches.append((min(a, b), max(a, b)))
    return sorted(stretches)


def _stretch(river: LineString, stretches: list[tuple[float, float]]) -> BaseGeometry:
    lines = [substring(river, a, b, normalized=True) for a, b in stretches]
    geometry = lines[0] if len(lines) == 1 else MultiLineString(lines)
    return _rounded(geometry)


def _at(river: LineString, km: float) -> tuple[float, float]:
    """The point about `km` along the river (planar interpolation is close enough here)."""
    fraction = min(km * 1000 / shapes.length_m(river), 1.0)
    point = river.interpolate(fraction, normalized=True)
    return round(point.x, 6), round(point.y, 6)


def chainage_m(river: LineString, fraction: float) -> float:
    """Geodesic length of the river from its start to the given normalised position."""
    if fraction <= 0:
        return 0.0
    return round(shapes.length_m(_rounded(substring(river, 0, fraction, normalized=True))), 1)


def plan_reaches(geo: Geography) -> list[ReachPlan]:
    """County, township and village reaches: each the part of its river inside its division."""
    rivers = {wb["code"]: wb["name"] for wb in WATER_BODIES}
    demo = {wb["code"]: wb["is_demo"] for wb in WATER_BODIES}
    names = division_names()
    plans: list[ReachPlan] = []
    for river_code, river in geo.rivers.items():
        river_name = rivers[river_code]
        first, last = ENDS[river_code]
        if river_code in MAIN_RIVERS:
            plans.append(
                ReachPlan(
                    f"{river_code}-{COUNTY_CODE}",
                    f"{river_name}绛县段",
                    river_code,
                    COUNTY_CODE,
                    "county",
                    river,
                    0.0,
                    1.0,
                    first,
                    last,
                )
            )
        township_plans = []
        for code, outline in geo.townships.items():
            stretches = _parts_along(river, outline)
            geometry = _stretch(river, stretches) if stretches else None
            if geometry is None or shapes.length_m(geometry) < REACH_MIN_M:
                continue
            township_plans.append(
                ReachPlan(
                    f"{river_code}-{code}",
                    f"{river_name}{names[code]}段",
                    river_code,
                    code,
                    "township",
                    geometry,
                    stretches[0][0],
                    stretches[-1][1],
                    is_demo=demo[river_code],
                )
            )
        township_plans.sort(key=lambda plan: plan.start_fraction)
        for i, plan in enumerate(township_plans):
            here = names[plan.division]
            before = township_plans[i - 1] if i else None
            after = township_plans[i + 1] if i + 1 < len(township_plans) else None
            plan.start_description = f"{names[before.division]}与{here}交界" if before else first
            plan.end_description = f"{here}与{names[after.division]}交界" if after else last
        plans.extend(township_plans)
        if river_code not in VILLAGE_REACH_RIVERS:
            continue
        for code, outline in geo.villages.items():
            stretches = _parts_along(river, outline)
            geometry = _stretch(river, stretches) if stretches else None
            if geometry is None or shapes.length_m(geometry) < VILLAGE_REACH_MIN_M:
                continue
            village = names[code]
            plans.append(
                ReachPlan(
                    f"{river_code}-{code}",
                    f"{river_name}{village}段",
                    river_code,
                    code,
                    "village",
                    geometry,
                    stretches[0][0],
                    stretches[-1][1],
                    *VILLAGE_ENDS.get(code, (f"{village}上游村界", f"{village}下游村界")),
                    is_dry=code in DRY_VILLAGES,
                    is_demo=demo[river_code],
                )
            )
    return plans


VILLAGE_ENDS = {
    "140826101201": ("与西灌底村交界", "凤凰咀（县界，出境入闻喜县）"),
    "140826101202": ("西灌底村东界", "与东刘家村交界"),
    "140826105201": ("尧都村南界", "县界（出境入曲沃县）"),
}
# The village at the county border reports the river dry for decades (river-chief-system.md §8.3).
DRY_VILLAGES = {"140826101201"}


# --- loading through the services ------------------------------------------------------------


def load_registry() -> dict[str, int]:
    """Load the demo county's registry through the services (actor None: the system).

    Returns how many rows of each kind it wrote or confirmed.
    """
    from riverchief.registry import services

    geo = build_geography()
    counts: dict[str, int] = {}
    counts["outlines"] = _outlines(services, geo)
    counts["departments"] = _departments(services)
    for data in WATER_BODIES:
        services.save_water_body(
            None,
            {
                **data,
                "division_code": COUNTY_CODE,
                "geometry": shapes.to_geojson(geo.rivers[data["code"]]),
            },
        )
    counts["water_bodies"] = len(WATER_BODIES)
    plans = plan_reaches(geo)
    for plan in plans:
        river = geo.rivers[plan.river]
        services.save_reach(
            None,
            {
                "code": plan.code,
                "name": plan.name,
                "water_body_code": plan.river,
                "division_code": plan.division,
                "level": plan.level,
                "start_description": plan.start_description,
                "end_description": plan.end_description,
                "start_chainage_m": chainage_m(river, plan.start_fraction),
                "is_dry": plan.is_dry,
                "is_demo": plan.is_demo,
                "geometry": shapes.to_geojson(plan.geometry),
            },
        )
    counts["reaches"] = len(plans)
    counts["facilities"] = _facilities(services, geo, plans)
    counts["assignments"] = _assignments(services, plans)
    return counts


def _outlines(services, geo: Geography) -> int:
    from riverchief.registry.models import Division

    outlines = {COUNTY_CODE: geo.county, **geo.townships, **geo.villages}
    divisions = {
        division.code: division
        for division in Division.objects.filter(code__in=[c.ljust(12, "0") for c in outlines])
    }
    written = 0
    for code, outline in outlines.items():  # county first, then townships, then villages
        division = divisions.get(code.ljust(12, "0"))
        if division is None:
            continue
        services.set_division_outline(
            None, division, shapes.to_geojson(outline), message="演示轮廓（示意，非官方界线）"
        )
        written += 1
    return written


def _departments(services) -> int:
    from riverchief.registry.models import Department

    written = 0
    for department in Department.objects.filter(code__in=DEPARTMENT_DUTIES):
        duties, liaison, phone = DEPARTMENT_DUTIES[department.code]
        services.upsert_department(
            None,
            code=department.code,
            name=department.name,
            short_name=department.short_name,
            division=department.division,
            duties=duties,
            liaison_name=liaison,
            liaison_phone=phone,
            is_demo=department.is_demo,
        )
        written += 1
    return written


def _division_at(geo: Geography, lon: float, lat: float) -> str:
    """The smallest demo division holding the point (a village, else its township)."""
    point = Point(lon, lat)
    for code, outline in geo.villages.items():
        if outline.contains(point):
            return code
    for code, outline in geo.townships.items():
        if outline.contains(point):
            return code
    raise ValueError(f"({lon}, {lat}) lies outside the demo county")


def _reach_at(plans: list[ReachPlan], river: str, division: str) -> str:
    """The reach of the river in that division, else in its township."""
    for code in (division, division[:9]):
        for plan in plans:
            if plan.river == river and plan.division == code:
                return plan.code
    return ""


def _facilities(services, geo: Geography, plans: list[ReachPlan]) -> int:
    names = division_names()
    rows: list[dict] = []
    for code, name, where, scale, capacity, levels, dam_type, height, people in RESERVOIRS:
        river = where[0] if isinstance(where[0], str) else ""
        lon, lat = _at(geo.rivers[river], where[1]) if river else where
        division = _division_at(geo, lon, lat)
        township = names[division[:9]]
        flood_limit, normal, design, check = levels
        n = len(rows) + 1
        rows.append(
            {
                "kind": "reservoir",
                "code": code,
                "name": name,
                "division_code": division,
                "water_body_code": river,
                "lon": lon,
                "lat": lat,
                "address": f"{township}（库容等参数为演示）",
                "is_demo": True,  # every number is invented, and so are the names 演示水库A–G
                "details": {
                    "scale": scale,
                    "total_capacity": capacity,
                    "flood_limit_level": flood_limit,
                    "normal_level": normal,
                    "design_flood_level": design,
                    "check_flood_level": check,
                    "dam_type": dam_type,
                    "dam_height": height,
                    **_responsible(n, *people),
                    "monitoring_plan_date": "2026-04-20",
                    "dispatch_plan_date": "2026-05-10",
                    # One small reservoir still has the 2023 emergency plan (a finding to fix).
                    "emergency_plan_date": "2023-05-18" if code == "RES-DEMO-D" else "2026-05-15",
                },
            }
        )
    for dam in CHECK_DAMS:
        lon, lat = dam["at"]
        division = _division_at(geo, lon, lat)
        rows.append(
            {
                "kind": "check_dam",
                "code": dam["code"],
                "name": dam["name"],
                "division_code": division,
                "lon": lon,
                "lat": lat,
                "address": f"{names[division[:9]]}（演示）",
                "is_demo": True,
                "details": dam["details"],
            }
        )
    for kind, code, name, river, km, address, details, invented in ON_RIVERS:
        lon, lat = _at(geo.rivers[river], km)
        division = _division_at(geo, lon, lat)
        rows.append(
            {
                "kind": kind,
                "code": code,
                "name": name,
                "division_code": division,
                "reach_code": _reach_at(plans, river, division),
                "water_body_code": river,
                "lon": lon,
                "lat": lat,
                "address": address,
                "is_demo": invented,
                "details": details,
            }
        )
    for kind, code, name, (lon, lat), river, address, details in OFF_RIVERS:
        rows.append(
            {
                "kind": kind,
                "code": code,
                "name": name,
                "division_code": _division_at(geo, lon, lat),
                "water_body_code": river,
                "lon": lon,
                "lat": lat,
                "address": address,
                "is_demo": True,
                "details": details,
            }
        )
    for plan in plans:
        if plan.level == "county":
            continue
        line = plan.geometry if plan.geometry.geom_type == "LineString" else plan.geometry.geoms[0]
        point = line.interpolate(0.1, normalized=True)
        updated = CHANGED_SIGNBOARD_UPDATED if plan.code == CHANGED_REACH else SIGNBOARDS_UPDATED
        rows.append(
            {
                "kind": "signboard",
                "code": f"SB-{plan.code}",
                "name": f"{plan.name}河长公示牌",
                "reach_code": plan.code,
                "lon": round(point.x, 6),
                "lat": round(point.y, 6),
                "address": plan.start_description,
                "is_demo": True,
                "details": {"last_updated": updated, "hotline": "12314"},
            }
        )
    for row in rows:
        services.save_facility(None, row)
    return len(rows)


def _assignments(services, plans: list[ReachPlan]) -> int:
    """Chiefs at every level. An assignment already there (same person, role, target and start)
    is not repeated, so a second run adds nothing."""
    from riverchief import demo
    from riverchief.accounts.models import User
    from riverchief.registry.models import ChiefAssignment

    # The demo accounts' names; an account that is missing (a registry loaded on its own) is
    # named without being linked.
    names = {username: full_name for username, _role, _where, full_name, _title in demo.ACCOUNTS}
    accounts = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    names.update(User.objects.filter(username__in=accounts).values_list("username", "full_name"))
    done = 0

    def assign(data: dict) -> None:
        nonlocal done
        done += 1
        username = data.pop("username", "")
        if username:
            data["person_name"] = names[username]
            if username in accounts:
                data["username"] = username
        person = data["person_name"]
        same = ChiefAssignment.objects.filter(
            person_name=person,
            role=data["role"],
            level=data["level"],
            start_date=data["start_date"],
        )
        if data.get("reach_code"):
            same = same.filter(reach__code=data["reach_code"])
        else:
            same = same.filter(water_body__code=data["water_body_code"], reach__isnull=True)
        if same.exists():
            return
        services.assign_person(None, {**data, "is_demo": True})

    # County: 总河长 and 副总河长 for both rivers; a county chief per river and its county reach.
    for river in MAIN_RIVERS:
        assign(
            {
                "username": "leader",
                "position": "县委书记、县总河长",
                "role": "总河长",
                "level": "county",
                "water_body_code": river,
                "start_date": SINCE_COUNTY,
            }
        )
        assign(
            {
                "person_name": "周志远（演示）",
                "person_phone": _phone(9001),
                "position": "县长、县副总河长",
                "role": "副总河长",
                "level": "county",
                "water_body_code": river,
                "start_date": SINCE_COUNTY,
            }
        )
    county_chiefs = {
        "SSH": {"username": "chief_sushui", "contact_department_code": "140826-SLJ"},
        "KH": {
            "person_name": "吴浍平（演示）",
            "person_phone": _phone(9002),
            "contact_department_code": "140826-STHJ",
        },
    }
    for river, person in county_chiefs.items():
        for target in ({"water_body_code": river}, {"reach_code": f"{river}-{COUNTY_CODE}"}):
            assign(
                {
                    **person,
                    **target,
                    "position": "副县长、县级河长",
                    "role": "河长",
                    "level": "county",
                    "start_date": SINCE_COUNTY_CHIEF,
                }
            )
    # Townships: one chief for every reach in the township.
    for plan in plans:
        if plan.level == "township":
            username, name, position = TOWNSHIP_CHIEFS[plan.division]
            assign(
                {
                    "username": username or "",
                    "person_name": name,
                    "person_phone": "" if username else _phone(9100 + int(plan.division[-3:])),
                    "position": position,
                    "role": "河长",
                    "level": "township",
                    "reach_code": plan.code,
                    "contact_department_code": "140826-SLJ",
                    "start_date": SINCE_TOWNSHIP,
                }
            )
    # Villages: the 河长 (one changed in 2026, with history) and a 巡河员 per village reach.
    for plan in plans:
        if plan.level != "village":
            continue
        if plan.code == CHANGED_REACH:
            assign(
                {
                    "person_name": VILLAGE_PAST_CHIEF,
                    "position": "原村党支部书记",
                    "role": "河长",
                    "level": "village",
                    "reach_code": plan.code,
                    "start_date": SINCE_VILLAGE,
                }
            )
        username, name = VILLAGE_CHIEFS[plan.division]
        assign(
            {
                "username": username or "",
                "person_name": name,
                "position": "村党支部书记",
                "role": "河长",
                "level": "village",
                "reach_code": plan.code,
                "start_date": CHANGED_ON if plan.code == CHANGED_REACH else SINCE_VILLAGE,
            }
        )
        username, name = VILLAGE_PATROLLERS[plan.division]
        assign(
            {
                "username": username or "",
                "person_name": name,
                "role": "巡河员",
                "level": "village",
                "reach_code": plan.code,
                "start_date": SINCE_VILLAGE,
            }
        )
    assign(
        {
            "person_name": "刘保洁（演示）",
            "role": "保洁员",
            "level": "village",
            "reach_code": "SSH-140826101201",
            "start_date": SINCE_VILLAGE,
        }
    )
    return done
