"""Seed the problem categories (river-chief-system.md §4.2 and Appendix A).

The 四乱 definitions are the Ministry of Water Resources' (办建管〔2018〕130号). Default deadlines
are working days and only defaults: the office edits them, and each problem keeps its own.
"""

from django.db import migrations

# (code, group, name, default working days, definition)
CATEGORIES = [
    (
        "luan_zhan",
        "四乱",
        "乱占",
        20,
        "围垦湖泊；未依法经省级以上人民政府批准围垦河道；非法侵占水域、滩地；"
        "种植阻碍行洪的林木及高秆作物。",
    ),
    (
        "luan_cai",
        "四乱",
        "乱采",
        20,
        "未经许可在河道管理范围内采砂，不按许可要求采砂，在禁采区、禁采期采砂；"
        "未经批准在河道管理范围内取土。",
    ),
    (
        "luan_dui",
        "四乱",
        "乱堆",
        20,
        "河湖管理范围内乱扔乱堆垃圾；倾倒、填埋、贮存、堆放固体废物；"
        "弃置、堆放阻碍行洪的物体。",
    ),
    (
        "luan_jian",
        "四乱",
        "乱建",
        20,
        "河湖岸线长期占而不用、多占少用、滥占滥用；未经许可和不按许可要求建设涉河项目；"
        "河道管理范围内修建阻碍行洪的建筑物、构筑物。",
    ),
    ("sewage_discharge", "水污染", "污水直排", 10, "生活污水或生产废水未经处理直接排入河湖。"),
    ("outfall", "水污染", "排污口问题", 20, "未经审批新设、改设或扩大入河排污口，或排污口超标排放。"),
    ("black_odorous", "水污染", "黑臭水体", 20, "水体颜色明显异常或散发令人不适的气味。"),
    ("floating_waste", "水污染", "水面漂浮物", 3, "水面漂浮垃圾、杂物或大面积漂浮植物。"),
    ("oil_film", "水污染", "油污", 3, "水面油膜、油污或其他异常漂浮物质。"),
    ("dead_animals", "水污染", "死亡动物", 2, "水中或岸边出现死鱼、死亡畜禽等。"),
    ("industrial_discharge", "水污染", "工业排放异常", 5, "工业企业偷排、超标排放或排放异常。"),
    ("livestock_discharge", "水污染", "养殖污染", 10, "畜禽或水产养殖废水、粪污排入河湖。"),
    ("flood_obstruction", "岸线与工程", "阻水障碍", 10, "河道内阻碍行洪的围堰、便道、拦河设施或其他障碍物。"),
    ("embankment_damage", "岸线与工程", "堤防损坏", 10, "堤防、护岸出现裂缝、塌陷、冲刷或缺口。"),
    ("hydraulic_anomaly", "岸线与工程", "水工设施异常", 5, "水闸、坝、泵站等运行或调度异常、设施损坏。"),
    ("flow_cutoff", "生态", "断流干涸", 20, "河道断流、湖库干涸或生态流量不足。"),
    ("illegal_fishing", "生态", "非法捕捞", 5, "电鱼、毒鱼、炸鱼或在禁渔期、禁渔区捕捞，拦河设置渔具。"),
    ("algae_bloom", "生态", "水华藻类", 10, "藻类异常增殖、水华。"),
    ("signboard", "设施", "公示牌问题", 15, "河湖长公示牌缺失、损坏或信息未及时更新。"),
    ("monitoring_equipment", "设施", "监测设施故障", 5, "水质、水位等监测设施损坏或数据异常。"),
    ("video_equipment", "设施", "视频设施故障", 5, "视频监控设施损坏或离线。"),
    (
        "reservoir_hazard",
        "水库隐患",
        "水库隐患",
        10,
        "坝顶、迎水坡、背水坡、放水洞、溢洪道等安全隐患；侵占防洪库容；"
        "三个责任人或三个重点环节不落实。",
    ),
    (
        "check_dam_hazard",
        "淤地坝隐患",
        "淤地坝隐患",
        10,
        "坝体裂缝、滑坡、放水工程损坏，主汛期未空库运行，责任人不落实。",
    ),
    ("other", "其他", "其他", 10, ""),
]


def seed(apps, schema_editor):
    Category = apps.get_model("problems", "Category")
    for order, (code, group, name, days, definition) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "group": group,
                "name": name,
                "default_deadline_days": days,
                "help_text": definition,
                "order": order * 10,
            },
        )


def unseed(apps, schema_editor):
    Category = apps.get_model("problems", "Category")
    Category.objects.filter(code__in=[row[0] for row in CATEGORIES], problems__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("problems", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
