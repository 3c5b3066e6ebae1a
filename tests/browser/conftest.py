"""Browser tests against the real server: `riverchief demo --no-serve`, then `riverchief serve`.

The server runs as a subprocess on a free loopback port, with its own data folder and its own
database (a fresh PostgreSQL database when the test run uses PostgreSQL, else SQLite in the data
folder). These tests never touch Django's test database, so they need no `db` fixture.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_TIMEOUT_S = 300
STARTUP_TIMEOUT_S = 60
LOG_TAIL_CHARS = 4000


def _tail(path: Path, chars: int = LOG_TAIL_CHARS) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return text[-chars:] or "(empty log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unavailable(reason: str) -> None:
    """No browser here: fail on CI (CI must never skip), skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests must run)", pytrace=False)
    pytest.skip(reason)


# --- the database the server uses -------------------------------------------------------------


def _postgres_url() -> str | None:
    url = os.environ.get("RIVERCHIEF_DATABASE_URL", "").strip()
    return url if url.startswith("postgres") else None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _maintenance_conninfo(url: str) -> str:
    from psycopg.conninfo import make_conninfo

    # dj-database-url accepts schemes libpq does not (postgis://); libpq parses postgresql://.
    parts = urlsplit(url)
    return make_conninfo(urlunsplit(parts._replace(scheme="postgresql")), dbname="postgres")


@pytest.fixture(scope="session")
def server_database_url() -> Iterator[str]:
    """RIVERCHIEF_DATABASE_URL for the server: a fresh PostgreSQL database, or "" (SQLite)."""
    url = _postgres_url()
    if url is None:
        yield ""  # the server falls back to SQLite in its data folder
        return

    import psycopg
    from psycopg import sql

    name = f"riverchief_browser_{secrets.token_hex(6)}"
    conninfo = _maintenance_conninfo(url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_database(url, name)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


# --- the server -------------------------------------------------------------------------------


def _server_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "RIVERCHIEF_DATA_DIR": str(data_dir),
            "RIVERCHIEF_DATABASE_URL": database_url,
            "RIVERCHIEF_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "RIVERCHIEF_HTTPS": "0",  # plain http on loopback: secure cookies would never return
            "DJANGO_SETTINGS_MODULE": "riverchief.settings",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _riverchief(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "riverchief", "--data-dir", str(data_dir), *args]


def _wait_until_healthy(url: str, process: subprocess.Popen, log: Path) -> dict:
    """The /healthz answer once it is 200; fails with the server's output otherwise."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"riverchief serve exited with status {process.returncode} before answering "
                f"/healthz; server output:\n{_tail(log)}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return json.loads(answer.read())
                last_error = f"status {answer.status}"
        except urllib.error.HTTPError as error:
            last_error = f"status {error.code}"
        except (urllib.error.URLError, OSError) as error:
            last_error = str(error)
        time.sleep(0.25)
    pytest.fail(
        f"riverchief serve did not answer /healthz with 200 within {STARTUP_TIMEOUT_S} s "
        f"({last_error}); server output:\n{_tail(log)}",
        pytrace=False,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    # The server runs in its own process group (start_new_session): gunicorn's master and its
    # workers all belong to it, and nothing else does.
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def server_dir(tmp_path_factory) -> Path:
    """The tmp folder of this test session's server: data, log, screenshots."""
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="session")
def live_server_url(server_dir: Path, server_database_url: str) -> Iterator[str]:
    data_dir = server_dir / "data"
    data_dir.mkdir()
    env = _server_env(data_dir, server_database_url)
    log = server_dir / "server.log"

    with log.open("ab") as out:
        demo = subprocess.run(
            _riverchief(data_dir, "demo", "--no-serve"),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=DEMO_TIMEOUT_S,
            check=False,
        )
    if demo.returncode != 0:
        pytest.fail(
            f"riverchief demo --no-serve failed with status {demo.returncode}:\n{_tail(log)}",
            pytrace=False,
        )

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    out = log.open("ab")
    process = subprocess.Popen(
        _riverchief(
            data_dir, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"
        ),
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        health = _wait_until_healthy(url, process, log)
        expected = "postgresql" if server_database_url else "sqlite"
        assert health.get("database") == expected, f"server runs on {health}, not {expected}"
        yield url
    finally:
        _stop(process)
        out.close()


# --- the browser ------------------------------------------------------------------------------


# Module scope: Playwright's sync API runs an event loop in the main thread while it is open,
# and Django then refuses ORM calls made from that thread (SynchronousOnlyOperation) in
# whatever tests run later in the session. Closing it after each module ends the loop.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _unavailable(
            f"{CHROMIUM} is missing: install Debian's Chromium "
            "(apt-get install -y --no-install-recommends chromium) to run the browser tests"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser) -> Iterator[Callable[..., object]]:
    """new_page(viewport=...) -> a page in a fresh context (zh-CN unless told otherwise).

    An uncaught JavaScript error on any of these pages fails the test at teardown.
    """
    contexts = []
    script_errors: list[str] = []

    def make(**options):
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not script_errors, "uncaught JavaScript errors:\n" + "\n".join(script_errors)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def screenshot_dirs(server_dir: Path) -> list[Path]:
    """Where screenshots go: the tmp dir, plus RIVERCHIEF_SCREENSHOTS when it is set."""
    folders = [server_dir / "screenshots"]
    extra = os.environ.get("RIVERCHIEF_SCREENSHOTS", "").strip()
    if extra:
        folders.append(Path(extra).expanduser())
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders
