"""Sending one delivery: e-mail through Django's mail backend, webhooks with the standard library.

Every sender either returns (sent) or raises `SendError`; `permanent` marks an error that no
retry can cure (a URL that is not http or https). Timeouts are 5 seconds everywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core import mail

from riverchief import __version__

TIMEOUT = 5  # seconds, for SMTP and HTTP alike
MAX_ANSWER = 64 * 1024
ADDRESS_SEPARATORS = re.compile(r"[,;\s]+")


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message[:1000])
        self.permanent = permanent


def email_enabled() -> bool:
    """E-mail goes out only where the operator configured an SMTP server."""
    return bool(settings.EMAIL_HOST)


def addresses(target: str) -> list[str]:
    return [part for part in ADDRESS_SEPARATORS.split(target or "") if part]


def send(delivery) -> None:
    """Send one claimed delivery (with its channel loaded)."""
    channel = delivery.channel
    if channel is None:
        send_email([delivery.address], delivery.payload)
        return
    if channel.kind == "email":
        send_email(addresses(channel.target), delivery.payload)
    elif channel.kind == "dingtalk_robot":
        post_robot(dingtalk_url(channel.target, channel.secret), delivery.payload)
    elif channel.kind == "wecom_robot":
        post_robot(channel.target, delivery.payload)
    elif channel.kind == "webhook_json":
        post_json(channel.target, delivery.payload)
    else:
        raise SendError(f"unknown channel kind {channel.kind!r}", permanent=True)


# --- e-mail ------------------------------------------------------------------------------------


def send_email(to: list[str], payload: dict[str, Any]) -> None:
    if not email_enabled():
        raise SendError("e-mail is not configured on this server (RIVERCHIEF_EMAIL_HOST)")
    if not to:
        raise SendError("no address", permanent=True)
    subject = " ".join(str(payload.get("subject", "")).split())
    message = mail.EmailMessage(
        subject=subject,
        body=str(payload.get("body", "")),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    try:
        connection = mail.get_connection(fail_silently=False, timeout=TIMEOUT)
        message.connection = connection
        sent = message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError, ValueError) as error:
        raise SendError(f"SMTP: {type(error).__name__}: {error}") from error
    if sent != 1:
        raise SendError("SMTP: the message was not accepted")


# --- webhooks ----------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """Only http and https URLs with a host name; anything else is refused for good."""
    parts = urllib.parse.urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SendError("only http and https URLs may be used", permanent=True)
    return parts.geturl()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook that answers with a redirect has failed: never re-post elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post_json(url: str, body: dict[str, Any]) -> bytes:
    """POST the body as UTF-8 JSON; the answer's first 64 KiB, or SendError."""
    checked = check_url(url)
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - check_url allows only http and https
        checked,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"riverchief/{__version__}",
        },
    )
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            status = response.status
            answer = response.read(MAX_ANSWER)
    except urllib.error.HTTPError as error:
        raise SendError(f"HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SendError(f"HTTP: {type(error).__name__}: {reason}") from error
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}")
    return answer


def post_robot(url: str, body: dict[str, Any]) -> None:
    """企业微信 and 钉钉 robots answer 200 with {"errcode": 0} when they took the message."""
    answer = post_json(url, body)
    try:
        result = json.loads(answer.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SendError("the robot's answer is not JSON") from error
    if not isinstance(result, dict) or result.get("errcode", 0) != 0:
        code = result.get("errcode") if isinstance(result, dict) else None
        text = result.get("errmsg", "") if isinstance(result, dict) else ""
        raise SendError(f"robot refused: errcode {code}: {text}")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: Base64(HmacSHA256(key=secret, "<timestamp>\\n<secret>")), URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def dingtalk_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The robot's URL with timestamp and sign added, when the robot has a secret."""
    if not secret:
        return url
    timestamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={dingtalk_sign(secret, timestamp)}"
