"""Django's SQLite backend, with the writers of one process queued on a lock of their own.

SQLite lets one writer at a time hold the database. A second writer that finds it held waits in
SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 … ms between tries: with eight
threads reporting at once (each holds the lock ~7 ms) most of them slept past the moment it was
free, and the two cores stood a third idle (bench/portal_load.py). Here a thread of this process
that starts a transaction (`BEGIN IMMEDIATE`, settings.py) first takes a process-wide lock, and
gives it back at COMMIT, ROLLBACK or close: the next thread of the process starts the moment the
lock is free. Only writers of different processes still meet in the busy handler.

The wait is bounded by the database's `timeout` option, after which the caller gets SQLite's own
"database is locked", as it would have from the busy handler.
"""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _held: threading.Lock | None = None

    def _start_transaction_under_autocommit(self):
        lock = _lock_for(str(self.settings_dict["NAME"]))
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if not lock.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        self._held = lock
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release()
