"""The `riverchief` command as an operator uses it: demo, createuser, backup and restore, errors."""

import json
import os
import subprocess
import sys

from tests.cli_helpers import dump, fresh_database, postgres_in_use, riverchief


def test_demo_twice_loads_the_county_once(tmp_path):
    with fresh_database(tmp_path) as env:
        first = riverchief(env, "demo", "--data-dir", str(tmp_path), "--no-serve")
        assert "demo county loaded" in first.stdout
        assert "chief_hengshui" in first.stdout and "riverchief-demo" in first.stdout
        before = dump(env)
        second = riverchief(env, "demo", "--data-dir", str(tmp_path), "--no-serve")
        assert "already present" in second.stdout
        assert dump(env) == before
        divisions = [row for row in json.loads(before) if row["model"] == "registry.division"]
        assert sum(1 for row in divisions if row["fields"]["level"] == 9) == 10


def test_backup_and_restore_round_trip_gives_back_the_same_data(tmp_path):
    data_dir = tmp_path / "data"
    backup_file = tmp_path / ("county.dump" if postgres_in_use() else "county.sqlite3")
    with fresh_database(data_dir) as env:
        riverchief(env, "demo", "--no-serve")
        original = dump(env)
        riverchief(env, "backup", str(backup_file))
        assert backup_file.stat().st_size > 0
        created = riverchief(
            env, "createuser", "late_user", "--role", "chief", "--division", "140826101202"
        )
        assert "password" in created.stdout
        changed = dump(env)
        assert changed != original and "late_user" in changed
        riverchief(env, "restore", str(backup_file))
        assert dump(env) == original


def test_restore_refuses_a_file_that_is_no_backup(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"this is not a database")
    with fresh_database(tmp_path) as env:
        riverchief(env, "migrate")
        result = riverchief(env, "restore", str(junk), check=False)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "neither a SQLite database nor a pg_dump archive" in result.stderr


def test_an_unreachable_database_gives_a_one_line_reason_and_a_non_zero_exit(tmp_path):
    env = dict(os.environ)
    env["RIVERCHIEF_DATA_DIR"] = str(tmp_path)
    env["RIVERCHIEF_DATABASE_URL"] = "postgresql://postgres@127.0.0.1:1/nowhere"
    for command in (["serve", "--port", "0"], ["migrate"], ["demo", "--no-serve"]):
        result = subprocess.run(
            [sys.executable, "-m", "riverchief", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 1, command
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot reach the database" in lines[0], result.stderr


def test_createuser_with_an_unknown_division_fails_cleanly(tmp_path):
    with fresh_database(tmp_path) as env:
        riverchief(env, "migrate")
        result = riverchief(
            env, "createuser", "x", "--role", "chief", "--division", "999999", check=False
        )
    assert result.returncode == 1
    assert result.stderr.strip() == "riverchief createuser: unknown division code: 999999"


def test_import_and_export_of_divisions_round_trip(tmp_path):
    exported = tmp_path / "divisions.csv"
    with fresh_database(tmp_path / "data") as env:
        riverchief(env, "demo", "--no-serve")
        riverchief(env, "export", "divisions", str(exported))
        text = exported.read_text(encoding="utf-8-sig")
        assert "140826101201,东刘家村" in text
        before = dump(env)
        again = riverchief(env, "import", "divisions", str(exported))
        assert "imported" in again.stdout
        assert dump(env) == before  # upserting the same rows changes nothing


def test_an_import_with_bad_rows_reports_each_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "代码,名称\n140826101299,新村\n14082610129X,坏代码\n140826101299,重复\n140899100201,无上级\n",
        encoding="utf-8",
    )
    with fresh_database(tmp_path / "data") as env:
        riverchief(env, "demo", "--no-serve")
        before = dump(env)
        result = riverchief(env, "import", "divisions", str(bad), check=False)
        assert result.returncode == 1
        assert "row 3, column code" in result.stdout  # invalid code
        assert "row 4, column code" in result.stdout  # duplicate of row 2
        assert "row 5, column code" in result.stdout  # parent missing
        assert dump(env) == before
        partial = riverchief(env, "import", "divisions", str(bad), "--partial")
        assert "1 divisions imported" in partial.stdout
        assert "新村" in dump(env)
