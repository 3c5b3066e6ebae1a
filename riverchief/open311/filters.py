"""GET service requests: the spec's filters, parsed and checked. Pure: no Django.

- `service_request_id`: comma-separated; when given it overrides every other filter.
- `service_code`, `status`: comma-separated lists.
- `start_date`, `end_date`: W3C datetimes on `requested_datetime`; the window may not span more
  than 90 days, and with no dates the last 90 days apply.
An empty parameter counts as absent (the `open311` client sends `jurisdiction_id=`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000  # "90 days or first 1000 requests, whichever is smallest"
MAX_IDS = 1000
STATUSES = ("open", "closed")

# W3C profile of ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD, and date + hh:mm[:ss[.s]] + TZD).
_W3C = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


class FilterError(ValueError):
    """A filter the spec does not allow: the parameter, a reason code and its values.

    Reasons: not_datetime, invalid_date, too_many, unknown_code, bad_status, end_before_start,
    window. The interface words them in both languages."""

    def __init__(self, parameter: str, reason: str, value: str = ""):
        super().__init__(f"{parameter}: {reason} {value}".strip())
        self.parameter = parameter
        self.reason = reason
        self.value = value


def parse_datetime(text: str, local: tzinfo, *, parameter: str) -> datetime:
    """A W3C datetime. A value without a zone (not allowed by the spec, sent by some clients) is
    read in `local`; a bare date or month means its first instant."""
    # A "+hh:mm" zone sent unencoded in a query string arrives as " hh:mm".
    text = re.sub(r"(T[\d:.]+) (\d{2}:\d{2})$", r"\1+\2", text.strip())
    match = _W3C.match(text)
    if match is None:
        raise FilterError(parameter, "not_datetime", text)
    part = match.groupdict()
    try:
        day = date(int(part["y"]), int(part["m"] or 1), int(part["d"] or 1))
        clock = time(
            int(part["H"] or 0),
            int(part["M"] or 0),
            int(part["S"] or 0),
            int((part["f"] or "0").ljust(6, "0")),
        )
        moment = datetime.combine(day, clock)
    except ValueError:
        raise FilterError(parameter, "invalid_date", text) from None
    zone = part["tz"]
    if zone is None:
        return moment.replace(tzinfo=local)
    if zone == "Z":
        return moment.replace(tzinfo=UTC)
    return datetime.fromisoformat(moment.isoformat() + zone)


def _listed(raw: str, parameter: str) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(item.strip() for item in raw.split(",") if item.strip()))
    if len(items) > MAX_IDS:
        raise FilterError(parameter, "too_many", str(MAX_IDS))
    return items


@dataclass(frozen=True)
class RequestFilter:
    """What GET service requests asks for, after the spec's defaults are applied."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    limit: int = MAX_REQUESTS


def parse_request_filter(
    params: Mapping[str, str], *, now: datetime, local: tzinfo, known_codes: frozenset[str]
) -> RequestFilter:
    """The filter for `params` (a query string as a mapping); raises FilterError."""
    raw = {key: (value or "").strip() for key, value in params.items()}
    ids = _listed(raw.get("service_request_id", ""), "service_request_id")
    if ids:
        return RequestFilter(ids=ids, limit=len(ids))
    codes = _listed(raw.get("service_code", ""), "service_code")
    unknown = tuple(code for code in codes if code not in known_codes)
    if unknown:
        raise FilterError("service_code", "unknown_code", ", ".join(unknown))
    statuses = _listed(raw.get("status", ""), "status")
    wrong = [status for status in statuses if status not in STATUSES]
    if wrong:
        raise FilterError("status", "bad_status", wrong[0])
    start = end = None
    if raw.get("start_date"):
        start = parse_datetime(raw["start_date"], local, parameter="start_date")
    if raw.get("end_date"):
        end = parse_datetime(raw["end_date"], local, parameter="end_date")
    if start is None and end is None:
        start, end = now - WINDOW, now
    elif start is None:
        assert end is not None
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if end < start:
        raise FilterError("end_date", "end_before_start")
    if end - start > WINDOW:
        raise FilterError("end_date", "window", "90")
    return RequestFilter(service_codes=codes, statuses=statuses, start=start, end=end)
