"""Import and export of the registry: workbook, GeoJSON, zipped shapefiles, CLI and web."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from shapely.geometry import shape

from riverchief.core.models import AuditEntry
from riverchief.registry import exporting, geofiles, importing, workbook
from riverchief.registry.models import ChiefAssignment, Division, Facility, Reach, WaterBody
from tests.cli_helpers import fresh_database, riverchief

ROOT = Path(__file__).resolve().parent.parent.parent
TOWNSHIP = "140826101"  # 横水镇


def _inside(code: str = TOWNSHIP, size: float = 0.004):
    """Two points of a short line well inside the division's outline."""
    outline = shape(Division.objects.get(code=code.ljust(12, "0")).geometry)
    point = outline.representative_point()
    return [
        [round(point.x, 6), round(point.y, 6)],
        [round(point.x + size, 6), round(point.y + size / 2, 6)],
    ]


def _line(coords) -> str:
    return json.dumps({"type": "LineString", "coordinates": coords})


def _book(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook in openpyxl's normal mode (as a person's Excel would be)."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


REACH_HEADERS = ["河段编码", "名称", "所属河湖编码", "所属区划代码", "起点里程(m)", "几何(GeoJSON)"]


def _counts():
    return (
        Reach.objects.count(),
        WaterBody.objects.count(),
        Facility.objects.count(),
        ChiefAssignment.objects.count(),
        AuditEntry.objects.count(),
    )


# --- round trips ------------------------------------------------------------------------------


def test_export_then_import_changes_nothing(db, tmp_path):
    path = tmp_path / "registry.xlsx"
    written = exporting.export_workbook(path)
    assert written["reaches"] == Reach.objects.count() > 0
    assert written["assignments"] == ChiefAssignment.objects.count() > 0
    names = load_workbook(path, read_only=True).sheetnames
    assert names == [sheet.zh for sheet in workbook.SHEETS]
    before = _counts()
    report = importing.import_workbook(path)
    assert report.errors == []
    assert report.written
    assert all(c.created == 0 and c.updated == 0 for c in report.counts.values()), report.summary()
    assert _counts() == before  # no row and no audit entry more


def test_a_changed_row_is_updated_with_one_audit_entry(db, tmp_path):
    reach = Reach.objects.order_by("code").first()
    path = tmp_path / "one.xlsx"
    _book(
        path,
        {
            "河段": [
                ["河段编码", "名称", "所属河湖编码", "所属区划代码"],
                [reach.code, reach.name + "（改）", reach.water_body.code, reach.division.code],
            ]
        },
    )
    before = AuditEntry.objects.count()
    report = importing.import_workbook(path)
    assert report.errors == [] and report.counts["reaches"].updated == 1
    reach.refresh_from_db()
    assert reach.name.endswith("（改）") and reach.geometry  # the absent geometry column keeps it
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "update" and entry.after == {"name": reach.name}


def test_template_has_the_instructions_and_no_rows(db, tmp_path):
    path = tmp_path / "template.xlsx"
    exporting.export_workbook(path, template=True)
    book = load_workbook(path)
    assert book.sheetnames[0] == "说明" and "河段" in book.sheetnames and "水库" in book.sheetnames
    headers = [cell.value for cell in book["水库"][1]]
    assert "总库容(万m³)" in headers and "规模" in headers
    assert book["河段"].max_row == 1
    assert any(v.sqref for v in book["河湖"].data_validations.dataValidation)  # drop-downs
    report = importing.import_workbook(path)
    assert report.errors == [] and report.rows == 0


def _registry_dump_code() -> str:
    return (
        "import os, json, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
        "'riverchief.settings'); django.setup(); "
        "from tests.registry.test_import_export import registry_dump; print(registry_dump())"
    )


def registry_dump() -> str:
    """Every registry row as records (codes, not ids), sorted: what "the same registry" means."""
    from riverchief.registry import exporting as export

    result = {}
    for key, queryset in export.querysets().items():
        rows = []
        for record in export.records_of(key, queryset):
            record.pop("id", None)
            record.pop("code", None) if key == "assignments" else None
            rows.append(json.dumps(record, sort_keys=True, default=str, ensure_ascii=False))
        if key == "divisions":
            rows += [
                json.dumps([code, level, parent], default=str)
                for code, level, parent in Division.objects.values_list(
                    "code", "level", "parent__code"
                )
            ]
        result[key] = sorted(rows)
    return json.dumps(result, ensure_ascii=False, sort_keys=True)


def _dump(env) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _registry_dump_code()],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        cwd=ROOT,
    )
    return result.stdout


def test_cli_export_then_import_into_a_fresh_database_gives_the_same_registry(tmp_path):
    book = tmp_path / "registry.xlsx"
    divisions = tmp_path / "divisions.csv"
    with fresh_database(tmp_path / "a") as env:
        riverchief(env, "demo", "--no-serve")
        exported = riverchief(env, "export", "registry", str(book))
        assert "rows exported" in exported.stdout
        riverchief(env, "export", "divisions", str(divisions))
        original = _dump(env)
    usernames = sorted(
        {
            row[3].value
            for row in load_workbook(book, read_only=True)["河湖长"].iter_rows(min_row=2)
            if row[3].value
        }
    )
    with fresh_database(tmp_path / "b") as env:
        riverchief(env, "migrate")
        riverchief(env, "import", "divisions", str(divisions))  # accounts need their divisions
        for username in usernames:
            riverchief(env, "createuser", username, "--role", "chief", "--division", "140826")
        first = riverchief(env, "import", "registry", str(book))
        assert "nothing written" not in first.stdout and "0 errors" in first.stdout
        assert _dump(env) == original
        second = riverchief(env, "import", "registry", str(book))
        changes = re.findall(r"(\d+) (?:created|updated|ended)", second.stdout)
        assert changes and set(changes) == {"0"}, second.stdout
        assert _dump(env) == original


# --- bad input ----------------------------------------------------------------------------------


def _errors_at(report, sheet: str, row: int | None, column_part: str = "") -> list:
    return [
        e
        for e in report.errors
        if e.sheet == sheet and e.row == row and column_part in e.column and e.zh and e.en
    ]


def test_every_bad_row_is_reported_and_nothing_is_written(db, tmp_path):
    good = _inside()
    other = _inside(size=0.002)
    book = Workbook()
    book.remove(book.active)
    reaches = book.create_sheet("河段")
    for row in [
        REACH_HEADERS,
        ["T-OK", "好河段", "SSH", TOWNSHIP, 10, _line(good)],  # 2 fine
        [
            "T-SELF",
            "自相交",
            "SSH",
            TOWNSHIP,
            None,
            _line([[111.45, 35.45], [111.46, 35.46], [111.45, 35.46], [111.46, 35.45]]),
        ],  # 3
        ["T-SWAP", "经纬反", "SSH", TOWNSHIP, None, _line([[p[1], p[0]] for p in good])],  # 4
        ["T-OUT", "国外", "SSH", TOWNSHIP, None, _line([[2.35, 48.85], [2.36, 48.86]])],  # 5
        ["T-BADJSON", "坏几何", "SSH", TOWNSHIP, None, "{not json"],  # 6
        ["T-DIV", "未知区划", "SSH", "140826999", None, _line(other)],  # 7
        ["T-OK", "重复", "SSH", TOWNSHIP, None, _line(other)],  # 8 duplicate of row 2
        ["T-NUM", "文本数字", "SSH", TOWNSHIP, "十二", _line(other)],  # 9
        ["T-FORMULA", "公式", "SSH", TOWNSHIP, "=1+1", _line(other)],  # 10
        ["T-MERGED", "合并", "SSH", TOWNSHIP, None, _line(other)],  # 11
        [None, None, None, None, None, None],  # 12 merged into 11
        ["T-WB", "未知河湖", "NOPE", TOWNSHIP, None, _line(other)],  # 13
        [
            "T-FAR",
            "区划外",
            "SSH",
            TOWNSHIP,
            None,
            _line([[111.70, 35.65], [111.705, 35.652]]),
        ],  # 14
    ]:
        reaches.append(row)
    reaches.merge_cells("B11:B12")
    water = book.create_sheet("河湖")
    water.append(["河湖编码", "名称", "所属区划代码"])  # 类型 (kind) is missing
    water.append(["NEWWB", "新河", "140826"])
    dams = book.create_sheet("水库")
    dams.append(["编码", "名称", "所在区划代码", "经度", "纬度", "规模", "总库容(万m³)"])
    dams.append(["R-SWAP", "反了", TOWNSHIP, 35.5, 111.5, "小(1)型", 10])
    dams.append(["R-TEXT", "文本", TOWNSHIP, 111.5, 35.5, "小(1)型", "很多"])
    dams.append(["R-SCALE", "规模错", TOWNSHIP, 111.5, 35.5, "巨型", 10])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    before = _counts()
    report = importing.import_workbook(path)
    assert not report.written and _counts() == before
    expect = {
        3: ("F", "线自相交"),
        4: ("F", "写反"),
        5: ("F", "不在中国境内"),
        6: ("F", "GeoJSON"),
        7: ("D", "区划"),
        8: ("A", "重复"),
        9: ("E", "数字"),
        10: ("E", "公式"),
        11: ("B", "合并"),
        13: ("C", "河湖编码不存在"),
        14: ("F", "境内"),
    }
    for row, (column, words) in expect.items():
        found = _errors_at(report, "河段", row, column)
        assert found and any(words in e.zh for e in found), (row, [str(e) for e in report.errors])
    assert not _errors_at(report, "河段", 2)
    assert any("类型" in e.zh and "kind" in e.en for e in _errors_at(report, "河湖", 1))
    assert any("写反" in e.zh for e in _errors_at(report, "水库", 2, "经度"))
    assert any("数字" in e.zh for e in _errors_at(report, "水库", 3, "总库容"))
    assert any("规模" in e.zh for e in _errors_at(report, "水库", 4, "规模"))
    assert all(" / " in str(e) for e in report.errors)

    partial = importing.import_workbook(path, partial=True)
    assert partial.written
    assert Reach.objects.filter(code__startswith="T-").count() == 1
    assert Reach.objects.get(code="T-OK").start_chainage_m == 10
    assert not Facility.objects.filter(code__startswith="R-").exists()
    assert not WaterBody.objects.filter(code="NEWWB").exists()


def test_codes_resolve_against_earlier_sheets_of_the_same_file(db, tmp_path):
    path = _book(
        tmp_path / "new.xlsx",
        {
            "行政区划": [["区划代码", "名称"], ["140826101299", "新村"]],
            "河湖": [
                ["河湖编码", "名称", "类型", "上级河湖编码", "所属区划代码"],
                ["NEWTRIB", "新支流", "河流", "SSH", "140826"],
            ],
            "河段": [
                REACH_HEADERS,
                ["NEWTRIB-1", "新支流横水段", "NEWTRIB", TOWNSHIP, None, _line(_inside())],
            ],
            "河湖长": [
                ["姓名", "角色", "级别", "河段编码", "起始日期"],
                ["新河长（演示）", "河长", "乡级", "NEWTRIB-1", "2024-05-01"],
            ],
        },
    )
    report = importing.import_workbook(path)
    assert report.errors == [], report.lines()
    reach = Reach.objects.get(code="NEWTRIB-1")
    assert reach.water_body.parent.code == "SSH" and reach.length_m > 0 and reach.min_lon
    assert ChiefAssignment.objects.get(reach=reach).division.code == "140826101000"
    again = importing.import_workbook(path)
    assert all(c.created == 0 and c.updated == 0 for c in again.counts.values())


def test_a_new_chief_ends_the_current_one(db, tmp_path):
    current = ChiefAssignment.objects.filter(
        role="河长", end_date__isnull=True, reach__isnull=False
    ).first()
    path = _book(
        tmp_path / "chief.xlsx",
        {
            "河湖长": [
                ["姓名", "角色", "级别", "河段编码", "起始日期"],
                ["接任者（演示）", "河长", current.level, current.reach.code, "2030-01-01"],
            ]
        },
    )
    report = importing.import_workbook(path)
    assert report.errors == [] and report.counts["assignments"].ended == 1
    current.refresh_from_db()
    assert current.end_date.isoformat() == "2029-12-31"
    assert AuditEntry.objects.filter(action="end", object_id=str(current.pk)).exists()


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("registry.csv", b"code,name\n", "文件类型不对"),
        ("registry.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", ".xls"),
        ("registry.xlsx", b"just some text", "不是 .xlsx"),
        ("registry.xlsx", b"PK\x03\x04broken zip", "xlsx"),
        ("registry.xlsx", b"", "为空"),
    ],
)
def test_a_wrong_file_is_refused_with_a_reason(db, tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(importing.ImportRefused) as refused:
        importing.import_workbook(path)
    assert words in refused.value.zh and refused.value.en


def test_a_file_over_the_size_limit_is_refused(db, tmp_path, monkeypatch):
    path = tmp_path / "big.xlsx"
    exporting.export_workbook(path, template=True)
    monkeypatch.setattr(importing, "MAX_BYTES", 1000)
    with pytest.raises(importing.ImportRefused) as refused:
        importing.import_workbook(path)
    assert "大于" in refused.value.zh and "larger" in refused.value.en


# --- GeoJSON and shapefiles ---------------------------------------------------------------------


def test_geojson_round_trip(db, tmp_path):
    path = tmp_path / "reaches.geojson"
    counts = geofiles.export_geojson(path)
    assert counts["reaches"] == Reach.objects.count()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["name"] == "reaches" and data["features"][0]["geometry"]["type"].endswith(
        "LineString"
    )
    before = _counts()
    report = geofiles.import_geojson(path)
    assert report.errors == [] and _counts() == before
    data["features"][0]["properties"]["name"] = "改名段"
    data["features"][1]["geometry"]["coordinates"][0] = [200, 95]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = geofiles.import_geojson(path)
    assert [(e.row, e.column) for e in report.errors] == [(2, "geometry")]
    assert not report.written and not Reach.objects.filter(name="改名段").exists()
    report = geofiles.import_geojson(path, partial=True)
    assert report.counts["reaches"].updated == 1 and Reach.objects.filter(name="改名段").exists()
    folder = tmp_path / "layers"
    geofiles.export_geojson(folder)
    assert (folder / "reservoir.geojson").exists() and (folder / "divisions.geojson").exists()
    assert geofiles.import_geojson(folder / "reservoir.geojson").errors == []


def _shapefile_zip(path: Path, lines, prj: str, name: str = "reaches") -> Path:
    import shapefile

    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(
        shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYLINE, encoding="gbk"
    ) as w:
        for field in ("CODE", "NAME", "WB_CODE", "DIV_CODE"):
            w.field(field, "C", size=40)
        for code, label, coords in lines:
            w.line([coords])
            w.record(code, label, "SSH", TOWNSHIP)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}.shp", shp.getvalue())
        archive.writestr(f"{name}.shx", shx.getvalue())
        archive.writestr(f"{name}.dbf", dbf.getvalue())
        archive.writestr(f"{name}.prj", prj)
        archive.writestr(f"{name}.cpg", "GBK")
    return path


SPHEROID = 'DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]'
WGS84 = f'GEOGCS["GCS_WGS_1984",{SPHEROID},PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925]]'
UTM49 = f'PROJCS["WGS_1984_UTM_Zone_49N",GEOGCS["GCS_WGS_1984",{SPHEROID}],PROJECTION["TM"]]'


def test_a_zipped_shapefile_is_imported(db, tmp_path):
    coords = _inside()
    path = _shapefile_zip(tmp_path / "reaches.zip", [("SHP-1", "涑水河新测段", coords)], WGS84)
    report = geofiles.import_shapefile(path)
    assert report.errors == [], report.lines()
    reach = Reach.objects.get(code="SHP-1")
    assert (
        reach.name == "涑水河新测段"
        and reach.division.code == "140826101000"
        and reach.length_m > 0
    )
    assert geofiles.import_shapefile(path).counts["reaches"].unchanged == 1


def test_a_projected_shapefile_is_refused(db, tmp_path):
    path = _shapefile_zip(
        tmp_path / "p.zip", [("SHP-2", "投影", [[500000, 3900000], [500100, 3900100]])], UTM49
    )
    with pytest.raises(importing.ImportRefused) as refused:
        geofiles.import_shapefile(path)
    assert "投影" in refused.value.zh and "projected" in refused.value.en
    path = _shapefile_zip(
        tmp_path / "q.zip", [("SHP-3", "无 prj", [[500000, 3900000], [500100, 3900100]])], ""
    )
    with pytest.raises(importing.ImportRefused) as refused:
        geofiles.import_shapefile(path)
    assert "经纬度" in refused.value.zh


# --- the web page -------------------------------------------------------------------------------


def _upload(client, name: str, content: bytes, partial: bool = False):
    data = {"file": SimpleUploadedFile(name, content)}
    if partial:
        data["partial"] = "1"
    return client.post("/registry/import/", data)


def test_office_admin_imports_through_the_web_page(signed_in, tmp_path):
    admin = signed_in("admin")
    page = admin.get("/registry/import/")
    assert page.status_code == 200 and b"import-form" in page.content
    exported = admin.get("/registry/export.xlsx")
    assert exported.status_code == 200
    content = b"".join(exported.streaming_content)
    assert content.startswith(b"PK")
    response = _upload(admin, "registry.xlsx", content)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.errors == [] and report.written, report.lines()[:5]
    assert all(c.created == 0 and c.updated == 0 for c in report.counts.values())


def test_rows_outside_the_admins_scope_are_errors(signed_in, tmp_path):
    path = _book(
        tmp_path / "out.xlsx",
        {
            "河湖": [
                ["河湖编码", "名称", "类型", "所属区划代码"],
                ["OUT-1", "垣曲的河", "河流", "140827"],
                ["IN-1", "绛县的河", "河流", "140826"],
            ]
        },
    )
    response = _upload(signed_in("admin"), "out.xlsx", path.read_bytes())
    report = response.context["report"]
    assert [(e.sheet, e.row) for e in report.errors] == [("河湖", 2)]
    assert (
        "管辖范围" in report.errors[0].zh
        and not WaterBody.objects.filter(code__in=["OUT-1", "IN-1"]).exists()
    )
    assert "outside your scope" in response.content.decode()
    response = _upload(signed_in("admin"), "out.xlsx", path.read_bytes(), partial=True)
    assert (
        WaterBody.objects.filter(code="IN-1").exists()
        and not WaterBody.objects.filter(code="OUT-1").exists()
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("x.docx", b"PK\x03\x04"),
        ("x.xlsx", b"PK\x03\x04garbage"),
        ("x.geojson", b"{bad"),
        ("x.zip", b"nope"),
    ],
)
def test_bad_uploads_get_a_reason_and_never_a_500(signed_in, name, content):
    response = _upload(signed_in("admin"), name, content)
    assert response.status_code == 200
    assert response.context["refused"][0] and response.context["refused"][1]
    assert b"import-refused" in response.content


def test_a_chief_may_not_import_or_export(signed_in):
    chief = signed_in("chief_hengshui")
    assert chief.get("/registry/import/").status_code == 403
    assert _upload(chief, "x.xlsx", b"PK").status_code == 403
    assert chief.get("/registry/export.xlsx").status_code == 403
    assert chief.get("/registry/template.xlsx").status_code == 403


def test_cli_import_reports_errors_and_writes_nothing_without_partial(tmp_path):
    bad = _book(
        tmp_path / "bad.xlsx",
        {
            "河湖": [
                ["河湖编码", "名称", "类型", "所属区划代码", "长度(m)"],
                ["CLI-1", "好河", "河流", "140826", 100],
                ["CLI-2", "坏河", "河流", "140826", "很长"],
            ]
        },
    )
    with fresh_database(tmp_path / "data") as env:
        riverchief(env, "demo", "--no-serve")
        result = riverchief(env, "import", "registry", str(bad), check=False)
        assert result.returncode == 1
        assert "[河湖] row 3, column E 长度(m): 长度应为数字" in result.stdout
        assert "/ length_m must be a number" in result.stdout
        assert "nothing written" in result.stderr
        partial = riverchief(env, "import", "registry", str(bad), "--partial")
        assert "waterbodies: 1 created" in partial.stdout
        template = tmp_path / "template.xlsx"
        riverchief(env, "export", "template", str(template))
        assert load_workbook(template).sheetnames[0] == "说明"
    assert os.path.exists(bad)


def test_an_unchanged_export_of_another_county_writes_nothing_and_a_change_is_refused(
    signed_in, tmp_path
):
    content = b"".join(signed_in("admin").get("/registry/export.xlsx").streaming_content)
    outsider = signed_in("out_office")  # 垣曲县: every 绛县 row lies outside the scope
    before = _counts()
    report = _upload(outsider, "jiang.xlsx", content).context["report"]
    assert report.errors == [] and _counts() == before
    reach = Reach.objects.order_by("code").first()
    path = _book(
        tmp_path / "change.xlsx",
        {
            "河段": [
                ["河段编码", "名称", "所属河湖编码", "所属区划代码"],
                [reach.code, "外县改名", reach.water_body.code, reach.division.code],
            ]
        },
    )
    report = _upload(outsider, "change.xlsx", path.read_bytes(), partial=True).context["report"]
    assert [(e.row, "管辖范围" in e.zh) for e in report.errors] == [(2, True)]
    assert Reach.objects.get(pk=reach.pk).name == reach.name
