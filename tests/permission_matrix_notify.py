"""Routes of notifications. Imported into tests/permission_matrix.py's ROUTES.

Everyone signed in has an inbox; a notification can be marked read only by its recipient (here
chief_dongliujia, so every other actor gets 404 for it). Channels are managed by office admins:
the inside office sees and edits the matrix channel of 绛县, the outside one gets 404 for it and
does not see it in the list; other roles get 403. A new channel without a division covers the
office's own division, so the outside office may create one too.
"""

from __future__ import annotations

from tests.permission_matrix import Route

OFFICE = frozenset({"office"})
RECIPIENT = frozenset({"chief_village"})
CHANNEL_MARKER = "矩阵通知渠道（测试）"


def _notification() -> dict:
    from riverchief.accounts.models import User
    from riverchief.notify.models import Notification

    row = Notification.objects.create(
        recipient=User.objects.get(username="chief_dongliujia"),
        kind="assign",
        title="矩阵通知（测试）",
        body="",
    )
    return {"notification_id": row.pk}


def _channel() -> dict:
    from riverchief.notify.models import Channel
    from riverchief.registry.models import Division

    row = Channel.objects.create(
        name=CHANNEL_MARKER,
        kind="webhook_json",
        target="http://127.0.0.1:9/hook",  # the discard port: a test send fails at once
        division=Division.objects.get(code="140826000000"),
    )
    return {"channel_id": row.pk}


NEW_CHANNEL = {
    "name": "矩阵新渠道（测试）",
    "kind": "wecom_robot",
    "target": "http://127.0.0.1:9/cgi-bin/webhook/send?key=matrix",
    "active": "on",
}

NOTIFY = [
    Route("GET", "notifications/", "/notifications/"),
    Route(
        "POST",
        "notifications/<int:notification_id>/read/",
        lambda ctx: f"/notifications/{ctx['notification_id']}/read/",
        roles=RECIPIENT,
        ok=302,
        outside=404,
        denied=404,
        sysadmin=404,
        setup=_notification,
    ),
    Route("POST", "notifications/read-all/", "/notifications/read-all/", ok=302),
    Route(
        "GET",
        "notifications/channels/",
        "/notifications/channels/",
        roles=OFFICE,
        marker=CHANNEL_MARKER,
        setup=_channel,
    ),
    Route("GET", "notifications/channels/new/", "/notifications/channels/new/", roles=OFFICE),
    Route(
        "POST",
        "notifications/channels/new/",
        "/notifications/channels/new/",
        roles=OFFICE,
        ok=302,
        body=NEW_CHANNEL,
    ),
    Route(
        "GET",
        "notifications/channels/<int:channel_id>/",
        lambda ctx: f"/notifications/channels/{ctx['channel_id']}/",
        roles=OFFICE,
        outside=404,
        marker=CHANNEL_MARKER,
        setup=_channel,
    ),
    Route(
        "POST",
        "notifications/channels/<int:channel_id>/",
        lambda ctx: f"/notifications/channels/{ctx['channel_id']}/",
        roles=OFFICE,
        ok=302,
        outside=404,
        body={
            "name": CHANNEL_MARKER,
            "kind": "webhook_json",
            "target": "http://127.0.0.1:9/hook2",
            "division_code": "140826",
        },
        setup=_channel,
    ),
    Route(
        "POST",
        "notifications/channels/<int:channel_id>/test/",
        lambda ctx: f"/notifications/channels/{ctx['channel_id']}/test/",
        roles=OFFICE,
        ok=302,
        outside=404,
        setup=_channel,
    ),
    # Each user sees only their own inbox: tests/notify checks who sees which notification.
    Route("GET", "api/v1/notifications", "/api/v1/notifications", anonymous=401),
    Route(
        "POST",
        "api/v1/notifications/<notification_id>/read",
        lambda ctx: f"/api/v1/notifications/{ctx['notification_id']}/read",
        roles=RECIPIENT,
        outside=404,
        denied=404,
        sysadmin=404,
        anonymous=401,
        setup=_notification,
    ),
    Route("POST", "api/v1/notifications/read-all", "/api/v1/notifications/read-all", anonymous=401),
]
