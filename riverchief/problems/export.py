"""The problem list as an Excel workbook, streamed while the rows are read.

openpyxl's write-only mode still writes the whole sheet to a temporary file and zips it at the
end, so 100,000 rows would keep the browser (and any proxy in between) waiting half a minute
for the first byte; and it builds an XML element per cell, which alone took over 30 s for
100,000 rows of 25 columns. Here the sheet's rows are written as SpreadsheetML text (inline
strings, numbers, dates as serial numbers with the workbook's date style) straight into a
deflated zip entry whose bytes go out as they are produced. The package parts around it
(styles, workbook, content types, and the sheet's head and tail) come from a one-row workbook
openpyxl saves with the same sheet name, so the date style is the one openpyxl registered.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from riverchief.core import divcodes
from riverchief.problems import deadlines
from riverchief.problems.models import Problem, Severity, Source
from riverchief.problems.states import CLOCK_STATES, State

SHEET = "问题清单"
SHEET_PATH = "xl/worksheets/sheet1.xml"
BATCH = 500  # rows between hand-overs to the response
CHUNK_ROWS = 2000  # rows per database fetch
MAX_ROWS = 500_000  # far above a county's; keeps the sheet under the zip's 2 GiB entry limit

# Chinese headers: the workbook goes to offices and leaders as it is.
COLUMNS = [
    "编号",
    "上报时间",
    "状态",
    "类别分组",
    "问题类别",
    "严重程度",
    "来源",
    "问题描述",
    "所在区划",
    "区划代码",
    "河段编码",
    "河段名称",
    "经度",
    "纬度",
    "地点",
    "上报人",
    "承办部门",
    "承办河长",
    "办理期限",
    "是否逾期",
    "督办级别",
    "受理时间",
    "交办时间",
    "提交核查时间",
    "销号时间",
]


class _Sink:
    """An unseekable file the zip writes into; `take()` hands over what came so far."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._offset = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def _local(value: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: the office's local time, as people read it.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def labels() -> dict[str, dict[str, str]]:
    """State, severity and source labels in Chinese, whatever the page's language."""
    with translation.override("zh-hans"):
        return {
            "state": {value: str(label) for value, label in State.choices},
            "severity": {value: str(label) for value, label in Severity.choices},
            "source": {value: str(label) for value, label in Source.choices},
        }


def row_of(p: Problem, names: dict[str, dict[str, str]], now: dt.datetime) -> list[Any]:
    overdue = p.state in CLOCK_STATES and deadlines.is_overdue(p.deadline, now)
    return [
        p.number,
        _local(p.created_at),
        names["state"].get(p.state, p.state),
        p.category.group,
        p.category.name,
        names["severity"].get(p.severity, p.severity),
        names["source"].get(p.source, p.source),
        p.description,
        p.division.name,
        divcodes.short(p.division.code),
        p.reach.code if p.reach_id else None,
        p.reach.name if p.reach_id else None,
        p.lon,
        p.lat,
        p.address or None,
        p.reporter_name or (p.reporter.username if p.reporter_id else None),
        p.assignee_department.name if p.assignee_department_id else None,
        str(p.assignee_user) if p.assignee_user_id else None,
        _local(p.deadline),
        "是" if overdue else "否",
        p.escalation_level,
        _local(p.accepted_at),
        _local(p.assigned_at),
        _local(p.submitted_at),
        _local(p.closed_at),
    ]


@dataclass(frozen=True)
class _Template:
    """The parts of a one-row workbook openpyxl saved: the sheet split around its row."""

    parts: list[tuple[str, bytes]]
    sheet_head: bytes  # up to <sheetData>
    sheet_tail: bytes  # from </sheetData>
    date_style: str  # the cell style index of a date


def _template(title: str) -> _Template:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([dt.datetime(2000, 1, 1)])  # registers the date style our cells use
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = [(n, archive.read(n)) for n in archive.namelist() if n != SHEET_PATH]
        xml = archive.read(SHEET_PATH).decode()
    style = re.search(r'<c r="A1"[^>]* s="(\d+)"', xml)
    head, rest = re.split(r"<sheetData\s*/>|<sheetData>", xml, maxsplit=1)
    tail = rest.split("</sheetData>", 1)[1] if "</sheetData>" in rest else rest
    return _Template(
        parts,
        (head + "<sheetData>").encode(),
        ("</sheetData>" + tail).encode(),
        style.group(1) if style else "1",
    )


# Characters XML 1.0 forbids (openpyxl refuses them too): dropped from the text.
_ILLEGAL = str.maketrans(dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)]))
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _cell(ref: str, value: Any, date_style: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return _text_cell(ref, str(value))
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, dt.datetime):
        return f'<c r="{ref}" s="{date_style}"><v>{to_excel(value)!r}</v></c>'
    return _text_cell(ref, str(value))


def _text_cell(ref: str, text: str) -> str:
    text = text.translate(_ILLEGAL).translate(_ESCAPES)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _row(number: int, values: list[Any], date_style: str) -> str:
    cells = "".join(
        _cell(f"{get_column_letter(i)}{number}", v, date_style)
        for i, v in enumerate(values, start=1)
    )
    return f'<row r="{number}">{cells}</row>'


def stream(header: list[str], rows: Iterable[list[Any]], title: str = SHEET) -> Iterator[bytes]:
    """The .xlsx bytes, produced while `rows` is consumed."""
    template = _template(title)
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(SHEET_PATH, "w") as entry:
            entry.write(template.sheet_head)
            entry.write(_row(1, header, template.date_style).encode())
            lines: list[str] = []
            for number, row in enumerate(rows, start=2):
                lines.append(_row(number, row, template.date_style))
                if len(lines) == BATCH:
                    entry.write("".join(lines).encode())
                    lines.clear()
                    chunk = sink.take()
                    if chunk:
                        yield chunk
            entry.write("".join(lines).encode())
            entry.write(template.sheet_tail)
        for name, data in template.parts:
            archive.writestr(name, data)
    yield sink.take()


def problem_rows(problems) -> Iterator[list[Any]]:
    names, now = labels(), timezone.now()
    for count, problem in enumerate(problems.iterator(chunk_size=CHUNK_ROWS)):
        if count == MAX_ROWS:
            yield [f"仅导出前 {MAX_ROWS} 条，请缩小筛选范围。"]
            return
        yield row_of(problem, names, now)


def problems_workbook(problems) -> Iterator[bytes]:
    """The filtered, scoped problems (queries.LIST_RELATED loaded) as a streamed workbook."""
    return stream(COLUMNS, problem_rows(problems))
