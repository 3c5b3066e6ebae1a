"""Import and export pages for river chief office staff: upload a workbook, GeoJSON or zipped
shapefile, see every error; download the registry they see, or the empty template."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from riverchief.core.errors import DomainError, in_both_languages
from riverchief.core.scoping import scope_of
from riverchief.registry import exporting, geofiles, importing

logger = logging.getLogger(__name__)

ERRORS_SHOWN = 1000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORTERS = {
    ".xlsx": importing.import_workbook,
    ".xlsm": importing.import_workbook,
    ".geojson": geofiles.import_geojson,
    ".json": geofiles.import_geojson,
    ".zip": geofiles.import_shapefile,
}


def _require_change(request) -> None:
    if not scope_of(request.user).can("registry.change"):
        raise PermissionDenied


@login_required
def import_page(request):
    """GET: the form. POST: validate the upload; write it (or its valid rows) when asked."""
    _require_change(request)
    context: dict = {"max_mb": importing.MAX_BYTES // (1024 * 1024), "partial": False}
    if request.method == "POST":
        context["partial"] = bool(request.POST.get("partial"))
        context.update(_import(request, context["partial"]))
    return render(request, "registry/transfer/import.html", context)


def _import(request, partial: bool) -> dict:
    upload = request.FILES.get("file")
    if upload is None:
        return {"refused": (_("Choose a file to import."), "Choose a file to import.")}
    suffix = Path(upload.name or "").suffix.lower()
    if upload.size > importing.MAX_BYTES:
        mb = importing.MAX_BYTES // (1024 * 1024)
        return {"refused": (f"文件大于 {mb} MB", f"the file is larger than {mb} MB")}
    importer = IMPORTERS.get(suffix)
    if importer is None:
        return {
            "refused": (
                "文件类型不对：需要 .xlsx 工作簿、.geojson 或打包的 shapefile（.zip）",
                "wrong file type: an .xlsx workbook, a .geojson file "
                "or a zipped shapefile is expected",
            )
        }
    with tempfile.TemporaryDirectory(prefix="riverchief-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            report = importer(path, actor=request.user, partial=partial)
        except importing.ImportRefused as error:
            return {"refused": (error.zh, error.en)}
        except DomainError as error:
            return {"refused": in_both_languages(error.message, error.params)}
        except Exception:  # the report page, never a 500: the log has the details
            logger.exception("import of %s failed", upload.name)
            return {
                "refused": (
                    "导入时发生意外错误，未写入任何数据；请联系管理员",
                    "an unexpected error stopped the import; nothing was written",
                )
            }
    return {
        "report": report,
        "errors": report.errors[:ERRORS_SHOWN],
        "more_errors": max(0, len(report.errors) - ERRORS_SHOWN),
        "file_name": upload.name,
    }


@login_required
def export_workbook(request):
    """The registry the user sees, as the workbook that imports back."""
    _require_change(request)
    return _download(lambda path: exporting.export_workbook(path, request.user), "registry")


@login_required
def template_workbook(request):
    _require_change(request)
    return _download(lambda path: exporting.export_workbook(path, template=True), "template")


def _download(write, name: str) -> FileResponse:
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  (FileResponse closes it)
    write(handle)
    handle.seek(0)
    stamp = timezone.localdate().isoformat()
    return FileResponse(
        handle, as_attachment=True, filename=f"riverchief-{name}-{stamp}.xlsx", content_type=XLSX
    )
