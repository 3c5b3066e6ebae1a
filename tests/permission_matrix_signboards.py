"""Signboard pages: the office, leaders and chiefs within their scope; patrollers and department
officers have none; only the office records a board as put up."""

from __future__ import annotations

from tests.permission_matrix import Route

VIEWERS = frozenset({"office", "leader", "chief_county", "chief_township", "chief_village"})
OFFICE = frozenset({"office"})


def _board() -> dict:
    """A signboard on M-REACH (东刘家村), so the list has a row only inside actors see."""
    from riverchief.registry import services

    services.save_facility(
        None,
        {
            "kind": "signboard",
            "code": "SB-M-REACH",
            "name": "矩阵河长公示牌",
            "reach_code": "M-REACH",
            "lon": 111.411,
            "lat": 35.5201,
            "details": {"last_updated": "2026-01-01", "hotline": "12314"},
        },
    )
    return {}


SIGNBOARDS = [
    Route(
        "GET",
        "signboards/",
        "/signboards/",
        roles=VIEWERS,
        setup=_board,
        marker="SB-M-REACH",
    ),
    Route(
        "GET",
        "signboards/reaches/<str:code>.pdf",
        "/signboards/reaches/M-REACH.pdf",
        roles=VIEWERS,
        outside=404,
    ),
    Route(
        "POST",
        "signboards/reaches/<str:code>/put-up/",
        "/signboards/reaches/M-REACH/put-up/",
        roles=OFFICE,
        ok=302,
        outside=404,
    ),
    Route(
        "GET",
        "signboards/townships/<str:code>.pdf",
        "/signboards/townships/140826101201.pdf",
        roles=VIEWERS,
        outside=404,
    ),
]
