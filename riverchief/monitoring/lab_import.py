"""Lab results into samples: `import_samples(actor, path)` for the page, the API and the CLI.

The file is read and every row checked by `labfile` (pure); here the sections are resolved in the
actor's scope and each sample compared with what is stored. All or nothing by default (`partial`
writes the valid rows). Duplicate policy (one sample per section and time): the same sample with
the same values again is unchanged, so a re-import changes nothing; with other values it is an
error naming the row, unless `replace` is asked for (a lab's correction), which replaces the
stored values and audits the old ones.

Values go in with one `executemany` (SQLite) or `COPY` (PostgreSQL): a lab file of a year of
a province's sections is a million values.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from riverchief.core import audit
from riverchief.core.errors import in_both_languages
from riverchief.core.scoping import scope_of
from riverchief.monitoring import labfile
from riverchief.monitoring.models import Parameter, Sample, SampleValue
from riverchief.registry.importing import ImportRefused, RowError, check_file
from riverchief.registry.models import Facility

SUFFIXES = (".xlsx", ".xlsm", ".csv")
VALUE_COLUMNS = ("sample_id", "parameter", "value", "below_detection", "detection_limit", "raw")


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    values: int = 0
    zone_assumed: int = 0
    written: bool = False
    file_name: str = ""

    @property
    def skipped(self) -> int:
        return self.rows - self.created - self.replaced - self.unchanged

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """In the shape of the registry's import page."""
        return {
            "samples": {
                "created": self.created,
                "updated": self.replaced,
                "unchanged": self.unchanged,
            }
        }

    def lines(self) -> list[str]:
        return [str(error) for error in self.errors]

    def summary(self) -> str:
        state = "written" if self.written else "nothing written"
        text = (
            f"{self.rows} rows read, {len(self.errors)} errors, {state}; samples: "
            f"{self.created} created, {self.replaced} replaced, {self.unchanged} unchanged; "
            f"{self.values} values"
        )
        if self.zone_assumed:
            text += f"; {self.zone_assumed} times without a zone taken as Asia/Shanghai (UTC+8)"
        return text


def _row_error(sheet: str, error: labfile.LabError) -> RowError:
    zh, en = in_both_languages(gettext_lazy(error.message), error.params or None)
    return RowError(sheet, error.row, error.column, zh, en)


def _error(sheet: str, row: int | None, column: str, message, params=None) -> RowError:
    zh, en = in_both_languages(message, params)
    return RowError(sheet, row, column, zh, en)


# --- reading the file -----------------------------------------------------------------------


def _csv_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on a Chinese Windows saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(
        "CSV 文件编码无法识别（需 UTF-8 或 GBK）", "the CSV is neither UTF-8 nor GBK"
    )


def read_rows(path: Path) -> tuple[str, list[Any], list[tuple[int, list[Any]]]]:
    """(sheet label, header cells, [(row number, cells)]) of the first sheet or the CSV."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        check_file(path, SUFFIXES, None)
        reader = csv.reader(io.StringIO(_csv_text(path)))
        lines = [(number, row) for number, row in enumerate(reader, start=1)]
        if not lines:
            raise ImportRefused("文件为空", "the file is empty")
        return path.name, lines[0][1], lines[1:]
    from riverchief.registry.importing import OLE_MAGIC, ZIP_MAGIC
    from riverchief.registry.xlsx import Formula, Workbook, XlsxError

    check_file(path, SUFFIXES, ZIP_MAGIC)
    with path.open("rb") as handle:
        if handle.read(8).startswith(OLE_MAGIC):
            raise ImportRefused("请另存为 .xlsx 格式", "save the file as .xlsx")
    try:
        with Workbook(str(path)) as book:
            if not book.sheets:
                raise ImportRefused("工作簿没有工作表", "the workbook has no sheet")
            sheet = book.sheets[0]
            grid: list[tuple[int, list[Any]]] = []
            for number, cells in book.rows(sheet):
                width = max(cells) + 1 if cells else 0
                row = [cells.get(index) for index in range(width)]
                row = [None if isinstance(cell, Formula) else cell for cell in row]
                grid.append((number, row))
    except XlsxError as error:
        raise ImportRefused(error.zh, error.en) from error
    if not grid:
        raise ImportRefused("工作表为空", "the sheet is empty")
    header_number, header = grid[0]
    if header_number != 1:
        grid.insert(0, (1, []))
        header = []
    return sheet.name, header, grid[1:]


# --- sections and duplicates ----------------------------------------------------------------


def _sections(actor, table: labfile.LabTable) -> dict[str, Facility]:
    """The sections the rows name (by code, or by name without a code column), in scope."""
    wanted = {sample.section for sample in table.samples}
    rows = Facility.objects.filter(kind="section").select_related("division")
    if actor is not None:
        rows = rows.filter(pk__in=Facility.objects.visible_to(actor).values("pk"))
    found = {row.code: row for row in rows.filter(code__in=wanted)}
    if any(sample.by_name for sample in table.samples):
        for row in rows.filter(name__in=wanted):
            found.setdefault(row.name, row)
    return found


def _stored(keys: list[tuple[int, Any]]) -> dict[tuple[int, Any], tuple[Sample, dict]]:
    """Existing samples for (section id, time) keys, with their values.

    One range query per file (the sections named, between the first and the last time), not an
    IN list of every time: a province's file names tens of thousands."""
    found: dict[tuple[int, Any], tuple[Sample, dict]] = {}
    if not keys:
        return found
    wanted = set(keys)
    sections = {section for section, _at in keys}
    times = [at for _section, at in keys]
    rows = Sample.objects.filter(
        section_id__in=sections, sampled_at__gte=min(times), sampled_at__lte=max(times)
    ).only("id", "section_id", "sampled_at")
    samples = {
        (row.section_id, row.sampled_at): row
        for row in rows
        if (row.section_id, row.sampled_at) in wanted
    }
    if not samples:
        return found
    by_id: dict[int, dict] = {row.pk: {} for row in samples.values()}
    ids = list(by_id)
    for start in range(0, len(ids), 5000):
        for sample_id, code, value, below, limit in SampleValue.objects.filter(
            sample_id__in=ids[start : start + 5000]
        ).values_list("sample_id", "parameter", "value", "below_detection", "detection_limit"):
            by_id[sample_id][code] = (value, below, limit)
    for key, row in samples.items():
        found[key] = (row, by_id[row.pk])
    return found


def _as_stored(sample: labfile.LabSample) -> dict:
    return {
        code: (value.value, value.below_detection, value.detection_limit)
        for code, value in sample.values.items()
    }


# --- the import -------------------------------------------------------------------------------


def import_samples(
    actor,
    path: Path,
    *,
    partial: bool = False,
    replace: bool = False,
    file_name: str | None = None,
) -> ImportReport:
    """Check the lab file and, when it is clean (or `partial`), write its samples."""
    if actor is not None:
        scope_of(actor).require("monitoring.change")
    path = Path(path)
    sheet, header, rows = read_rows(path)
    limits: dict[str, Decimal | None] = {
        code: None if limit is None else Decimal(repr(limit))
        for code, limit in Parameter.objects.values_list("code", "detection_limit")
    }
    table = labfile.read_table(header, rows, limits)
    report = ImportReport(rows=table.rows, file_name=file_name or path.name)
    report.errors = [_row_error(sheet, error) for error in table.errors]
    sections = _sections(actor, table)
    valid: list[tuple[labfile.LabSample, Facility]] = []
    bad_rows = {error.row for error in table.errors}
    for sample in table.samples:
        section = sections.get(sample.section)
        if section is None:
            report.errors.append(
                _error(
                    sheet,
                    sample.row,
                    "断面编码",
                    gettext_lazy("Unknown section “%(code)s”, or outside your scope."),
                    {"code": sample.section[:40]},
                )
            )
            bad_rows.add(sample.row)
            continue
        valid.append((sample, section))
    stored = _stored([(section.pk, sample.sampled_at) for sample, section in valid])
    create: list[tuple[labfile.LabSample, Facility]] = []
    change: list[tuple[labfile.LabSample, Facility, Sample, dict]] = []
    for sample, section in valid:
        existing = stored.get((section.pk, sample.sampled_at))
        if existing is None:
            create.append((sample, section))
        elif existing[1] == _as_stored(sample):
            report.unchanged += 1
        elif replace:
            change.append((sample, section, existing[0], existing[1]))
        else:
            report.errors.append(
                _error(
                    sheet,
                    sample.row,
                    "采样时间",
                    gettext_lazy(
                        "A sample of this section at this time is stored with other values; "
                        "import with “replace” to correct it."
                    ),
                )
            )
            bad_rows.add(sample.row)
    report.zone_assumed = table.zone_assumed
    if report.errors and not partial:
        report.created = report.replaced = report.unchanged = 0
        return report
    if not create and not change:
        report.written = True
        return report
    with transaction.atomic():
        _write(actor, report, create, change)
    report.written = True
    return report


def _write(actor, report: ImportReport, create, change) -> None:
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    new_ids = insert_samples(
        [
            (
                section.pk,
                sample.sampled_at,
                sample.lab,
                sample.method,
                None if sample.do_saturation_pct is None else float(sample.do_saturation_pct),
                sample.raw,
                report.file_name[:200],
                now,
                user.pk if user is not None else None,
            )
            for sample, section in create
        ]
    )
    values = []
    for sample_id, (sample, _section) in zip(new_ids, create, strict=True):
        values.extend(_value_rows(sample_id, sample))
    for sample, _section, existing, _before in change:
        existing.lab, existing.method, existing.raw = sample.lab, sample.method, sample.raw
        existing.do_saturation_pct = (
            None if sample.do_saturation_pct is None else float(sample.do_saturation_pct)
        )
        existing.source_file = report.file_name[:200]
        existing.save(update_fields=["lab", "method", "raw", "do_saturation_pct", "source_file"])
        values.extend(_value_rows(existing.pk, sample))
    if change:
        SampleValue.objects.filter(sample_id__in=[row[2].pk for row in change]).delete()
    insert_values(values)
    report.created, report.replaced, report.values = len(new_ids), len(change), len(values)
    divisions = sorted({section.division.code for _sample, section in create})
    divisions += sorted({section.division.code for _s, section, _e, _b in change})
    audit.record(
        actor,
        "import",
        None,
        object_type="monitoring.sample",
        object_repr=report.file_name[:200],
        after={
            "file": report.file_name,
            "created": report.created,
            "replaced": report.replaced,
            "values": report.values,
        },
        message=report.summary()[:500],
        division_code=divisions[0] if len(set(divisions)) == 1 else "",
    )
    for _sample, section, existing, before in change:
        audit.record(
            actor,
            "replace",
            existing,
            before={code: list(value) for code, value in before.items()},
            after={code: list(value) for code, value in _as_stored(_sample).items()},
            message=f"{section.code} {existing.sampled_at.isoformat()}",
            division_code=section.division.code,
        )


def _value_rows(sample_id: int, sample: labfile.LabSample) -> list[tuple]:
    return [
        (sample_id, code, v.value, v.below_detection, v.detection_limit, v.raw)
        for code, v in sample.values.items()
    ]


SAMPLE_COLUMNS = (
    "section_id",
    "sampled_at",
    "lab",
    "method",
    "do_saturation_pct",
    "raw",
    "source_file",
    "created_at",
    "created_by_id",
)
SAMPLE_BATCH = 500


def insert_samples(rows: list[tuple]) -> list[int]:
    """Sample rows in batches of multi-row INSERT … RETURNING; their ids in the rows' order.

    Django's bulk_create does the same with a model instance per row, which costs more than the
    insert itself for a province's file. Rows are matched back by (section, time), which the
    table holds once, so the order RETURNING answers in does not matter (SQLite answers the
    time as a naive datetime, PostgreSQL as an aware one: `_plain` makes both comparable)."""
    import json

    ops = connection.ops
    table = Sample._meta.db_table
    columns = ", ".join(SAMPLE_COLUMNS)
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), SAMPLE_BATCH):
            batch = rows[start : start + SAMPLE_BATCH]
            params: list = []
            keys = []
            for row in batch:
                at = ops.adapt_datetimefield_value(row[1])
                keys.append((row[0], at))
                params.extend(
                    (
                        row[0],
                        at,
                        row[2],
                        row[3],
                        row[4],
                        json.dumps(row[5], ensure_ascii=False),
                        row[6],
                        ops.adapt_datetimefield_value(row[7]),
                        row[8],
                    )
                )
            marks = ", ".join(["(" + ", ".join(["%s"] * len(SAMPLE_COLUMNS)) + ")"] * len(batch))
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES {marks} "  # noqa: S608 - constants
                "RETURNING id, section_id, sampled_at"
            )
            cursor.execute(sql, params)
            found = {(section, _plain(at)): pk for pk, section, at in cursor.fetchall()}
            ids.extend(found[(section, _plain(at))] for section, at in keys)
    return ids


def _plain(at):
    """SQLite's naive UTC time as its text; PostgreSQL's aware datetime as it is."""
    if isinstance(at, datetime) and at.tzinfo is not None:
        return at
    return str(at)


def insert_values(rows: list[tuple]) -> None:
    """The values in one pass: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    table = SampleValue._meta.db_table
    columns = ", ".join(VALUE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(VALUE_COLUMNS))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - constants
            cursor.executemany(sql, rows)


def zone_note(count: int) -> str:
    """What the import says about times written without a zone."""
    if not count:
        return ""
    return (
        f"{count} 个采样时间未注明时区，按北京时间（Asia/Shanghai，UTC+8）处理 / "
        f"{count} times without a zone were taken as Asia/Shanghai (UTC+8)"
    )
