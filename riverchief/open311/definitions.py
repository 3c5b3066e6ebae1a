"""Services and service definitions: the portal's public categories as Open311 describes them.

Every service takes two optional attributes that matter for phones in China: the coordinate
system of `lat`/`long` (GCJ-02 from Chinese map SDKs is converted to WGS84) and the GPS
accuracy. A third, informational one (variable=false) tells the reporter what becomes public.
"""

from __future__ import annotations

from typing import Any

from riverchief.portal.categories import PublicCategory

COORDINATE_SYSTEMS = (
    ("wgs84", "WGS84（GPS 原始坐标）"),
    ("gcj02", "GCJ-02（高德、腾讯等国内地图坐标）"),
)


def service_record(category: PublicCategory) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name_zh,
        "description": category.description_zh,
        "metadata": True,
        # Batch: a report is published only after the office accepts it, so POST answers a
        # token and GET tokens/{token} gives the request id once it is public.
        "type": "batch",
        "keywords": f"{category.name_zh},{category.name_en}",
        "group": "重大问题" if category.major else "一般问题",
    }


def definition(category: PublicCategory) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": False,
                "code": "privacy",
                "datatype": "text",
                "required": False,
                "datatype_description": None,
                "order": 1,
                "description": (
                    "举报经河长办受理后公开；姓名、电话、邮箱从不公开。"
                    " Published after the office accepts it; names, phones and e-mail never."
                ),
            },
            {
                "variable": True,
                "code": "coordinate_system",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "默认 wgs84 / wgs84 unless told",
                "order": 2,
                "description": "lat/long 的坐标系 / coordinate system of lat and long",
                "values": [{"key": key, "name": name} for key, name in COORDINATE_SYSTEMS],
            },
            {
                "variable": True,
                "code": "accuracy_m",
                "datatype": "number",
                "required": False,
                "datatype_description": "米 / metres",
                "order": 3,
                "description": "定位精度 / GPS accuracy",
            },
        ],
    }
