"""Track files recorded by another app or device: GPX, GeoJSON, KML. Pure: no Django.

Each parser returns raw points `[lon, lat, t_ms, None]` for `track.parse_points` to check.
A file over the size cap is refused before it is read (a 20 MB GPX is an error, not a hang);
XML is parsed by defusedxml, which refuses DTDs, entity expansion and external references.
Times are required: a track without them cannot show duration or speed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import PurePath
from typing import Any
from xml.etree.ElementTree import Element  # noqa: S405 - only the type; parsing is defused

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import ParseError, fromstring  # type: ignore[import-untyped]

from riverchief.patrols.track import TrackError

MAX_FILE_BYTES = 5 * 1024 * 1024  # a day's 1 Hz GPX is about 3 MB
FORMATS = {".gpx": "gpx", ".geojson": "geojson", ".json": "geojson", ".kml": "kml"}


def check_size(size: int, limit: int = MAX_FILE_BYTES) -> None:
    if size > limit:
        raise TrackError(
            f"轨迹文件超过 {limit // (1024 * 1024)} MB",
            f"the track file is larger than {limit // (1024 * 1024)} MB",
            "track",
        )


def format_of(name: str) -> str:
    suffix = PurePath(name or "").suffix.lower()
    if suffix not in FORMATS:
        raise TrackError(
            "轨迹文件应为 .gpx、.geojson 或 .kml",
            "the track file must be .gpx, .geojson or .kml",
            "track",
        )
    return FORMATS[suffix]


def parse_file(name: str, data: bytes, limit: int = MAX_FILE_BYTES) -> list[list[Any]]:
    """Raw points from a track file, by its name's suffix."""
    check_size(len(data), limit)
    kind = format_of(name)
    if kind == "geojson":
        return parse_geojson(data)
    root = _xml(data)
    return parse_gpx(root) if kind == "gpx" else parse_kml(root)


def _xml(data: bytes) -> Element:
    try:
        root: Element = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise TrackError(
            "轨迹文件不是有效的 XML", "the track file is not valid XML", "track"
        ) from None
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _time_ms(text: str | None, where: str) -> int:
    try:
        moment = dt.datetime.fromisoformat((text or "").strip())
    except ValueError:
        raise TrackError(
            f"{where}的时间无效或缺失", f"{where}: the time is missing or invalid", "track"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)  # GPX and KML times are UTC by definition
    return int(moment.timestamp() * 1000)


def _float(text: str | None, where: str) -> float:
    try:
        return float(text or "")
    except ValueError:
        raise TrackError(f"{where}的坐标无效", f"{where}: invalid coordinates", "track") from None


def parse_gpx(root: Element) -> list[list[Any]]:
    if _local(root.tag) != "gpx":
        raise TrackError("不是 GPX 文件", "not a GPX file", "track")
    points: list[list[Any]] = []
    for element in root.iter():
        if _local(element.tag) not in ("trkpt", "rtept"):
            continue
        where = f"GPX 第 {len(points) + 1} 个点"
        when = next((c.text for c in element if _local(c.tag) == "time"), None)
        points.append(
            [
                _float(element.get("lon"), where),
                _float(element.get("lat"), where),
                _time_ms(when, where),
                None,
            ]
        )
    return points


def parse_kml(root: Element) -> list[list[Any]]:
    """gx:Track elements (a <when> per <gx:coord>), the form that carries times."""
    if _local(root.tag) != "kml":
        raise TrackError("不是 KML 文件", "not a KML file", "track")
    points: list[list[Any]] = []
    found_line = False
    for element in root.iter():
        name = _local(element.tag)
        if name == "LineString":
            found_line = True
        if name != "Track":
            continue
        whens = [c.text for c in element if _local(c.tag) == "when"]
        coords = [c.text for c in element if _local(c.tag) == "coord"]
        if len(whens) != len(coords):
            raise TrackError(
                "KML 轨迹的时间与坐标数量不一致",
                "the KML track has a different number of times and coordinates",
                "track",
            )
        for when, coord in zip(whens, coords, strict=True):
            where = f"KML 第 {len(points) + 1} 个点"
            parts = (coord or "").split()
            if len(parts) < 2:
                raise TrackError(f"{where}的坐标无效", f"{where}: invalid coordinates", "track")
            points.append(
                [_float(parts[0], where), _float(parts[1], where), _time_ms(when, where), None]
            )
    if not points and found_line:
        raise TrackError(
            "KML 中的线没有时间，请导出带时间的轨迹（gx:Track）",
            "the KML line has no times; export a track with times (gx:Track)",
            "track",
        )
    return points


def parse_geojson(data: bytes) -> list[list[Any]]:
    """A LineString (or MultiLineString) Feature whose times are in `properties.coordTimes`
    (ISO strings, as togeojson writes them) or a 4th coordinate in Unix milliseconds."""
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise TrackError(
            "轨迹文件不是有效的 JSON", "the track file is not valid JSON", "track"
        ) from None
    features = _features(document)
    points: list[list[Any]] = []
    for feature in features:
        geometry = feature.get("geometry") or {}
        lines = _lines(geometry)
        times = (feature.get("properties") or {}).get("coordTimes") or (
            feature.get("properties") or {}
        ).get("times")
        flat_times = _flatten_times(times, lines)
        index = 0
        for line in lines:
            for coordinate in line:
                where = f"GeoJSON 第 {len(points) + 1} 个点"
                if not isinstance(coordinate, list) or len(coordinate) < 2:
                    raise TrackError(f"{where}的坐标无效", f"{where}: invalid coordinates", "track")
                if flat_times is not None:
                    t_ms = _time_ms(flat_times[index], where)
                elif len(coordinate) >= 4 and isinstance(coordinate[3], int | float):
                    t_ms = int(coordinate[3])
                else:
                    raise TrackError(
                        "GeoJSON 轨迹缺少时间（properties.coordTimes）",
                        "the GeoJSON track has no times (properties.coordTimes)",
                        "track",
                    )
                points.append([coordinate[0], coordinate[1], t_ms, None])
                index += 1
    return points


def _features(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        raise TrackError("GeoJSON 应为对象", "GeoJSON must be an object", "track")
    kind = document.get("type")
    if kind == "FeatureCollection":
        return [f for f in document.get("features") or [] if isinstance(f, dict)]
    if kind == "Feature":
        return [document]
    if kind in ("LineString", "MultiLineString"):
        return [{"geometry": document, "properties": {}}]
    raise TrackError("GeoJSON 中没有线", "the GeoJSON holds no line", "track")


def _lines(geometry: Any) -> list[list[Any]]:
    if not isinstance(geometry, dict):
        return []
    coordinates = geometry.get("coordinates")
    if geometry.get("type") == "LineString" and isinstance(coordinates, list):
        return [coordinates]
    if geometry.get("type") == "MultiLineString" and isinstance(coordinates, list):
        return [line for line in coordinates if isinstance(line, list)]
    return []


def _flatten_times(times: Any, lines: list[list[Any]]) -> list[Any] | None:
    if not isinstance(times, list):
        return None
    if len(lines) > 1 and all(isinstance(part, list) for part in times):
        times = [t for part in times for t in part]
    if len(times) != sum(len(line) for line in lines):
        raise TrackError(
            "GeoJSON 轨迹的时间与坐标数量不一致",
            "the GeoJSON track has a different number of times and coordinates",
            "track",
        )
    return list(times)
