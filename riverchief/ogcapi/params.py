"""Query parameters of OGC API – Features Part 1 (bbox, limit, offset, datetime), checked.

Pure: no Django. Each bad value raises `ParamError` naming the parameter, with the reason in
Chinese and English; the views turn it into the standard's 400 (`/req/core/query-param-invalid`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS84H = "http://www.opengis.net/def/crs/OGC/0/CRS84h"
DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
# Offsets past this are refused: a client walking that far should narrow its bbox instead,
# and a huge OFFSET makes the database read and throw away every row before it.
MAX_OFFSET = 10_000_000

Box = tuple[float, float, float, float]


class ParamError(ValueError):
    """A query parameter the server cannot use; `field` names it."""

    def __init__(self, field: str, zh: str, en: str):
        super().__init__(f"{field}: {en}")
        self.field, self.zh, self.en = field, zh, en


@dataclass(frozen=True)
class Interval:
    """A closed time interval in UTC; None at an end means open (`..`)."""

    start: datetime | None
    end: datetime | None


def parse_bbox(text: str, crs: str = "") -> Box:
    """'minLon,minLat,maxLon,maxLat' (or 6 numbers with heights) in CRS84 → the 2D box."""
    if crs and crs not in (CRS84, CRS84H):
        raise ParamError(
            "bbox-crs",
            f"仅支持 {CRS84}",
            f"only {CRS84} is supported",
        )
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise ParamError(
            "bbox",
            "bbox 应为 4 个数（最小经度,最小纬度,最大经度,最大纬度）或含高程的 6 个数",
            "bbox needs 4 numbers (minLon,minLat,maxLon,maxLat) or 6 with heights",
        )
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise ParamError("bbox", "bbox 只能包含数字", "bbox must contain numbers only") from None
    if not all(math.isfinite(number) for number in numbers):
        raise ParamError("bbox", "bbox 只能包含有限的数字", "bbox numbers must be finite")
    if len(numbers) == 6:
        min_lon, min_lat, min_h, max_lon, max_lat, max_h = numbers
        if min_h > max_h:
            raise ParamError("bbox", "bbox 的最小高程大于最大高程", "bbox min height > max height")
    else:
        min_lon, min_lat, max_lon, max_lat = numbers
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ParamError("bbox", "bbox 的经度应在 -180 到 180 之间", "bbox longitudes: -180..180")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise ParamError("bbox", "bbox 的纬度应在 -90 到 90 之间", "bbox latitudes: -90..90")
    if min_lon > max_lon or min_lat > max_lat:
        # The standard allows a box across the antimeridian (minLon > maxLon); no river in
        # China needs one, and a swapped pair is far more often a client's mistake.
        raise ParamError(
            "bbox",
            "bbox 的最小值不能大于最大值（最小经度,最小纬度,最大经度,最大纬度）",
            "bbox minimum must not exceed maximum (minLon,minLat,maxLon,maxLat)",
        )
    return min_lon, min_lat, max_lon, max_lat


def _integer(field: str, text: str, minimum: int) -> int:
    if not re.fullmatch(r"\+?[0-9]{1,12}", text.strip()):
        raise ParamError(field, f"{field} 应为整数", f"{field} must be an integer")
    value = int(text)
    if value < minimum:
        raise ParamError(
            field, f"{field} 不能小于 {minimum}", f"{field} must be at least {minimum}"
        )
    return value


def parse_limit(text: str | None) -> int:
    """The page size: default 10; above the maximum the maximum is used (not an error)."""
    if text is None:
        return DEFAULT_LIMIT
    return min(_integer("limit", text, 1), MAX_LIMIT)


def parse_offset(text: str | None) -> int:
    if text is None:
        return 0
    value = _integer("offset", text, 0)
    if value > MAX_OFFSET:
        raise ParamError(
            "offset", f"offset 不能大于 {MAX_OFFSET}", f"offset must not exceed {MAX_OFFSET}"
        )
    return value


def parse_after(text: str | None) -> str | None:
    """The id after which a page starts (what a `next` link carries): a registry code."""
    if text is None:
        return None
    if not 0 < len(text) <= 100:
        raise ParamError(
            "after", "after 应为 1 到 100 个字符", "after must have 1 to 100 characters"
        )
    return text


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _moment(text: str, end: bool) -> datetime:
    """An RFC 3339 date-time (with its offset) in UTC; a full-date means the whole UTC day."""
    try:
        if _DATE.fullmatch(text):
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1, microseconds=-1) if end else start
        if _DATE_TIME.fullmatch(text):
            normal = text.replace("z", "Z").replace("t", "T").replace(" ", "T")
            return datetime.fromisoformat(normal.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        pass  # a well-formed but impossible date (2024-02-30): the same answer as garbage
    raise ParamError(
        "datetime",
        "datetime 应为 RFC 3339 时间（如 2024-05-01T00:00:00Z）或区间（起/止，开放端用 ..）",
        "datetime must be an RFC 3339 date-time (e.g. 2024-05-01T00:00:00Z) "
        "or an interval start/end with '..' for an open end",
    )


def parse_datetime(text: str) -> Interval:
    """An instant (a one-moment interval; a date is its whole day) or `start/end`, `..` open."""
    text = text.strip()
    if "/" not in text:
        if text in ("", ".."):
            _moment("", False)  # raises: an instant must be a time
        day = _DATE.fullmatch(text) is not None
        return Interval(_moment(text, False), _moment(text, True) if day else _moment(text, False))
    if text.count("/") != 1:
        _moment(text, False)  # raises
    first, second = text.split("/")
    start = None if first in ("", "..") else _moment(first, False)
    end = None if second in ("", "..") else _moment(second, True)
    if start is not None and end is not None and start > end:
        raise ParamError(
            "datetime", "datetime 区间的开始晚于结束", "the datetime interval starts after it ends"
        )
    return Interval(start, end)


def format_instant(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, seconds precision (what the extent and properties show)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
