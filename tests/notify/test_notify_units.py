"""The small rules: back-off, URL checks, 钉钉 signing, masking a robot's token."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest

from riverchief.notify import compose, outbox, senders
from riverchief.notify.models import Channel


def test_back_off_doubles_from_one_minute():
    waits = [outbox.backoff(n) for n in range(1, outbox.MAX_ATTEMPTS)]
    assert waits == [dt.timedelta(minutes=2**k) for k in range(outbox.MAX_ATTEMPTS - 1)]
    assert outbox.MAX_ATTEMPTS == 10


@pytest.mark.parametrize(
    "url",
    ["ftp://a/b", "file:///etc/passwd", "gopher://x", "javascript:alert(1)", "http://", "", "x"],
)
def test_only_http_and_https_urls_with_a_host_are_sent_to(url):
    with pytest.raises(senders.SendError) as refused:
        senders.check_url(url)
    assert refused.value.permanent


def test_dingtalk_signs_timestamp_and_secret_with_hmac_sha256():
    secret, timestamp = "SECabc", 1577808000000
    signed = senders.dingtalk_url(
        "https://oapi.dingtalk.com/robot/send?access_token=T", secret, timestamp
    )
    query = parse_qs(urlsplit(signed).query)
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert query == {
        "access_token": ["T"],
        "timestamp": [str(timestamp)],
        "sign": [base64.b64encode(digest).decode()],
    }
    assert senders.dingtalk_url("https://x/send", "", timestamp) == "https://x/send"


def test_a_robot_token_is_masked_in_lists_and_logs():
    channel = Channel(
        kind="wecom_robot", target="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    )
    assert channel.masked_target == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
    assert Channel(kind="email", target="a@example.org").masked_target == "a@example.org"


def test_wecom_content_is_cut_to_its_byte_limit():
    message = compose.Message(kind="report", title="标题", lines=[("描述", "很长" * 3000)], link="")
    content = compose.payload("wecom_robot", message)["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
