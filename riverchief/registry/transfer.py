"""`riverchief import|export KIND FILE`: divisions as CSV, the registry as an Excel workbook
(registry/workbook.py), GeoJSON layers and zipped shapefiles (registry/geofiles.py).

Every import validates every row before anything is written; `--partial` writes the valid rows.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from tqdm import tqdm

from riverchief.core import divcodes
from riverchief.registry import services
from riverchief.registry.models import Division

HEADERS = ["code", "name", "demo"]
HEADERS_ZH = {"代码": "code", "统计用区划代码": "code", "名称": "name", "演示": "demo"}
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class RowError:
    row: int
    column: str
    reason_zh: str
    reason_en: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason_zh} / {self.reason_en}"


def _fail(message: str):
    from riverchief.cli import CommandFailed

    raise CommandFailed(message)


def read_rows(path: Path) -> tuple[list[dict], list[RowError]]:
    if not path.is_file():
        _fail(f"no such file: {path}")
    if path.stat().st_size > MAX_BYTES:
        _fail(f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        _fail(f"{path} is not UTF-8 text (CSV expected)")
    reader = csv.DictReader(text.splitlines())
    columns = [
        HEADERS_ZH.get((c or "").strip(), (c or "").strip()) for c in reader.fieldnames or []
    ]
    missing = [c for c in ("code", "name") if c not in columns]
    if missing:
        _fail(f"missing columns / 缺少列: {', '.join(missing)}")
    reader.fieldnames = columns
    rows, errors, seen = [], [], {}
    for number, raw in enumerate(reader, start=2):
        code_text = (raw.get("code") or "").strip()
        name = (raw.get("name") or "").strip()
        try:
            code = divcodes.normalize(code_text)
        except divcodes.InvalidCode:
            errors.append(RowError(number, "code", "区划代码无效", "invalid division code"))
            continue
        if code in seen:
            errors.append(
                RowError(
                    number, "code", f"与第{seen[code]}行重复", f"duplicate of row {seen[code]}"
                )
            )
            continue
        seen[code] = number
        if not name:
            errors.append(RowError(number, "name", "名称为空", "name is empty"))
            continue
        demo = (raw.get("demo") or "").strip().lower() in {"1", "true", "yes", "是", "y"}
        rows.append({"row": number, "code": code, "name": name, "is_demo": demo})
    known = set(Division.objects.values_list("code", flat=True)) | set(seen)
    for row in rows:
        parent = divcodes.parent(row["code"])
        if parent is not None and parent not in known:
            errors.append(
                RowError(
                    row["row"],
                    "code",
                    f"上级区划 {divcodes.short(parent)} 不存在",
                    f"parent division {divcodes.short(parent)} does not exist",
                )
            )
    return rows, errors


class Divisions:
    @staticmethod
    def import_file(path: Path, *, partial: bool = False) -> None:
        rows, errors = read_rows(path)
        for error in errors:
            print(error)
        bad_rows = {e.row for e in errors}
        if errors and not partial:
            _fail(f"{len(errors)} errors; nothing written (use --partial to write the valid rows)")
        good = sorted((r for r in rows if r["row"] not in bad_rows), key=lambda r: r["code"])
        with transaction.atomic():
            for row in tqdm(good, desc="divisions", unit="row", disable=len(good) < 200):
                services.upsert_division(
                    None, code=row["code"], name=row["name"], is_demo=row["is_demo"]
                )
        print(f"{len(good)} divisions imported, {len(bad_rows)} rows skipped")

    @staticmethod
    def export_file(path: Path) -> None:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["代码", "名称", "演示"])
            count = 0
            for division in Division.objects.order_by("code").iterator():
                writer.writerow([division.code, division.name, "是" if division.is_demo else ""])
                count += 1
        print(f"{count} divisions exported to {path}")


def _progress_bar():
    """A tqdm bar per phase on stderr, for importing.Progress."""
    import contextlib

    @contextlib.contextmanager
    def bar(description: str, total: int | None):
        with tqdm(
            desc=description, total=total, unit="row", unit_scale=True, leave=False
        ) as progress:
            yield progress.update

    return bar


def _print_report(report) -> None:
    for line in report.lines():
        print(line)
    print(report.summary())
    if report.errors and not report.written:
        _fail(
            f"{len(report.errors)} errors; nothing written (use --partial to write the valid rows)"
        )


def _run(function, path: Path, partial: bool) -> None:
    from riverchief.registry.importing import ImportRefused

    try:
        report = function(Path(path), partial=partial, progress=_progress_bar())
    except ImportRefused as error:
        _fail(f"{path}: {error.zh} / {error.en}")
    _print_report(report)


class Registry:
    """The whole registry as one Excel workbook (see registry/workbook.py for the layout)."""

    @staticmethod
    def import_file(path: Path, *, partial: bool = False) -> None:
        from riverchief.registry.importing import import_workbook

        _run(import_workbook, path, partial)

    @staticmethod
    def export_file(path: Path) -> None:
        from riverchief.registry.exporting import export_workbook

        if Path(path).suffix.lower() != ".xlsx":
            _fail(f"{path}: the workbook's file name must end in .xlsx")

        def bar(rows, description):
            return tqdm(rows, desc=description, unit="row", unit_scale=True, leave=False)

        counts = export_workbook(Path(path), progress=bar)
        print(f"{sum(counts.values())} rows exported to {path}")


class Template:
    """The empty workbook with the 说明 sheet: `riverchief export template FILE.xlsx`."""

    @staticmethod
    def import_file(path: Path, *, partial: bool = False) -> None:
        Registry.import_file(path, partial=partial)

    @staticmethod
    def export_file(path: Path) -> None:
        from riverchief.registry.exporting import export_workbook

        export_workbook(Path(path), template=True)
        print(f"template written to {path}")


class GeoJSON:
    """One layer per .geojson file; export to a folder writes every layer."""

    @staticmethod
    def import_file(path: Path, *, partial: bool = False) -> None:
        from riverchief.registry.geofiles import import_geojson

        _run(import_geojson, path, partial)

    @staticmethod
    def export_file(path: Path) -> None:
        from riverchief.registry.geofiles import export_geojson
        from riverchief.registry.importing import ImportRefused

        try:
            counts = export_geojson(Path(path))
        except ImportRefused as error:
            _fail(f"{path}: {error.zh} / {error.en}")
        print(f"{sum(counts.values())} features exported to {path}")


class Shapefile:
    """A zip with one .shp (+ .dbf, .shx, .prj, .cpg) per layer, named by the layer."""

    @staticmethod
    def import_file(path: Path, *, partial: bool = False) -> None:
        from riverchief.registry.geofiles import import_shapefile

        _run(import_shapefile, path, partial)

    @staticmethod
    def export_file(path: Path) -> None:
        _fail("shapefiles are imported only; export GeoJSON instead")


KINDS = {
    "divisions": Divisions,
    "registry": Registry,
    "template": Template,
    "geojson": GeoJSON,
    "shapefile": Shapefile,
}
