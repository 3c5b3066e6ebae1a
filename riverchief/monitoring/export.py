"""Excel and CSV exports: the samples in the lab layout (they import back unchanged) and the
county's monthly evaluation table."""

from __future__ import annotations

from typing import Any

from riverchief.monitoring import gb3838
from riverchief.monitoring.models import Sample, SampleValue
from riverchief.monitoring.queries import SHANGHAI
from riverchief.monitoring.sections import visible


def _header(code: str) -> str:
    spec = gb3838.ITEMS[code]
    return f"{spec.name}({spec.unit or '无量纲'})"


def sample_table(user) -> tuple[list[str], list[list[Any]]]:
    """Every visible sample: 断面编码, 采样时间 (with its zone), lab, method, one column per item.
    A value below detection is written "<DL" in the item's unit: it imports as the same ½ DL."""
    sections = {row.pk: row.code for row in visible(user)}
    samples = list(
        Sample.objects.filter(section_id__in=sections).order_by("section__code", "sampled_at")
    )
    values: dict[int, dict[str, str]] = {row.pk: {} for row in samples}
    used: set[str] = set()
    for sample_id, code, value, below, limit in SampleValue.objects.filter(
        sample_id__in=values
    ).values_list("sample_id", "parameter", "value", "below_detection", "detection_limit"):
        text = f"<{limit!r}" if below and limit is not None else repr(value)
        values[sample_id][code] = text
        used.add(code)
    codes = [code for code in gb3838.CODES if code in used]
    header = ["断面编码", "采样时间", "检测单位", "分析方法", *(_header(code) for code in codes)]
    rows = [
        [
            sections[row.section_id],
            row.sampled_at.astimezone(SHANGHAI).isoformat(),
            row.lab,
            row.method,
            *(values[row.pk].get(code, "") for code in codes),
        ]
        for row in samples
    ]
    return header, rows


def write_xlsx(target, title: str, header: list[str], rows: list[list[Any]]) -> None:
    """A one-sheet workbook with a bold header; text that looks like a formula stays text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        out = []
        for value in row:
            if isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                value = cell
            out.append(value)
        sheet.append(out)
    book.save(target)
