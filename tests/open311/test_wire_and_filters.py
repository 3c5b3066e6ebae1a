"""The pure parts: XML/JSON rendering and the GET requests filter rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from defusedxml import ElementTree as ET

from riverchief.open311 import filters, wire

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CODES = frozenset({"rubbish", "sewage"})


def _parse(**params):
    return filters.parse_request_filter(params, now=NOW, local=SHANGHAI, known_codes=CODES)


def test_xml_lists_take_their_item_tags_and_text_is_escaped_and_cleaned():
    body = wire.to_xml("service_requests", [{"description": "污水<b>&\x01", "lat": 35.5}])
    root = ET.fromstring(body)
    assert root.find("request/description").text == "污水<b>&"
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    errors = ET.fromstring(wire.to_xml("errors", wire.errors([(403, "bad key")])))
    assert errors.find("error/code").text == "403"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01T00:00:00Z", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T08:00:00+08:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T08:00+08:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T08:00:00.5-01:30", datetime(2026, 1, 1, 9, 30, 0, 500000, tzinfo=UTC)),
        ("2026-01-01", datetime(2025, 12, 31, 16, tzinfo=UTC)),  # midnight in Beijing
        ("2026-03", datetime(2026, 2, 28, 16, tzinfo=UTC)),
        ("2026-01-01T08:00:00 08:00", datetime(2026, 1, 1, tzinfo=UTC)),  # unencoded "+"
    ],
)
def test_w3c_datetimes(text, expected):
    assert filters.parse_datetime(text, SHANGHAI, parameter="start_date") == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-1-1", "2026-02-30", "2026-01-01T25:00Z", ""])
def test_not_w3c_datetimes(text):
    with pytest.raises(filters.FilterError) as raised:
        filters.parse_datetime(text, SHANGHAI, parameter="end_date")
    assert raised.value.parameter == "end_date"


def test_the_window_defaults_to_the_last_90_days():
    chosen = _parse()
    assert (chosen.start, chosen.end) == (NOW - timedelta(days=90), NOW)
    only_start = _parse(start_date="2026-01-01T00:00:00Z")
    assert only_start.end - only_start.start == timedelta(days=90)
    only_end = _parse(end_date="2026-06-01T00:00:00Z", start_date="")
    assert only_end.start == datetime(2026, 3, 3, tzinfo=UTC)
    exactly = _parse(start_date="2026-01-01T00:00:00Z", end_date="2026-04-01T00:00:00Z")
    assert exactly.end - exactly.start == timedelta(days=90)
    with pytest.raises(filters.FilterError) as raised:
        _parse(start_date="2026-01-01T00:00:00Z", end_date="2026-04-01T00:00:01Z")
    assert raised.value.reason == "window"


def test_ids_override_everything_and_lists_are_deduplicated():
    chosen = _parse(service_request_id="A, B,A", status="bogus", start_date="nonsense")
    assert chosen.ids == ("A", "B") and chosen.limit == 2 and chosen.start is None
    both = _parse(status="open,closed", service_code="sewage,rubbish,sewage")
    assert both.statuses == ("open", "closed") and both.service_codes == ("sewage", "rubbish")
    assert both.limit == filters.MAX_REQUESTS


def test_unknown_codes_and_statuses_name_the_parameter():
    for params, parameter in (
        ({"service_code": "x"}, "service_code"),
        ({"status": "new"}, "status"),
    ):
        with pytest.raises(filters.FilterError) as raised:
            _parse(**params)
        assert raised.value.parameter == parameter
    too_many = ",".join(str(n) for n in range(filters.MAX_IDS + 1))
    with pytest.raises(filters.FilterError):
        _parse(service_request_id=too_many)
