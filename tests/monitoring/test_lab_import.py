"""The lab import: a county's results file with every kind of bad input, all or nothing,
re-import, the duplicate policy, units and detection limits; through the API, page and CLI."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from riverchief.core.audit import AuditEntry
from riverchief.monitoring import lab_import
from riverchief.monitoring.models import Sample, SampleValue

SECTION = "SEC-SSH-DLJ"  # 横水镇东刘家村, target IV
HEADER = [
    "断面编码",
    "采样时间",
    "检测单位",
    "pH(无量纲)",
    "溶解氧(mg/L)",
    "化学需氧量(mg/L)",
    "氨氮(mg/L)",
    "总磷（mg/L）",
    "汞(µg/L)",
    "氰化物(mg/L)",
]
GOOD = [SECTION, "2030-01-08 09:30", "实验室甲", "7.4", "6.2", "18", "ND", "0.2", "0.05", "<0.004"]
IMPORT = "/api/v1/samples/import"


def _csv(rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _write(tmp_path, rows, header=HEADER, name="lab.csv"):
    path = tmp_path / name
    path.write_bytes(_csv(rows, header))
    return path


def _values(code=SECTION, when="2030-01-08 09:30"):
    at = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    sample = Sample.objects.get(section__code=code, sampled_at=at)
    return {v.parameter: v for v in SampleValue.objects.filter(sample=sample)}


def test_a_clean_file_stores_values_in_the_items_unit_with_half_the_detection_limit(db, tmp_path):
    report = lab_import.import_samples(None, _write(tmp_path, [GOOD]))
    assert report.written and not report.errors
    assert (report.created, report.values) == (1, 7)
    values = _values()
    assert values["TP"].value == 0.2 and values["TP"].raw == "0.2"
    assert values["Hg"].value == pytest.approx(0.00005)  # 0.05 µg/L → mg/L
    assert values["Hg"].raw == "0.05"
    # "ND" takes the parameter's detection limit (NH3N 0.025 mg/L), "<x" its own.
    assert (values["NH3N"].value, values["NH3N"].below_detection) == (0.0125, True)
    assert (values["CN"].value, values["CN"].detection_limit) == (0.002, 0.004)
    sample = Sample.objects.get(section__code=SECTION, lab="实验室甲")
    assert sample.raw["汞(µg/L)"] == "0.05"
    # No zone written: taken as Beijing time, and the import says so.
    assert report.zone_assumed == 1
    assert sample.sampled_at == datetime(2030, 1, 8, 1, 30, tzinfo=ZoneInfo("UTC"))
    assert "Asia/Shanghai" in lab_import.zone_note(report.zone_assumed)


def test_every_bad_input_is_reported_with_row_and_column_and_nothing_is_written(db, tmp_path):
    header = [*HEADER, "未知项目(mg/L)", "总氮(kg/L)"]
    rows = [
        [*GOOD, "1", "1"],  # row 2: fine apart from the two bad columns
        [SECTION, "2030-02-08 09:30", "甲", "15", "6", "-3", "abc", "0.1", "0.05", ""],  # row 3
        [SECTION, "2030-01-08 09:30", "甲", "7", "6", "18", "0.5", "0.1", "", "", "", ""],  # row 4
        ["SEC-NOWHERE", "2030-03-08", "甲", "7", "6", "18", "0.5", "0.1", "", "", "", ""],  # row 5
        [SECTION, "明天上午", "甲", "7", "6", "18", "0.5", "0.1", "", "", "", ""],  # row 6
        [SECTION, "2030-04-08 10:00", "甲", "7", "6", "18", "0.5", "0.1", "未检出x", "", "", ""],
    ]
    report = lab_import.import_samples(None, _write(tmp_path, rows, header))
    assert not report.written
    assert Sample.objects.filter(sampled_at__year=2030).count() == 0
    where = {(error.row, error.column.split(" ")[0]): error for error in report.errors}
    assert where[(1, "K")].en.startswith("Unknown column")  # unknown item
    assert "kg/L" in where[(1, "L")].en and where[(1, "L")].zh  # unknown unit
    assert "physical range 0 to 14" in where[(3, "D")].en  # pH 15
    assert "negative" in where[(3, "F")].en  # a negative concentration
    assert "number" in where[(3, "G")].en  # text in a numeric cell
    assert "row 2" in where[(4, "B")].en  # the same section and time twice
    assert "SEC-NOWHERE" in where[(5, "断面编码")].en  # unknown section
    assert "Asia/Shanghai" in where[(6, "B")].en  # no time
    assert "number" in where[(7, "I")].en
    # Every message comes in Chinese too.
    assert all(error.zh and error.zh != error.en for error in report.errors)


def test_the_same_file_twice_changes_nothing(db, tmp_path):
    path = _write(tmp_path, [GOOD])
    lab_import.import_samples(None, path)
    again = lab_import.import_samples(None, path)
    assert (again.created, again.replaced, again.unchanged, again.written) == (0, 0, 1, True)
    assert Sample.objects.filter(section__code=SECTION, lab="实验室甲").count() == 1


def test_other_values_for_a_stored_sample_are_refused_unless_replace_is_asked(db, tmp_path):
    lab_import.import_samples(None, _write(tmp_path, [GOOD]))
    corrected = list(GOOD)
    corrected[7] = "0.25"  # TP
    path = _write(tmp_path, [corrected], name="corrected.csv")
    refused = lab_import.import_samples(None, path)
    assert not refused.written and "replace" in refused.errors[0].en
    assert _values()["TP"].value == 0.2
    replaced = lab_import.import_samples(None, path, replace=True)
    assert (replaced.replaced, replaced.written) == (1, True)
    assert _values()["TP"].value == 0.25
    entry = AuditEntry.objects.filter(action="replace").latest("id")
    assert entry.before["TP"][0] == 0.2 and entry.after["TP"][0] == 0.25


def test_partial_writes_the_valid_rows_only(db, tmp_path):
    bad = [SECTION, "2030-02-08 09:30", "甲", "15", "6", "18", "0.5", "0.1", "", ""]
    report = lab_import.import_samples(None, _write(tmp_path, [GOOD, bad]), partial=True)
    assert report.written and report.created == 1 and len(report.errors) == 1
    assert Sample.objects.filter(sampled_at__year=2030).count() == 1


def test_an_excel_workbook_with_date_cells_is_read(db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["断面编码", "采样时间", "总磷(µg/L)", "高锰酸盐指数(mg/L)"])
    sheet.append([SECTION, datetime(2030, 5, 9, 10, 0), 200, "ND"])
    path = tmp_path / "lab.xlsx"
    book.save(path)
    report = lab_import.import_samples(None, path)
    assert report.written and report.created == 1, report.lines()
    values = _values(when="2030-05-09 10:00")
    assert values["TP"].value == 0.2  # 200 µg/L, exactly 0.2 mg/L: class III, not IV
    assert values["CODMn"].value == 0.25  # ½ × 0.5


def test_the_api_imports_for_the_office_and_refuses_others(db, tmp_path, signed_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload(client, rows):
        return client.post(IMPORT, {"file": SimpleUploadedFile("lab.csv", _csv(rows))})

    assert upload(signed_in("chief_hengshui"), [GOOD]).status_code == 403
    outside = upload(signed_in("out_office"), [GOOD])  # another county's office
    assert outside.status_code == 400
    assert "SEC-SSH-DLJ" in outside.json()["errors"][0]["message_en"]
    answer = upload(signed_in("admin"), [GOOD])
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["created"], body["values"], body["zone_assumed"]) == (1, 7, 1)
    assert "Asia/Shanghai" in body["note"]
    bad = upload(signed_in("admin"), [[SECTION, "2030-06-01", "甲", "15"]])
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["row"] == 2


def test_the_command_line_imports_and_exports_samples(db, tmp_path, capsys):
    from riverchief.core.transfer import run_export, run_import

    run_import("samples", _write(tmp_path, [GOOD]))
    assert "1 created" in capsys.readouterr().out
    target = tmp_path / "out.csv"
    run_export("samples", target)
    # The export is the lab layout: importing it back changes nothing.
    report = lab_import.import_samples(None, target)
    assert report.written and report.created == 0 and report.replaced == 0
    assert report.unchanged == Sample.objects.count()
