"""The inbox page and API, the navigation's badge, and the office's channel pages."""

from __future__ import annotations

import json

from riverchief.core.models import AuditEntry
from riverchief.notify import outbox, services
from riverchief.notify.models import Channel, Delivery, Notification
from riverchief.problems import services as problem_services
from tests.notify.conftest import DINGTALK_SECRET, REPORT, user


def notify(username: str, title: str, **fields) -> Notification:
    return Notification.objects.create(
        recipient=user(username), kind="assign", title=title, body="正文", **fields
    )


def test_the_api_lists_only_my_notifications_and_marks_them_read(signed_in):
    mine = [notify("chief_dongliujia", f"给东刘家的通知 {n}") for n in range(3)]
    notify("chief_hengshui", "给横水的通知")
    client = signed_in("chief_dongliujia")
    page = client.get("/api/v1/notifications").json()
    assert (page["count"], page["unread"]) == (3, 3)
    assert {item["title"] for item in page["items"]} == {row.title for row in mine}
    assert all(item["read"] is False for item in page["items"])

    answer = client.post(f"/api/v1/notifications/{mine[0].pk}/read")
    assert answer.status_code == 200
    assert answer.json()["read"] is True and answer.json()["read_at"]
    unread = client.get("/api/v1/notifications?unread=true").json()
    assert (unread["count"], unread["unread"]) == (2, 2)

    someone_elses = Notification.objects.get(title="给横水的通知")
    refused = client.post(f"/api/v1/notifications/{someone_elses.pk}/read")
    assert refused.status_code == 404
    assert {"code", "message", "message_en"} <= refused.json().keys()
    assert Notification.objects.get(pk=someone_elses.pk).read_at is None

    marked = client.post("/api/v1/notifications/read-all").json()
    assert marked == {"marked": 2, "unread": 0}
    assert Notification.objects.get(pk=someone_elses.pk).read_at is None


def test_the_navigation_shows_the_unread_count(signed_in):
    client = signed_in("chief_dongliujia")
    for n in range(2):
        notify("chief_dongliujia", f"通知 {n}")
    body = client.get("/notifications/").content.decode()
    link = body.index('href="/notifications/"')
    badge = body.index('data-testid="nav-badge">2<', link)
    assert badge - link < 400
    client.post("/api/v1/notifications/read-all")
    body = client.get("/notifications/").content.decode()
    assert 'data-testid="nav-badge">2<' not in body


def test_marking_read_with_htmx_answers_the_row_and_the_new_counts(signed_in):
    first, _second = notify("chief_dongliujia", "第一条"), notify("chief_dongliujia", "第二条")
    client = signed_in("chief_dongliujia")
    page = client.get("/notifications/").content.decode()
    assert "第一条" in page and "第二条" in page
    answer = client.post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    fragment = answer.content.decode()
    assert f'id="notification-{first.pk}"' in fragment
    assert 'data-read="1"' in fragment
    assert '<span id="notify-unread-count" hx-swap-oob="true">1</span>' in fragment
    assert "<html" not in fragment

    answer = client.post("/notifications/read-all/", HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert 'id="inbox"' in answer.content.decode()
    assert (
        Notification.objects.filter(recipient__username="chief_dongliujia")
        .filter(read_at__isnull=True)
        .count()
        == 0
    )


def test_opening_a_notification_marks_it_read_and_goes_to_its_link(signed_in):
    row = notify("chief_dongliujia", "去看看", link="/problems/1/")
    client = signed_in("chief_dongliujia")
    answer = client.post(f"/notifications/{row.pk}/read/", {"next": "/problems/1/"})
    assert answer.status_code == 302 and answer["Location"] == "/problems/1/"
    row.refresh_from_db()
    assert row.read_at is not None
    other = notify("chief_dongliujia", "外链")
    answer = client.post(f"/notifications/{other.pk}/read/", {"next": "https://evil.example/"})
    assert answer["Location"] == "/notifications/"


def test_an_office_admin_creates_a_dingtalk_channel_and_tests_it(
    signed_in, receiver, django_capture_on_commit_callbacks
):
    client = signed_in("admin")
    answer = client.post(
        "/notifications/channels/new/",
        {
            "name": "县河长办钉钉群",
            "kind": "dingtalk_robot",
            "target": f"{receiver.base}/dingtalk?access_token=secret-token",
            "secret": DINGTALK_SECRET,
            "division_code": "140826",
            "event_kinds": ["report", "escalate"],
            "active": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    channel = Channel.objects.get(name="县河长办钉钉群")
    assert channel.secret == DINGTALK_SECRET
    assert channel.event_kinds == ["report", "escalate"]
    assert channel.division.code == "140826000000"

    page = client.get(answer["Location"]).content.decode()
    assert DINGTALK_SECRET not in page
    listing = client.get("/notifications/channels/").content.decode()
    assert "县河长办钉钉群" in listing and "secret-token" not in listing

    entry = AuditEntry.objects.get(object_type="notify.channel", action="create")
    logged = json.dumps(entry.after, ensure_ascii=False)
    assert DINGTALK_SECRET not in logged and "secret-token" not in logged
    assert entry.after["secret"] == "(set)"
    assert entry.actor_name == "admin" and entry.division_code == "140826000000"

    # Editing without a secret keeps it; the change is audited.
    answer = client.post(
        f"/notifications/channels/{channel.pk}/",
        {
            "name": "县河长办钉钉群（改）",
            "kind": "dingtalk_robot",
            "target": channel.target,
            "division_code": "140826",
            "active": "on",
        },
    )
    assert answer.status_code == 302
    channel.refresh_from_db()
    assert channel.secret == DINGTALK_SECRET and channel.event_kinds == []
    assert AuditEntry.objects.filter(object_type="notify.channel", action="update").exists()

    # The test message is sent at once, signed, and the page says so.
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/notifications/channels/{channel.pk}/test/")
    assert answer.status_code == 302
    [received] = receiver.received("/dingtalk")
    assert received["query"]["timestamp"] and received["query"]["sign"]
    assert received["body"]["msgtype"] == "markdown"
    assert Delivery.objects.get(channel=channel).status == "sent"
    assert AuditEntry.objects.filter(object_type="notify.channel", action="test").exists()


def test_a_failing_test_message_is_reported_and_not_retried(
    signed_in, receiver, django_capture_on_commit_callbacks
):
    receiver.failures["/down"] = 1
    channel = Channel.objects.create(
        name="坏渠道", kind="webhook_json", target=f"{receiver.base}/down"
    )
    client = signed_in("sysadmin")
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/notifications/channels/{channel.pk}/test/")
    assert "HTTP 500" in client.get(answer["Location"]).content.decode()
    assert Delivery.objects.get(channel=channel).status == "dead"


def test_only_http_and_https_urls_are_accepted(signed_in):
    client = signed_in("admin")
    for target in ("ftp://example.org/hook", "file:///etc/passwd", "javascript:alert(1)", "x"):
        answer = client.post(
            "/notifications/channels/new/",
            {"name": "坏地址", "kind": "webhook_json", "target": target, "active": "on"},
        )
        assert answer.status_code == 200, target
        assert "http://" in answer.content.decode()
    assert not Channel.objects.filter(name="坏地址").exists()
    # A row written around the service (an old import) is refused when sent, without retries.
    channel = Channel.objects.create(name="旧地址", kind="webhook_json", target="ftp://x/y")
    delivery = services.test_channel(user("sysadmin"), channel.pk)
    outbox.send_now([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "dead" and "http" in delivery.last_error


def test_e_mail_addresses_are_checked(signed_in, mailbox, django_capture_on_commit_callbacks):
    client = signed_in("admin")
    answer = client.post(
        "/notifications/channels/new/",
        {"name": "邮箱", "kind": "email", "target": "a@example.org, 不是地址", "active": "on"},
    )
    assert answer.status_code == 200 and "不是地址" in answer.content.decode()
    answer = client.post(
        "/notifications/channels/new/",
        {"name": "邮箱", "kind": "email", "target": "a@example.org; b@example.org", "active": "on"},
    )
    assert answer.status_code == 302
    channel = Channel.objects.get(name="邮箱")
    assert channel.target == "a@example.org, b@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/notifications/channels/{channel.pk}/test/")
    assert {m["to"] for m in mailbox.messages} == {"a@example.org", "b@example.org"}


def test_channels_stay_inside_the_office_scope(signed_in):
    channel = Channel.objects.create(
        name="绛县渠道", kind="webhook_json", target="http://127.0.0.1:9/x"
    )
    channel.division_id = user("admin").division_id
    channel.save()
    outsider = signed_in("out_office")
    assert outsider.get(f"/notifications/channels/{channel.pk}/").status_code == 404
    assert "绛县渠道" not in outsider.get("/notifications/channels/").content.decode()
    answer = outsider.post(
        "/notifications/channels/new/",
        {
            "name": "越界",
            "kind": "webhook_json",
            "target": "http://x.example/",
            "division_code": "140826",
        },
    )
    assert answer.status_code == 200  # 140826 is not among its divisions: refused in the form
    assert not Channel.objects.filter(name="越界").exists()
    assert signed_in("chief_sushui").get("/notifications/channels/").status_code == 403


def test_a_channel_of_a_department_hears_only_of_its_problems(reach, committed, receiver):
    from riverchief.registry.models import Department

    water = Department.objects.get(code="140826-SLJ")
    Channel.objects.create(
        name="水利局群", kind="wecom_robot", target=f"{receiver.base}/slj", department=water
    )
    Channel.objects.create(
        name="环境分局群",
        kind="wecom_robot",
        target=f"{receiver.base}/sthj",
        department=Department.objects.get(code="140826-STHJ"),
    )
    admin = user("admin")
    problem, _created = committed(problem_services.report_problem, user("chief_hengshui"), REPORT)
    assert receiver.received("/slj") == []  # not the department's yet
    committed(problem_services.move, admin, problem.pk, "accept")
    committed(problem_services.move, admin, problem.pk, "assign", department_code="140826-SLJ")
    assert len(receiver.received("/slj")) == 1
    assert receiver.received("/sthj") == []


def test_without_an_smtp_server_nothing_is_queued_for_e_mail(signed_in, reach, committed, settings):
    settings.EMAIL_HOST = ""
    user_row = user("admin")
    user_row.email = "admin@example.org"
    user_row.save()
    channel = Channel.objects.create(
        name="邮箱", kind="email", target="office@example.org", division=user_row.division
    )
    committed(problem_services.report_problem, user("chief_hengshui"), REPORT)
    assert Notification.objects.filter(recipient=user_row).count() == 1  # the inbox still works
    assert Delivery.objects.count() == 0
    answer = signed_in("admin").post(f"/notifications/channels/{channel.pk}/test/", follow=True)
    assert "RIVERCHIEF_EMAIL_HOST" in answer.content.decode()
    assert (
        "RIVERCHIEF_EMAIL_HOST"
        in signed_in("admin").get("/notifications/channels/").content.decode()
    )
