"""`riverchief import KIND FILE` and `export KIND FILE`: the kinds the apps offer."""

from __future__ import annotations

from pathlib import Path


def _kinds() -> dict:
    from riverchief.monitoring import transfer as monitoring_transfer
    from riverchief.registry import transfer as registry_transfer

    return {**registry_transfer.KINDS, **monitoring_transfer.KINDS}


def _kind(kind: str):
    kinds = _kinds()
    if kind not in kinds:
        from riverchief.cli import CommandFailed

        raise CommandFailed(f"unknown kind {kind!r}; available: {', '.join(sorted(kinds))}")
    return kinds[kind]


def run_import(kind: str, path: Path, *, partial: bool = False) -> None:
    _kind(kind).import_file(path, partial=partial)


def run_export(kind: str, path: Path) -> None:
    _kind(kind).export_file(path)
