"""SensorThings API 1.1 under /sta/v1.1/: who may use it. Imported into tests/permission_matrix.py.

Reads are for every signed-in role (session or token), never anonymous (raw automatic readings
are not open data). Writes take an API token only, so every session here, sysadmin's included,
gets 401; tests/sensorthings checks writes with tokens (office 201, other roles 403).
"""

from __future__ import annotations

from tests.permission_matrix import Route

NOBODY_BY_SESSION = frozenset()

STA = [
    Route("GET", "sta/v1.1/", "/sta/v1.1/", anonymous=401),
    Route("GET", "sta/v1.1/<path:path>", "/sta/v1.1/Things?$top=1", anonymous=401),
    Route(
        "POST",
        "sta/v1.1/<path:path>",
        "/sta/v1.1/Things",
        roles=NOBODY_BY_SESSION,
        denied=401,
        sysadmin=401,
        anonymous=401,
        body={"name": "x", "description": "y"},
    ),
    Route(
        "POST",
        "sta/v1.1/CreateObservations",
        "/sta/v1.1/CreateObservations",
        roles=NOBODY_BY_SESSION,
        denied=401,
        sysadmin=401,
        anonymous=401,
        body={},
    ),
]
