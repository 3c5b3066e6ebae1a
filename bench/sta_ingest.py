"""SensorThings `CreateObservations` ingest: 250,000 observations must take at most 60 s.

    python bench/sta_ingest.py [--database sqlite|postgresql|both] [--observations 250000]
                               [--per-request 10000] [--postgres URL]

For each database, in a process of its own, on a fresh database with the demo county: an office
token, a station tied to section SEC-SSH-DLJ with six Datastreams (pH, DO, CODMn, NH3N, TP, WT),
then the observations posted as dataArray documents through the whole Django stack (URL routing,
token check, JSON parsing, validation, batched multi-row INSERTs, audit, and after each commit the
hand-over of the values to monitoring, which stores them and evaluates the section's alarms).
The same rows are then inserted once more with a bare `bulk_create` of Observation objects for
the ratio: what the API costs above the raw insert. Values sit inside class II, so no alarm or
problem is opened (the alarm path is measured by the tests, not here).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 60.0
POSTGRES_NAME = "riverchief_bench_sta"
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
# (parameter code, unit symbol, a class II value)
STREAMS = [("pH", "", 7.4), ("DO", "mg/L", 6.5), ("CODMn", "mg/L", 3.1), ("NH3N", "mg/L", 0.3),
           ("TP", "mg/L", 0.05), ("WT", "℃", 18.0)]  # fmt: skip


def _setup(url: str) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import prepare_database  # bench/generate.py

    prepare_database(url, fresh=True)
    os.environ["RIVERCHIEF_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riverchief.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from riverchief import demo

    demo.load()


def _post(client, headers, path: str, body) -> dict | list:
    response = client.post(
        f"/sta/v1.1/{path}", json.dumps(body), content_type="application/json", **headers
    )
    if response.status_code != 201:
        raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
    return response


def _station(client, headers) -> list[int]:
    location = {
        "name": "站房",
        "description": "bench",
        "encodingType": "application/geo+json",
        "location": {"type": "Point", "coordinates": [111.412, 35.5205]},
    }
    thing = _post(
        client,
        headers,
        "Things",
        {
            "name": "基准自动站",
            "description": "bench",
            "properties": {"section_code": "SEC-SSH-DLJ"},
            "Locations": [location],
        },
    )
    thing_id = int(thing["Location"].split("(")[1].rstrip(")"))
    ids = []
    for code, symbol, _value in STREAMS:
        created = _post(client, headers, "Datastreams", {
            "name": code, "description": code, "observationType": MEASUREMENT,
            "unitOfMeasurement": {"name": code, "symbol": symbol, "definition": ""},
            "Thing": {"@iot.id": thing_id},
            "Sensor": {"name": code, "description": "", "encodingType": "text/html",
                       "metadata": "https://example.org"},
            "ObservedProperty": {"name": code, "description": "", "definition": f"urn:{code}"},
        })  # fmt: skip
        ids.append(int(created["Location"].split("(")[1].rstrip(")")))
    return ids


def _documents(datastreams: list[int], total: int, per_request: int):
    """dataArray documents of `per_request` rows, spread over the Datastreams, one a minute."""
    import datetime

    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    per_stream = -(-total // len(datastreams))
    rows_by_stream = [
        [[(start + datetime.timedelta(minutes=i)).isoformat(), value + (i % 7) * 0.001]
         for i in range(per_stream)]
        for (_code, _symbol, value) in STREAMS
    ]  # fmt: skip
    sent = 0
    chunk = per_request // len(datastreams)
    for offset in range(0, per_stream, chunk):
        document = []
        for datastream, rows in zip(datastreams, rows_by_stream, strict=True):
            part = rows[offset : offset + chunk][: max(0, total - sent)]
            sent += len(part)
            if part:
                document.append(
                    {
                        "Datastream": {"@iot.id": datastream},
                        "components": ["phenomenonTime", "result"],
                        "dataArray": part,
                    }
                )
        if document:
            yield document


def child(url: str, total: int, per_request: int) -> dict:
    _setup(url)
    from django.db import connection
    from django.test import Client

    from riverchief.accounts import services
    from riverchief.accounts.models import User
    from riverchief.monitoring.models import AutoValue
    from riverchief.sensorthings import models as m

    _token, raw = services.issue_token(User.objects.get(username="admin"), "bench")
    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    datastreams = _station(client, headers)
    documents = list(_documents(datastreams, total, per_request))
    # Time the monitoring side (its own store and alarm evaluation) apart from ours.
    from riverchief.monitoring import automatic

    original, handover = automatic.record_automatic_values, [0.0]

    def timed(*args, **kwargs):
        begun = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            handover[0] += time.perf_counter() - begun

    automatic.record_automatic_values = timed
    started = time.perf_counter()
    answered = 0
    for document in documents:
        links = _post(client, headers, "CreateObservations", document).json()
        answered += sum(1 for link in links if link != "error")
    api_s = time.perf_counter() - started
    stored = m.Observation.objects.count()
    handed_over = AutoValue.objects.filter(section__code="SEC-SSH-DLJ", source="sta").count()

    # The same rows, bare: Observation objects and bulk_create, no HTTP, no checks, no hand-over.
    feature = m.FeatureOfInterest.objects.first()
    import datetime

    rows = [
        m.Observation(datastream_id=part["Datastream"]["@iot.id"], feature_of_interest=feature,
                      phenomenon_time_start=datetime.datetime.fromisoformat(t), result=v,
                      result_number=v)
        for document in documents for part in document for t, v in part["dataArray"]
    ]  # fmt: skip
    started = time.perf_counter()
    m.Observation.objects.bulk_create(rows, batch_size=5000)
    raw_s = time.perf_counter() - started
    return {
        "database": connection.vendor,
        "observations": answered,
        "stored": stored,
        "handed_over": handed_over,
        "requests": len(documents),
        "api_s": round(api_s, 2),
        "handover_s": round(handover[0], 2),
        "raw_insert_s": round(raw_s, 2),
        "per_s": round(answered / api_s),
    }


def _run_child(database: str, args) -> dict:
    data = ROOT / "bench" / "results" / "data" / f"sta-{database}"
    data.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        url = f"sqlite:///{data / 'riverchief.sqlite3'}"
    else:
        url = f"{args.postgres.rstrip('/')}/{POSTGRES_NAME}"
    env = {**os.environ, "RIVERCHIEF_DATA_DIR": str(data), "RIVERCHIEF_LOG_LEVEL": "WARNING"}
    command = [
        *(sys.executable, __file__, "--child", "--url", url),
        *("--observations", str(args.observations), "--per-request", str(args.per_request)),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{database}: the run failed\n{done.stdout}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--observations", type=int, default=250_000)
    parser.add_argument("--per-request", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--url")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.url, args.observations, args.per_request)))
        return 0
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(f"SensorThings CreateObservations ingest ({platform.python_version()}, "
          f"{os.cpu_count()} CPUs); target ≤ {TARGET_S:.0f} s")  # fmt: skip
    missed = False
    for database in databases:
        r = _run_child(database, args)
        ratio = r["api_s"] / r["raw_insert_s"] if r["raw_insert_s"] else float("nan")
        verdict = "ok" if r["api_s"] <= TARGET_S else "MISSED"
        missed = missed or verdict != "ok"
        print(
            f"{r['database']:>10}: {r['observations']:,} observations in {r['requests']} requests: "
            f"{r['api_s']:.1f} s ({r['per_s']:,}/s) {verdict}; bare bulk_create of the same rows "
            f"{r['raw_insert_s']:.1f} s (API costs ×{ratio:.1f}); {r['handed_over']:,} values "
            f"handed to the section, monitoring's storing and alarm check of them "
            f"{r['handover_s']:.1f} s of the total"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
