"""`riverchief import samples FILE` (a lab's .xlsx or .csv) and `riverchief export samples FILE`
(every sample in the same layout, so an export imports back unchanged)."""

from __future__ import annotations

import csv
from pathlib import Path


def _fail(message: str):
    from riverchief.cli import CommandFailed

    raise CommandFailed(message)


class Samples:
    """Lab samples: one row per sample, one column per item (see monitoring/labfile.py)."""

    @staticmethod
    def import_file(path: Path, *, partial: bool = False) -> None:
        from riverchief.monitoring import lab_import
        from riverchief.registry.importing import ImportRefused

        try:
            report = lab_import.import_samples(None, Path(path), partial=partial)
        except ImportRefused as error:
            _fail(f"{path}: {error.zh} / {error.en}")
        for line in report.lines():
            print(line)
        print(report.summary())
        note = lab_import.zone_note(report.zone_assumed)
        if note:
            print(note)
        if report.errors and not report.written:
            _fail(
                f"{len(report.errors)} errors; nothing written "
                "(use --partial to write the valid rows)"
            )

    @staticmethod
    def export_file(path: Path) -> None:
        from riverchief.monitoring import export

        header, rows = export.sample_table(None)
        path = Path(path)
        if path.suffix.lower() == ".xlsx":
            export.write_xlsx(path, "监测数据", header, rows)
        else:
            with path.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                writer.writerows(rows)
        print(f"{len(rows)} samples written to {path}")


KINDS = {"samples": Samples}
