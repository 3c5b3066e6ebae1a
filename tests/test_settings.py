"""Configuration from the environment: safe defaults, the generated secret key, allowed hosts."""

import os
import stat
import subprocess
import sys

import pytest

from riverchief import config


def settings_in_subprocess(env_overrides: dict, expression: str, tmp_path) -> str:
    env = dict(os.environ, RIVERCHIEF_DATA_DIR=str(tmp_path), **env_overrides)
    if "RIVERCHIEF_DEBUG" not in env_overrides:
        env.pop("RIVERCHIEF_DEBUG", None)
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='riverchief.settings';"
        "from django.conf import settings; print(" + expression + ")"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_debug_is_off_and_cookies_are_plain_http_by_default(tmp_path):
    out = settings_in_subprocess(
        {}, "settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.ALLOWED_HOSTS", tmp_path
    )
    assert out == "False False ['127.0.0.1', 'localhost', '[::1]']"


def test_behind_https_cookies_are_secure_and_hsts_is_sent(tmp_path):
    out = settings_in_subprocess(
        {"RIVERCHIEF_HTTPS": "true"},
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " settings.SECURE_HSTS_SECONDS > 0",
        tmp_path,
    )
    assert out == "True True True"


def test_the_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = config.secret_key(tmp_path)
    second = config.secret_key(tmp_path)
    assert first == second and len(first) >= 50
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_a_configured_secret_key_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("RIVERCHIEF_SECRET_KEY", "configured-key")
    assert config.secret_key(tmp_path) == "configured-key"
    assert not (tmp_path / "secret_key").exists()


def test_the_database_defaults_to_sqlite_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("RIVERCHIEF_DATABASE_URL", raising=False)
    assert config.database_url(tmp_path) == f"sqlite:///{tmp_path / 'riverchief.sqlite3'}"


@pytest.mark.django_db
def test_an_unknown_host_is_refused(client):
    assert client.get("/healthz", HTTP_HOST="evil.example.com").status_code == 400
    assert client.get("/healthz", HTTP_HOST="127.0.0.1").status_code == 200


@pytest.mark.django_db
def test_healthz_reports_the_database(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db import OperationalError, connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"


@pytest.mark.django_db
def test_an_unknown_page_gets_the_chinese_404_page(client):
    answer = client.get("/no/such/page/")
    assert answer.status_code == 404
    assert "页面不存在" in answer.content.decode()


@pytest.mark.django_db
def test_an_unknown_api_route_gets_404_json(client):
    answer = client.get("/api/v1/no-such-thing")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
