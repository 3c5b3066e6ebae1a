"""Real threads with their own connections and transactions, for the race tests.

They need PostgreSQL: the SQLite test database is in memory, where a second connection does not
see what the first committed."""

from __future__ import annotations

import threading

from django.db import connection


def on_postgresql(django_db_blocker) -> bool:
    with django_db_blocker.unblock():
        return connection.vendor == "postgresql"


def run_together(*jobs, timeout: float = 120):
    """Start the jobs at the same moment, each in its own thread and connection; their results
    (or the exceptions they raised), in order."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(timeout=10)
            results[index] = job()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
