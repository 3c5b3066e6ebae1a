"""Water-quality evaluation routes: pure computations, open to every signed-in role."""

from __future__ import annotations

from tests.permission_matrix import Route

MONITORING = [
    Route(
        "POST",
        "api/v1/water-quality/evaluate",
        "/api/v1/water-quality/evaluate",
        anonymous=401,
        body={"waterbody_type": "river", "values": {"pH": 7.2, "DO": 6.1, "TP": 0.3}},
    ),
    Route(
        "POST",
        "api/v1/water-quality/river-status",
        "/api/v1/water-quality/river-status",
        anonymous=401,
        body={"section_classes": ["II", "III", "IV", "II", "劣V"]},
    ),
    Route(
        "POST",
        "api/v1/water-quality/tli",
        "/api/v1/water-quality/tli",
        anonymous=401,
        body={"values": {"chla": 7.77, "TP": 0.27}},
    ),
]
