"""Production serving with gunicorn (threads per worker), static files through WhiteNoise."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from riverchief.wsgi import application

        return application


def _start_scheduler(worker) -> None:
    """In each worker, after it started: the periodic sweeps (a lease picks one per interval)
    and the threads that write and send notifications."""
    try:
        from django.conf import settings

        from riverchief.core.sweep import Scheduler

        Scheduler(settings.RIVERCHIEF_SWEEP_INTERVAL).start()
    except Exception:  # the sweeps are never worth a server that does not start
        worker.log.exception("riverchief: the sweep scheduler did not start")
    from riverchief.notify import handler, outbox

    outbox.send_in_background()  # a slow webhook must not hold up a response
    handler.record_in_background()  # the notifications of a busy moment written together


def run(*, host: str, port: int, workers: int, threads: int) -> None:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    _Server(
        {
            "bind": bind,
            "workers": max(1, workers),
            "threads": max(1, threads),
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": None,  # riverchief logs each request as JSON itself
            "errorlog": "-",
            "loglevel": "warning",
            "preload_app": True,
            # A thread per worker, not in the master: the master forks, and forking a process
            # that runs threads can deadlock the child.
            "post_worker_init": _start_scheduler,
        }
    ).run()
