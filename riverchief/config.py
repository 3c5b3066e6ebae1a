"""Read the operator's configuration from the environment (see contract.md).

Kept free of Django imports so that the CLI can validate configuration before Django starts.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def data_dir() -> Path:
    return Path(os.environ.get("RIVERCHIEF_DATA_DIR", "var")).expanduser().resolve()


def database_url(directory: Path) -> str:
    url = os.environ.get("RIVERCHIEF_DATABASE_URL", "").strip()
    return url or f"sqlite:///{directory / 'riverchief.sqlite3'}"


def secret_key(directory: Path) -> str:
    """The configured key, or one generated once and kept in the data dir (mode 0600)."""
    configured = os.environ.get("RIVERCHIEF_SECRET_KEY", "").strip()
    if configured:
        return configured
    path = directory / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    directory.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # O_EXCL: two processes starting at once keep the first key, never two different ones.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def allowed_hosts() -> list[str]:
    raw = os.environ.get("RIVERCHIEF_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
    return [host.strip() for host in raw.split(",") if host.strip()]
