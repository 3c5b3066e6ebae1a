"""Backup and restore of the whole database: SQLite's online backup API, or pg_dump/pg_restore.

A SQLite backup is a consistent copy even while the server writes. A PostgreSQL backup is a
custom-format pg_dump archive; restore replaces every table (`--clean --if-exists`).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one line for the operator."""


def _kind_of_file(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither a SQLite database nor a pg_dump archive")


def _pg_env(settings_db: dict) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL client tools, password through the environment."""
    env = dict(os.environ)
    if settings_db.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_db["PASSWORD"])
    args = ["--dbname", str(settings_db["NAME"])]
    if settings_db.get("HOST"):
        args += ["--host", str(settings_db["HOST"])]
    if settings_db.get("PORT"):
        args += ["--port", str(settings_db["PORT"])]
    if settings_db.get("USER"):
        args += ["--username", str(settings_db["USER"])]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)"
        )
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{command[0]} failed: {reason[-1] if reason else result.returncode}")


def backup(settings_db: dict, target: Path) -> None:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    engine = settings_db["ENGINE"]
    # Write next to the target, then rename: a failed backup never leaves a half file behind.
    handle, partial_name = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    os.close(handle)
    partial = Path(partial_name)
    try:
        if engine.endswith("sqlite3"):
            source = sqlite3.connect(str(settings_db["NAME"]))
            destination = sqlite3.connect(str(partial))
            try:
                source.backup(destination)
            finally:
                destination.close()
                source.close()
        elif engine.endswith("postgresql"):
            args, env = _pg_env(settings_db)
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(partial), *args], env)
        else:
            raise BackupError(f"backups of {engine} are not supported")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def restore(settings_db: dict, source: Path) -> None:
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no such file: {source}")
    kind = _kind_of_file(source)
    engine = settings_db["ENGINE"]
    if engine.endswith("sqlite3"):
        if kind != "sqlite":
            raise BackupError("this is a PostgreSQL archive; the configured database is SQLite")
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(str(settings_db["NAME"]))
        try:
            # The backup API replaces the live database page by page under one lock.
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
    elif engine.endswith("postgresql"):
        if kind != "postgresql":
            raise BackupError("this is a SQLite file; the configured database is PostgreSQL")
        args, env = _pg_env(settings_db)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(source),
            ],
            env,
        )
    else:
        raise BackupError(f"restores of {engine} are not supported")
