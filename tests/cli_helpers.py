"""Run the `riverchief` command in a subprocess against a fresh database of the current kind."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def postgres_in_use() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@contextlib.contextmanager
def fresh_database(data_dir: Path):
    """Environment for a subprocess: SQLite in data_dir, or a new PostgreSQL database."""
    env = dict(os.environ)
    env["RIVERCHIEF_DATA_DIR"] = str(data_dir)
    if not postgres_in_use():
        env["RIVERCHIEF_DATABASE_URL"] = ""
        yield env
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"riverchief_cli_{secrets.token_hex(4)}"
    server = (
        f"postgresql://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    )
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env["RIVERCHIEF_DATABASE_URL"] = f"{server}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def riverchief(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "riverchief", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"riverchief {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result


def dump(env: dict) -> str:
    """Every row of the application's tables, as Django's JSON fixture format."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "dumpdata",
            "--settings=riverchief.settings",
            "--natural-foreign",
            "--indent=1",
            "core",
            "registry",
            "accounts",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout
