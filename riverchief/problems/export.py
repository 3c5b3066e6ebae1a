"""The problem list as an Excel workbook, streamed while the rows are read.

openpyxl's write-only mode still writes the whole sheet to a temporary file and zips it at the
end, so 100,000 rows would keep the browser (and any proxy in between) waiting half a minute
for the first byte. Here the write-only sheet writes straight into a deflated zip entry whose
bytes go out as they are produced; the small package parts around it (styles, workbook, content
types) come from a one-row workbook openpyxl saves with the same sheet name and cell styles.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.worksheet._writer import WorksheetWriter

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


def _package_parts(title: str) -> Iterator[tuple[str, bytes]]:
    """Every part of a workbook but its sheet: styles (with the date format), workbook, rels."""
    template = Workbook(write_only=True)
    sheet = template.create_sheet(title)
    sheet.append([dt.datetime(2000, 1, 1)])  # registers the date style the stream's cells use
    buffer = io.BytesIO()
    template.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        for name in archive.namelist():
            if name != SHEET_PATH:
                yield name, archive.read(name)


def stream(header: list[str], rows: Iterable[list[Any]], title: str = SHEET) -> Iterator[bytes]:
    """The .xlsx bytes, produced while `rows` is consumed."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title)
        with archive.open(SHEET_PATH, "w") as entry:
            writer = WorksheetWriter(sheet, out=entry)
            sheet._writer = writer  # the write-only sheet writes into the zip entry, not a tmp file
            writer.write_top()
            sheet.append(header)
            for count, row in enumerate(rows, start=1):
                sheet.append(row)
                if count % BATCH == 0:
                    chunk = sink.take()
                    if chunk:
                        yield chunk
            sheet.close()
        for name, data in _package_parts(title):
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
