"""GeoJSON and zipped shapefiles in, GeoJSON out: one layer per file, rows keyed by code.

A layer is one sheet of the workbook (`divisions`, `waterbodies`, `reaches` or a facility kind
such as `reservoir`; the Chinese sheet names 河段, 水库 ... and the map's plural layer names
work too). A GeoJSON file names its layer in the FeatureCollection's "name" (as our export and
GDAL write it), else by its file name (reaches.geojson, 河段.geojson). A feature's properties
are the record keys of the workbook (or its Chinese headers); its geometry is the row's (a
facility's Point gives lon and lat). In a zipped shapefile each .shp is a layer named by its
file name; DBF field names (10 characters at most) map by `DBF_FIELDS`, else as headers.
Coordinates must be WGS84/CGCS2000 longitude and latitude: projected ones are refused.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from riverchief.registry import facility_kinds, importing, workbook
from riverchief.registry.importing import ImportRefused, RowError, SheetRows

GEO_LAYERS = ("divisions", "waterbodies", "reaches", *facility_kinds.KINDS)

DBF_FIELDS = {
    "CODE": "code",
    "NAME": "name",
    "KIND": "kind",
    "PARENT": "parent_code",
    "PARENT_CD": "parent_code",
    "BASIN": "basin",
    "MGMT_LEVEL": "management_level",
    "MGMT_LEVEL_": "management_level",
    "WB_CODE": "water_body_code",
    "DIV_CODE": "division_code",
    "REACH_CODE": "reach_code",
    "LEVEL": "level",
    "START_DESC": "start_description",
    "END_DESC": "end_description",
    "LENGTH_M": "length_m",
    "AREA_KM2": "area_km2",
    "CHAINAGE": "start_chainage_m",
    "CHAINAGE_M": "start_chainage_m",
    "IS_DRY": "is_dry",
    "IS_DEMO": "is_demo",
    "DESCR": "description",
    "ADDRESS": "address",
    "LON": "lon",
    "LAT": "lat",
}


# Properties that GIS tools add, and record keys that an export writes but an import derives.
IGNORED_PROPERTIES = {
    "id",
    "fid",
    "objectid",
    "shape_leng",
    "shape_length",
    "shape_area",
    "layer",
    "details",
    "active",
}


def layer_sheet(name: str) -> workbook.Sheet | None:
    text = name.strip()
    for kind in facility_kinds.KINDS.values():
        if text.lower() == kind.layer:
            return workbook.SHEETS_BY_KEY[kind.code]
    sheet = workbook.find_sheet(text)
    if sheet is None or sheet.key not in GEO_LAYERS:
        return None
    return sheet


def _unknown_layer(name: str) -> ImportRefused:
    known = ", ".join(GEO_LAYERS)
    return ImportRefused(
        f"无法确定图层「{name}」；图层名应为：{known}（或对应的中文表名）",
        f"cannot tell the layer from {name!r}; a layer is one of: {known} (or its Chinese name)",
    )


def _sheet_rows(sheet: workbook.Sheet, label: str, features, errors: list[RowError]) -> SheetRows:
    """Features (number, properties, geometry dict or None) as the rows of one sheet."""
    rows = SheetRows(sheet, label)
    mapping: dict[str, str] = {}
    for number, properties, geometry in features:
        record: dict[str, Any] = {}
        for name, value in (properties or {}).items():
            if name not in mapping:
                column, _part = workbook.match_header(sheet, name)
                mapping[name] = column.key if column is not None else ""
                if column is None and name.lower() not in IGNORED_PROPERTIES:
                    errors.append(
                        RowError(
                            label, None, name, f"未知的属性「{name}」", f"unknown property {name!r}"
                        )
                    )
            key = mapping[name]
            if key and key != "geometry":
                if isinstance(value, str) and not value.strip():
                    continue
                record[key] = value
                rows.present.add(key)
        if geometry is not None:
            if sheet.facility_kind:
                if geometry.get("type") == "Point" and isinstance(
                    geometry.get("coordinates"), list
                ):
                    coordinates = geometry["coordinates"]
                    if len(coordinates) >= 2:
                        record.setdefault("lon", coordinates[0])
                        record.setdefault("lat", coordinates[1])
                        rows.present.update(("lon", "lat"))
                else:
                    errors.append(
                        RowError(
                            label,
                            number,
                            "geometry",
                            "设施的几何应为点",
                            "a facility's geometry must be a Point",
                        )
                    )
                    rows.bad_rows.add(number)
            elif sheet.column("geometry") is not None:
                record["geometry"] = geometry
                rows.present.add("geometry")
        rows.rows.append((number, record))
    for column in sheet.columns:
        if column.required and column.key not in rows.present and rows.rows:
            errors.append(
                RowError(
                    label,
                    None,
                    column.key,
                    f"缺少必填属性「{column.key}」（{column.zh}）",
                    f"the required property {column.key!r} is missing",
                )
            )
            rows.failed = True
    return rows


# --- GeoJSON ----------------------------------------------------------------------------------


def read_geojson(path: Path) -> tuple[list[SheetRows], list[RowError]]:
    importing.check_file(path, (".geojson", ".json"), None)
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ImportRefused(
            "文件不是有效的 GeoJSON（JSON 格式错误）", "the file is not valid GeoJSON (bad JSON)"
        ) from error
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise ImportRefused(
            "GeoJSON 应为 FeatureCollection", "the GeoJSON must be a FeatureCollection"
        )
    name = data.get("name") if isinstance(data.get("name"), str) else path.stem
    sheet = layer_sheet(name) or layer_sheet(path.stem)
    if sheet is None:
        raise _unknown_layer(name)
    errors: list[RowError] = []
    features = []
    for number, feature in enumerate(data["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(
                RowError(
                    path.name, number, "", "不是 GeoJSON 要素（Feature）", "not a GeoJSON Feature"
                )
            )
            continue
        properties = (
            feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        )
        geometry = feature.get("geometry") if isinstance(feature.get("geometry"), dict) else None
        features.append((number, properties, geometry))
    rows = _sheet_rows(sheet, path.name, features, errors)
    return [rows], errors


def import_geojson(path: Path, *, actor=None, partial=False, progress=importing._no_progress):
    sheets, errors = read_geojson(Path(path))
    return importing.run(sheets, errors, actor=actor, partial=partial, progress=progress)


def export_geojson(target: Path, viewer=None) -> dict[str, int]:
    """One layer to target.geojson (the layer from its name), or every layer into a folder."""
    from riverchief.registry import exporting

    target = Path(target)
    if target.suffix.lower() in (".geojson", ".json"):
        sheet = layer_sheet(target.stem)
        if sheet is None:
            raise _unknown_layer(target.stem)
        return {sheet.key: _write_layer(sheet, target, viewer, exporting)}
    target.mkdir(parents=True, exist_ok=True)
    return {
        key: _write_layer(workbook.SHEETS_BY_KEY[key], target / f"{key}.geojson", viewer, exporting)
        for key in GEO_LAYERS
    }


def _write_layer(sheet: workbook.Sheet, path: Path, viewer, exporting) -> int:
    queryset = exporting.querysets(viewer)[sheet.key]
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write(
            '{"type":"FeatureCollection","name":' + json.dumps(sheet.key) + ',"features":[\n'
        )
        for record in exporting.records_of(sheet.key, queryset):
            geometry = record.pop("geometry", None)
            if sheet.facility_kind:
                geometry = (
                    {"type": "Point", "coordinates": [record["lon"], record["lat"]]}
                    if record.get("lon") is not None
                    else None
                )
            properties = {key: value for key, value in record.items() if key != "kind"}
            feature = {"type": "Feature", "properties": properties, "geometry": geometry}
            handle.write(
                ("," if count else "") + json.dumps(feature, ensure_ascii=False, default=str) + "\n"
            )
            count += 1
        handle.write("]}\n")
    return count


# --- zipped shapefiles ------------------------------------------------------------------------


def read_shapefile_zip(path: Path) -> tuple[list[SheetRows], list[RowError]]:
    import shapefile

    importing.check_file(path, (".zip",), importing.ZIP_MAGIC)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise ImportRefused(
            "文件不是有效的 zip 压缩包", "the file is not a valid zip archive"
        ) from error
    with archive:
        names = archive.namelist()
        if sum(info.file_size for info in archive.infolist()) > 20 * importing.MAX_BYTES:
            raise ImportRefused("压缩包解压后过大", "the archive is too large once uncompressed")
        shps = [
            name
            for name in names
            if name.lower().endswith(".shp") and not name.startswith("__MACOSX")
        ]
        if not shps:
            raise ImportRefused("压缩包里没有 .shp 文件", "the archive holds no .shp file")
        sheets, errors = [], []
        for shp in shps:
            base = shp[:-4]
            stem = Path(base).name
            sheet = layer_sheet(stem)
            if sheet is None:
                raise _unknown_layer(stem)

            def member(suffix: str, base: str = base) -> bytes | None:
                for name in names:
                    if name.lower() == (base + suffix).lower():
                        return archive.read(name)
                return None

            dbf, shx, prj, cpg = member(".dbf"), member(".shx"), member(".prj"), member(".cpg")
            if dbf is None:
                raise ImportRefused(
                    f"{stem}.shp 缺少 .dbf 属性文件", f"{stem}.shp has no .dbf file"
                )
            if prj is not None:
                _check_prj(prj.decode("latin-1"), stem)
            label = Path(shp).name
            features = _shape_features(shapefile, archive.read(shp), shx, dbf, cpg, label)
            sheets.append(_sheet_rows(sheet, label, features, errors))
    sheets.sort(key=lambda rows: workbook.SHEETS.index(rows.sheet))
    return sheets, errors


def _check_prj(text: str, stem: str) -> None:
    upper = text.upper()
    if upper.startswith("PROJCS") or "PROJCS[" in upper[:20]:
        raise ImportRefused(
            f"{stem}.prj 为投影坐标系，请转换为经纬度（WGS84 或 CGCS2000）",
            f"{stem}.prj is a projected coordinate system; "
            "convert to longitude/latitude (WGS84 or CGCS2000)",
        )


def _shape_features(shapefile, shp: bytes, shx, dbf: bytes, cpg, label: str):
    encodings = []
    if cpg:
        encodings.append(cpg.decode("ascii", "replace").strip() or "utf-8")
    encodings += ["utf-8", "gbk"]
    last_error: Exception | None = None
    for encoding in encodings:
        try:
            reader = shapefile.Reader(
                shp=io.BytesIO(shp),
                shx=io.BytesIO(shx) if shx else None,
                dbf=io.BytesIO(dbf),
                encoding=encoding,
            )
            fields = [field[0] for field in reader.fields[1:]]
            records = reader.records()
            shapes = reader.shapes()
            break
        except (UnicodeDecodeError, LookupError) as error:
            last_error = error
            continue
        except (shapefile.ShapefileException, ValueError, OSError, struct_error()) as error:
            raise ImportRefused(
                f"{label} 无法读取（文件损坏？）", f"{label} cannot be read (damaged?)"
            ) from error
    else:
        raise ImportRefused(
            f"{label} 的属性编码无法识别", f"{label}: unknown attribute encoding"
        ) from last_error
    box = getattr(reader, "bbox", None)
    if box and (abs(box[0]) > 180 or abs(box[2]) > 180 or abs(box[1]) > 90 or abs(box[3]) > 90):
        raise ImportRefused(
            f"{label} 的坐标不是经纬度（可能是投影坐标，单位米），"
            "请转换为 WGS84 或 CGCS2000 经纬度",
            f"{label}: the coordinates are not longitude/latitude (projected, in metres?); "
            "convert to WGS84 or CGCS2000",
        )
    features = []
    for number, (record, shape) in enumerate(zip(records, shapes, strict=False), start=1):
        properties = {}
        for name, value in zip(fields, record, strict=False):
            properties[DBF_FIELDS.get(name.upper(), name)] = value
        geometry = None
        if shape.shapeType != shapefile.NULL:
            geometry = dict(shape.__geo_interface__)
            geometry = json.loads(json.dumps(geometry))
        features.append((number, properties, geometry))
    return features


def struct_error():
    import struct

    return struct.error


def import_shapefile(path: Path, *, actor=None, partial=False, progress=importing._no_progress):
    sheets, errors = read_shapefile_zip(Path(path))
    return importing.run(sheets, errors, actor=actor, partial=partial, progress=progress)
