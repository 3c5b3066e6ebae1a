"""SQLite writers of one installation take turns on a file lock (riverchief/core/sqlite3): a
writer that finds the database held waits for it, however short SQLite's own timeout, instead of
failing with "database is locked"; a rollback, a commit and a closed connection each free it."""

from __future__ import annotations

import threading
import time

import pytest
from django.db.utils import ConnectionHandler, OperationalError


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """Connections to a database file of the test's own, with a 50 ms busy timeout; each
    thread gets its own connection, as in a serving worker."""
    with django_db_blocker.unblock():
        yield from _database(tmp_path)


def _connections(tmp_path, engine: str) -> ConnectionHandler:
    """Per-thread connections through `engine` to the test's database file."""
    return ConnectionHandler(
        {
            "default": {
                "ENGINE": engine,
                "NAME": str(tmp_path / "writers.sqlite3"),
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 0.05},
            }
        }
    )


def _database(tmp_path):
    handler = _connections(tmp_path, "riverchief.core.sqlite3")
    first = handler["default"]
    with first.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("CREATE TABLE report (writer TEXT)")
    yield handler
    handler.close_all()


def _begin(connection) -> None:
    """BEGIN IMMEDIATE, as `transaction.atomic` starts one."""
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def _write(connection, writer: str) -> None:
    """One row in a transaction of its own."""
    _begin(connection)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO report VALUES (%s)", [writer])
    connection.commit()
    connection.set_autocommit(True)


def _in_thread(database, job) -> threading.Thread:
    def run():
        try:
            job(database["default"])
        finally:
            database["default"].close()

    thread = threading.Thread(target=run, daemon=True)  # a failed check must not hang the run
    thread.start()
    return thread


def test_a_second_writer_waits_for_the_first_instead_of_failing(database):
    errors: list[Exception] = []
    holding = threading.Event()

    def first(connection):
        _begin(connection)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO report VALUES ('first')")
        holding.set()
        time.sleep(0.4)  # eight times the busy timeout
        connection.commit()
        connection.set_autocommit(True)

    def second(connection):
        holding.wait(timeout=10)
        try:
            _write(connection, "second")
        except OperationalError as error:
            errors.append(error)

    threads = [_in_thread(database, first), _in_thread(database, second)]
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with database["default"].cursor() as cursor:
        cursor.execute("SELECT writer FROM report ORDER BY rowid")
        assert [row[0] for row in cursor.fetchall()] == ["first", "second"]


def test_the_same_timeout_without_the_lock_fails(tmp_path, database):
    """The check above can fail: Django's own backend, the same timeout, gives up."""
    plain = _connections(tmp_path, "django.db.backends.sqlite3")
    holder = plain["default"]
    _begin(holder)
    errors: list[Exception] = []

    def second(connection):
        try:
            _write(connection, "second")
        except OperationalError as error:
            errors.append(error)

    try:
        _in_thread(plain, second).join(timeout=30)
    finally:
        holder.rollback()
        holder.set_autocommit(True)
        plain.close_all()
    assert len(errors) == 1 and "locked" in str(errors[0])


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_a_rollback_or_a_closed_connection_frees_the_lock(database, end):
    connection = database["default"]
    _begin(connection)
    if end == "rollback":
        connection.rollback()
        connection.set_autocommit(True)
    else:
        connection.close()
    done = threading.Event()
    thread = _in_thread(database, lambda other: (_write(other, "after"), done.set()))
    thread.join(timeout=5)
    assert done.is_set()
