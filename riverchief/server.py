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
        }
    ).run()
