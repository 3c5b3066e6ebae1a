"""The water-quality pages and section API on the demo county: scope, numbers checked against
the evaluate endpoint on independently computed means, the Excel export, river and lake pages."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from riverchief.monitoring.models import Sample, SampleValue
from riverchief.monitoring.queries import SHANGHAI

DLJ = "SEC-SSH-DLJ"  # 横水镇东刘家村
XQC = "SEC-KH-XQC"  # 南樊镇, outside 横水镇


def _month_means(code: str, month: str) -> dict[str, str]:
    """Item means of the section's samples in the month, computed here from the stored rows."""
    values = defaultdict(list)
    for sample in Sample.objects.filter(section__code=code):
        if sample.sampled_at.astimezone(SHANGHAI).strftime("%Y-%m") != month:
            continue
        for value in SampleValue.objects.filter(sample=sample):
            values[value.parameter].append(Decimal(repr(value.value)))
    return {item: str(sum(v) / len(v)) for item, v in values.items()}


def _a_month_with_samples(code: str) -> str:
    sample = Sample.objects.filter(section__code=code).order_by("-sampled_at").first()
    return sample.sampled_at.astimezone(SHANGHAI).strftime("%Y-%m")


def test_a_township_chief_sees_the_townships_sections_only(signed_in):
    page = signed_in("chief_hengshui").get("/water-quality/")
    text = page.content.decode()
    assert page.status_code == 200 and DLJ in text and "SEC-SSH-GJ" in text
    assert XQC not in text
    assert signed_in("chief_hengshui").get(f"/water-quality/sections/{XQC}/").status_code == 404
    assert signed_in("out_chief_township").get(f"/water-quality/sections/{DLJ}/").status_code == 404
    assert signed_in("chief_hengshui").get(f"/api/v1/sections/{XQC}").status_code == 404
    codes = [row["code"] for row in signed_in("admin").get("/api/v1/sections").json()["items"]]
    assert {DLJ, XQC, "SEC-RES-CCY"} <= set(codes)


def test_the_monthly_evaluation_agrees_with_the_evaluate_endpoint(signed_in):
    month = _a_month_with_samples(DLJ)
    client = signed_in("admin")
    means = _month_means(DLJ, month)
    expected = client.post(
        "/api/v1/water-quality/evaluate",
        data=json.dumps({"waterbody_type": "river", "target_class": "IV", "values": means}),
        content_type="application/json",
    ).json()
    answer = client.get(f"/api/v1/sections/{DLJ}/evaluation?period={month}").json()
    assert answer["evaluation"]["class"] == expected["class"]
    assert answer["evaluation"]["compliant"] == expected["compliant"]
    assert answer["evaluation"]["main_pollutants"] == expected["main_pollutants"]
    page = client.get(f"/water-quality/monthly/?period={month}").content.decode()
    row = page[page.index(f'data-section="{DLJ}"') :]
    row = row[: row.index("</tr>")]
    assert f">{expected['class']}<" in row and expected["status"] in row
    assert ("不达标" in row) == (expected["compliant"] is False)


def test_the_excel_export_holds_the_table(signed_in):
    month = _a_month_with_samples(DLJ)
    answer = signed_in("chief_hengshui").get(f"/water-quality/monthly.xlsx?period={month}")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("断面编码", "断面名称", "河流")
    codes = {row[0] for row in rows[1:]}
    assert DLJ in codes and XQC not in codes  # the chief's scope


def test_a_bad_period_is_a_clear_error(signed_in):
    answer = signed_in("admin").get(f"/api/v1/sections/{DLJ}/evaluation?period=2026-13")
    assert answer.status_code == 400
    assert answer.json()["field"] == "period" and answer.json()["message_en"]


def test_the_section_page_shows_trends_over_the_class_bands(signed_in):
    page = signed_in("chief_dongliujia").get(f"/water-quality/sections/{DLJ}/")
    assert page.status_code == 200
    text = page.content.decode()
    start = text.index('id="wq-chart"')
    chart = json.loads(text[text.index(">", start) + 1 : text.index("</script>", start)])
    tp = chart["TP"]
    assert [band["class"] for band in tp["bands"]] == ["I", "II", "III", "IV", "V", "劣V"]
    assert tp["bands"][2]["to"] == 0.2 and tp["bands"][3]["hex"]
    assert len(tp["points"]) == 12  # a year of monthly samples
    do = chart["DO"]["bands"]
    assert do[0]["from"] == 7.5 and do[0]["to"] is None  # DO: higher is better


def test_trend_points_carry_each_values_class(signed_in):
    body = signed_in("admin").get(f"/api/v1/sections/{DLJ}/trend").json()
    for _when, value, grade in body["items"]["NH3N"]["points"]:
        limits = [0.15, 0.5, 1.0, 1.5, 2.0]
        expected = next((n for n, limit in enumerate(limits) if value <= limit), 5)
        assert grade == ["I", "II", "III", "IV", "V", "劣V"][expected]


def test_the_river_and_lake_pages(signed_in):
    client = signed_in("admin")
    month = _a_month_with_samples("SEC-RES-CCY")
    rivers = client.get(f"/water-quality/rivers/?period={month}").content.decode()
    assert 'data-river="SSH"' in rivers and 'data-river="KH"' in rivers
    lakes = client.get(f"/water-quality/lakes/?period={month}").content.decode()
    means = _month_means("SEC-RES-CCY", month)
    tli = client.post(
        "/api/v1/water-quality/tli",
        data=json.dumps({"values": {k: means[k] for k in ("chla", "TP", "TN", "SD", "CODMn")}}),
        content_type="application/json",
    ).json()
    row = lakes[lakes.index('data-section="SEC-RES-CCY"') :]
    row = row[: row.index("</tr>")]
    assert f"{tli['value']:.1f}" in row and tli["grade"] in row


@pytest.mark.parametrize("url", ["/water-quality/alarms/", "/water-quality/rivers/"])
def test_pages_answer_every_role_in_scope(signed_in, url):
    for username in ("admin", "leader", "chief_dongliujia", "patroller_dongliujia", "dept_water"):
        assert signed_in(username).get(url).status_code == 200


def test_the_import_page_imports_for_the_office(signed_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = "断面编码,采样时间,总磷(mg/L)\nSEC-SSH-DLJ,2031-01-05 10:00,0.12\n".encode()
    client = signed_in("admin")
    page = client.post("/water-quality/import/", {"file": SimpleUploadedFile("a.csv", body)})
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="import-result"' in text
    assert 'data-testid="zone-note"' in text
    assert Sample.objects.filter(section__code=DLJ, sampled_at__year=2031).count() == 1
    assert signed_in("chief_hengshui").get("/water-quality/import/").status_code == 403
