"""The demo county 绛县 (140826): divisions, departments and the accounts in contract.md; its
rivers, reaches, facilities and chiefs come from `riverchief.registry.demo_data`.

Loading is idempotent: a second run finds the marker and changes nothing. Invented places and
people carry is_demo=True and show the 演示 badge; every page of a demo database says 演示数据.
"""

from __future__ import annotations

from django.db import transaction

from riverchief.accounts import services as account_services
from riverchief.accounts.models import User
from riverchief.core import settings_store
from riverchief.registry import demo_data
from riverchief.registry import services as registry_services
from riverchief.registry.models import Department, Division

DEMO_PASSWORD = "riverchief-demo"  # noqa: S105 - the published demo password (contract.md)
LOADED_KEY = "demo_loaded"

PROVINCE = ("140000000000", "山西省")
CITY = ("140800000000", "运城市")
COUNTY = ("140826000000", "绛县")

# river-chief-system.md §8.2; 冷口乡's code is a guess there, so it is marked demo.
TOWNSHIPS = [
    ("140826100", "古绛镇", False),
    ("140826101", "横水镇", False),
    ("140826102", "陈村镇", False),
    ("140826103", "卫庄镇", False),
    ("140826104", "磨里镇", False),
    ("140826105", "南樊镇", False),
    ("140826106", "安峪镇", False),
    ("140826107", "大交镇", False),
    ("140826200", "郝庄乡", False),
    ("140826201", "冷口乡", True),
]

# (township, village suffix, name, invented?). Village codes are not published in our sources,
# so every village code is invented; the names of §8.5 are real, the others are invented.
VILLAGES = [
    ("140826101", "201", "东刘家村", False),
    ("140826101", "202", "西灌底村", False),
    ("140826101", "203", "柳泉村", True),
    ("140826100", "201", "城关村", True),
    ("140826100", "202", "东街村", True),
    ("140826102", "201", "陈村", False),
    ("140826102", "202", "峪口村", True),
    ("140826103", "201", "卫庄村", True),
    ("140826103", "202", "东华村", True),
    ("140826104", "201", "垣址坪村", False),
    ("140826104", "202", "磨里村", True),
    ("140826105", "201", "尧都村", False),
    ("140826105", "202", "南樊村", True),
    ("140826106", "201", "安峪村", True),
    ("140826106", "202", "浍滨村", True),
    ("140826107", "201", "大交村", False),
    ("140826107", "202", "大郡村", False),
    ("140826200", "201", "郝庄村", True),
    ("140826200", "202", "勃村", False),
    ("140826201", "201", "冷口村", True),
    ("140826201", "202", "范柴村", False),
]

DEPARTMENTS = [
    ("140826-SLJ", "绛县水利局", "水利局"),
    ("140826-STHJ", "运城市生态环境局绛县分局", "生态环境分局"),
    ("140826-ZRZY", "绛县自然资源局", "自然资源局"),
    ("140826-NYNC", "绛县农业农村局", "农业农村局"),
    ("140826-ZJ", "绛县住房和城乡建设管理局", "住建局"),
    ("140826-GA", "绛县公安局", "公安局"),
    ("140826-LY", "绛县林业局", "林业局"),
    ("140826-JTYS", "绛县交通运输局", "交通运输局"),
]

# contract.md's demo accounts: (username, role, division or department code, name, title).
ACCOUNTS = [
    ("admin", "office", "140826", "王明（演示）", "县河长办管理员"),
    ("leader", "leader", "140826", "李建国（演示）", "县总河长"),
    ("chief_sushui", "chief", "140826", "张涑（演示）", "涑水河县级河长"),
    ("chief_hengshui", "chief", "140826101", "赵横（演示）", "横水镇河长"),
    ("chief_dongliujia", "chief", "140826101201", "刘东（演示）", "东刘家村河长"),
    ("patroller_dongliujia", "patroller", "140826101201", "刘巡（演示）", "东刘家村巡河员"),
    ("dept_water", "department", "140826-SLJ", "孙水（演示）", "县水利局联络员"),
    ("chief_chencun", "chief", "140826102", "陈峪（演示）", "陈村镇河长"),
    ("volunteer_hengshui", "volunteer", "140826101", "周清（演示）", "横水镇民间河长"),
]


# Which 绛县 department handles each problem category by default (the office edits these).
CATEGORY_DEPARTMENTS = {
    "140826-SLJ": [
        "luan_zhan",
        "luan_cai",
        "luan_dui",
        "luan_jian",
        "flood_obstruction",
        "embankment_damage",
        "hydraulic_anomaly",
        "flow_cutoff",
        "signboard",
        "video_equipment",
        "reservoir_hazard",
        "check_dam_hazard",
    ],
    "140826-STHJ": [
        "sewage_discharge",
        "outfall",
        "black_odorous",
        "floating_waste",
        "oil_film",
        "dead_animals",
        "industrial_discharge",
        "algae_bloom",
        "monitoring_equipment",
        "water_quality_alarm",
    ],
    "140826-NYNC": ["livestock_discharge", "illegal_fishing"],
}


def _route_problem_categories() -> None:
    from riverchief.problems import services as problem_services

    for department, categories in CATEGORY_DEPARTMENTS.items():
        for code in categories:
            problem_services.update_category(None, code, {"default_department_code": department})


def _load_water_quality() -> None:
    from riverchief.monitoring import demo as monitoring_demo

    monitoring_demo.load()


def _load_patrols() -> None:
    from riverchief.patrols import demo as patrol_demo

    patrol_demo.load()


def is_loaded() -> bool:
    return bool(settings_store.get(LOADED_KEY, False))


@transaction.atomic
def load() -> bool:
    """Load the demo county once. Returns False when it was already there."""
    if is_loaded():
        return False
    for code, name in (PROVINCE, CITY, COUNTY):
        registry_services.upsert_division(None, code=code, name=name)
    for code, name, invented in TOWNSHIPS:
        registry_services.upsert_division(None, code=code, name=name, is_demo=invented)
    for township, suffix, name, invented in VILLAGES:
        registry_services.upsert_division(None, code=township + suffix, name=name, is_demo=invented)
    county = Division.objects.get(code=COUNTY[0])
    for code, name, short_name in DEPARTMENTS:
        registry_services.upsert_department(
            None, code=code, name=name, short_name=short_name, division=county
        )
    for username, role, where, full_name, title in ACCOUNTS:
        if User.objects.filter(username=username).exists():
            continue
        department = Department.objects.get(code=where) if role == "department" else None
        division = None if department else Division.objects.get(code=where.ljust(12, "0"))
        account_services.create_user(
            None,
            username=username,
            role=role,
            division=division,
            department=department,
            full_name=full_name,
            title=title,
            password=DEMO_PASSWORD,
            must_change_password=False,
            is_demo=True,
        )
    demo_data.load_registry()
    _route_problem_categories()
    _load_water_quality()
    _load_patrols()
    settings_store.put(settings_store.DEMO_KEY, True)
    settings_store.put(LOADED_KEY, True)
    return True
