"""One structured log line per request, and the client address for the audit log."""

from __future__ import annotations

import logging
import time
import uuid

from riverchief.core import requestlocal

log = logging.getLogger("riverchief.request")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.id = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        token = requestlocal.set_ip(request.META.get("REMOTE_ADDR") or None)
        try:
            response = self.get_response(request)
        finally:
            requestlocal.reset_ip(token)
        user = getattr(request, "user", None)
        log.info(
            "request",
            extra={
                "request_id": request.id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user": user.get_username() if user and user.is_authenticated else None,
            },
        )
        response["X-Request-ID"] = request.id
        return response
