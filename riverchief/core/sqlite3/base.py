"""Django's SQLite backend, with the installation's writers queued on a file lock.

SQLite lets one writer at a time hold the database. A writer that finds it held waits in
SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 … ms between tries: under a steady
stream of reports (each transaction holds the lock a few milliseconds) the waiters slept past
the moment it was free, and the cores stood a third idle (bench/portal_load.py). Here every
connection that starts a transaction (`BEGIN IMMEDIATE`, settings.py) first takes an exclusive
`flock` on `<database>.writers`, shared by all threads and processes of the installation, and
gives it back at COMMIT, ROLLBACK or close: the kernel wakes the next waiter the moment it is
free. A process that dies drops its lock with it. Writes outside a transaction (autocommit)
still meet in the busy handler, as before.

The wait on the file lock has no time limit of its own: a transaction that never ends is ended
with its worker (gunicorn's timeout), and the kernel then frees the lock.

An in-memory database (the tests') has one process and no file: it takes no lock.
"""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _writers_file: int | None = None  # this connection's descriptor of the lock file
    _holds_lock = False

    def _lock_path(self) -> str | None:
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}.writers"

    def _start_transaction_under_autocommit(self):
        path = self._lock_path()
        if path is not None:
            if self._writers_file is None:
                self._writers_file = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._writers_file, fcntl.LOCK_EX)  # waits; releases the GIL meanwhile
            self._holds_lock = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        if self._holds_lock:
            self._holds_lock = False
            fcntl.flock(self._writers_file, fcntl.LOCK_UN)

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
            if self._writers_file is not None:
                os.close(self._writers_file)
                self._writers_file = None
