"""The `riverchief` command: demo, serve, migrate, createuser, sweep, backup, restore, import,
export.

Exit status 0 on success; otherwise a one-line reason on stderr and a non-zero status.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEMO_ACCOUNTS_NOTE = "password for all: riverchief-demo"


class CommandFailed(Exception):
    """Stops the command with a one-line reason."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="riverchief", description="河湖长制 platform")
    parser.add_argument("--data-dir", help="data folder (default ./var or RIVERCHIEF_DATA_DIR)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="create or open the demo county, then serve it")
    demo.add_argument("--data-dir", dest="sub_data_dir", help="data folder (default ./var)")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--workers", type=int, default=2)
    demo.add_argument("--no-serve", action="store_true", help="prepare the database and stop")

    serve = commands.add_parser("serve", help="serve an existing database")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None, help="processes (default: 2 × cores)")
    serve.add_argument("--threads", type=int, default=4, help="threads per process")

    commands.add_parser("migrate", help="create or upgrade the database schema")

    create = commands.add_parser("createuser", help="create a user; prints a generated password")
    create.add_argument("username")
    create.add_argument(
        "--role",
        required=True,
        choices=["sysadmin", "office", "leader", "chief", "patroller", "department"],
    )
    create.add_argument("--division", help="division code, e.g. 140826 or 140826101")
    create.add_argument("--department", help="department code")
    create.add_argument("--full-name", default="")
    create.add_argument("--phone", default="")

    commands.add_parser("sweep", help="run the periodic work once")

    backup = commands.add_parser("backup", help="write a backup of the database to FILE")
    backup.add_argument("file")
    restore = commands.add_parser("restore", help="replace the database with the backup in FILE")
    restore.add_argument("file")

    importer = commands.add_parser("import", help="import KIND from FILE")
    importer.add_argument("kind")
    importer.add_argument("file")
    importer.add_argument("--partial", action="store_true", help="write the valid rows")
    exporter = commands.add_parser("export", help="export KIND to FILE")
    exporter.add_argument("kind")
    exporter.add_argument("file")
    return parser


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riverchief.settings")
    import django

    django.setup()


def _check_database() -> None:
    from django.conf import settings
    from django.db import DatabaseError, connection

    try:
        connection.ensure_connection()
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        where = settings.DATABASES["default"].get("NAME")
        raise CommandFailed(f"cannot reach the database ({where}): {reason}") from error


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _collectstatic() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def _serve(host: str, port: int, workers: int, threads: int) -> None:
    from riverchief.server import run

    run(host=host, port=port, workers=workers, threads=threads)


def cmd_demo(args) -> None:
    data_dir = Path(
        args.sub_data_dir or args.data_dir or os.environ.get("RIVERCHIEF_DATA_DIR", "var")
    )
    os.environ["RIVERCHIEF_DATA_DIR"] = str(data_dir.resolve())
    hosts = {"127.0.0.1", "localhost", "[::1]", args.host}
    os.environ.setdefault("RIVERCHIEF_ALLOWED_HOSTS", ",".join(sorted(hosts)))
    _setup_django()
    _check_database()
    _migrate()
    from riverchief import demo

    created = demo.load()
    _collectstatic()
    url = f"http://{args.host}:{args.port}/"
    print(("demo county loaded" if created else "demo county already present") + f" in {data_dir}")
    print(f"riverchief demo: {url}")
    print("demo accounts (" + DEMO_ACCOUNTS_NOTE + "):")
    for username, _role, _where, full_name, title in demo.ACCOUNTS:
        print(f"  {username:<22} {title} · {full_name}")
    sys.stdout.flush()
    if not args.no_serve:
        _serve(args.host, args.port, args.workers, 4)


def cmd_serve(args) -> None:
    _setup_django()
    _check_database()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CommandFailed("the database schema is not up to date: run `riverchief migrate`")
    _collectstatic()
    connection.close()  # the workers fork from here: each opens its own
    workers = args.workers or 2 * (os.cpu_count() or 1)
    print(f"riverchief serving http://{args.host}:{args.port}/ with {workers} workers")
    sys.stdout.flush()
    _serve(args.host, args.port, workers, args.threads)


def cmd_migrate(args) -> None:
    _setup_django()
    _check_database()
    _migrate(verbosity=1)


def cmd_createuser(args) -> None:
    _setup_django()
    _check_database()
    from riverchief.accounts import services
    from riverchief.core import divcodes
    from riverchief.core.errors import DomainError, in_both_languages
    from riverchief.registry.models import Department, Division

    division = department = None
    try:
        if args.division:
            division = Division.objects.filter(code=divcodes.normalize(args.division)).first()
            if division is None:
                raise CommandFailed(f"unknown division code: {args.division}")
        if args.department:
            department = Department.objects.filter(code=args.department).first()
            if department is None:
                raise CommandFailed(f"unknown department code: {args.department}")
        user, password = services.create_user(
            None,
            username=args.username,
            role=args.role,
            division=division,
            department=department,
            full_name=args.full_name,
            phone=args.phone,
        )
    except divcodes.InvalidCode as error:
        raise CommandFailed(str(error)) from error
    except DomainError as error:
        zh, en = in_both_languages(error.message, error.params)
        raise CommandFailed(f"{error.field or 'input'}: {zh} / {en}") from error
    print(f"created {user.username}; password (must be changed at first sign-in): {password}")


def cmd_sweep(args) -> None:
    _setup_django()
    _check_database()
    from riverchief.core.sweep import run_all

    for name, result in run_all():
        print(f"{name}: {result}")


def cmd_backup(args) -> None:
    _setup_django()
    _check_database()
    from django.conf import settings

    from riverchief.core import backup

    try:
        backup.backup(settings.DATABASES["default"], Path(args.file))
    except backup.BackupError as error:
        raise CommandFailed(str(error)) from error
    print(f"backup written to {args.file}")


def cmd_restore(args) -> None:
    _setup_django()
    from django.conf import settings
    from django.db import connection

    from riverchief.core import backup

    connection.close()
    try:
        backup.restore(settings.DATABASES["default"], Path(args.file))
    except backup.BackupError as error:
        raise CommandFailed(str(error)) from error
    _migrate()  # a backup from an older version is brought up to date
    print(f"database restored from {args.file}")


def cmd_import(args) -> None:
    _setup_django()
    _check_database()
    from riverchief.core.transfer import run_import

    run_import(args.kind, Path(args.file), partial=args.partial)


def cmd_export(args) -> None:
    _setup_django()
    _check_database()
    from riverchief.core.transfer import run_export

    run_export(args.kind, Path(args.file))


COMMANDS = {
    "demo": cmd_demo,
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "createuser": cmd_createuser,
    "sweep": cmd_sweep,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "import": cmd_import,
    "export": cmd_export,
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.data_dir:
        os.environ["RIVERCHIEF_DATA_DIR"] = str(Path(args.data_dir).resolve())
    try:
        COMMANDS[args.command](args)
    except CommandFailed as error:
        print(f"riverchief {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
