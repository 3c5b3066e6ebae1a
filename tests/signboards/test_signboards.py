"""Signboard PDFs: the CJK font embedded, the Chinese text extractable (poppler), the QR code
decoding to the reach's public page (zbarimg on the rendered page); a township's boards in one
PDF; boards out of date after a chief change, and back in date once recorded as put up."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from riverchief.accounts.models import User
from riverchief.registry import services as registry_services
from riverchief.registry.models import Facility, Reach
from riverchief.signboards import content, sketch
from riverchief.signboards.pdf import qr_matrix

REACH = "SSH-140826101202"  # 涑水河西灌底村段: its village chief changed on 2026-09-01
TOWNSHIP = "140826101"  # 横水镇
MM = 72 / 25.4


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is missing: apt-get install poppler-utils zbar-tools (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.fixture
def office(db):
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return client


def _pdf(client, url, tmp_path, name="board.pdf"):
    answer = client.get(url)
    assert answer.status_code == 200, answer.content[:500]
    assert answer["Content-Type"] == "application/pdf"
    path = tmp_path / name
    path.write_bytes(answer.content)
    return path


def _page_size_mm(path) -> tuple[float, float]:
    info = _run(_tool("pdfinfo"), str(path))
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()
    return round(float(width) / MM), round(float(height) / MM)


def test_a4_board_embeds_the_cjk_font_and_its_chinese_text_extracts(office, tmp_path):
    path = _pdf(office, f"/signboards/reaches/{REACH}.pdf?size=a4", tmp_path)
    fonts = _run(_tool("pdffonts"), str(path)).splitlines()[2:]
    assert fonts, "the PDF uses no font"
    for line in fonts:  # every font is the CJK one, embedded and with a Unicode map
        assert "WenQuanYi" in line or "CJK" in line, line
        assert re.search(r"TrueType\s+\S+\s+yes\s+yes\s+yes", line), line
    text = _run(_tool("pdftotext"), "-layout", str(path), "-")
    reach = Reach.objects.get(code=REACH)
    chiefs = content.chiefs_of(reach)
    assert chiefs and any(c.level == "village" and c.role == "河长" for c in chiefs)
    for expected in [f"{reach.name}河长公示牌", "河湖概况", "禁止行为", "监督电话", "12314"]:
        assert expected in text
    for chief in chiefs:
        assert chief.name in text and chief.role in text
    assert reach.start_description in text and reach.end_description in text
    assert _page_size_mm(path) == (297, 210)


def test_full_size_board_is_one_and_a_half_by_one_metre(office, tmp_path):
    path = _pdf(office, f"/signboards/reaches/{REACH}.pdf?size=full", tmp_path)
    assert _page_size_mm(path) == (1500, 1000)
    assert "河长信息" in _run(_tool("pdftotext"), str(path), "-")


def test_the_qr_code_opens_the_reach_public_page(office, tmp_path, settings):
    settings.RIVERCHIEF_SITE_URL = "https://hzz.jiangxian.example.cn"
    path = _pdf(office, f"/signboards/reaches/{REACH}.pdf?size=a4", tmp_path)
    _run(_tool("pdftoppm"), "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page"))
    decoded = _run(_tool("zbarimg"), "--quiet", "--raw", str(tmp_path / "page.png")).strip()
    assert decoded == f"https://hzz.jiangxian.example.cn/p/reaches/{REACH}"


def test_without_a_site_url_the_qr_code_uses_the_request_host(office, tmp_path):
    path = _pdf(office, f"/signboards/reaches/{REACH}.pdf", tmp_path)
    _run(_tool("pdftoppm"), "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page"))
    decoded = _run(_tool("zbarimg"), "--quiet", "--raw", str(tmp_path / "page.png")).strip()
    assert decoded == f"http://testserver/p/reaches/{REACH}"


def test_township_batch_has_one_page_per_reach_with_a_board(office, tmp_path):
    path = _pdf(office, f"/signboards/townships/{TOWNSHIP}.pdf", tmp_path)
    reaches = (
        Reach.objects.filter(
            facilities__kind="signboard", division__code__startswith=TOWNSHIP.ljust(9, "0")
        )
        .distinct()
        .order_by("code")
    )
    assert reaches.count() >= 2
    info = _run(_tool("pdfinfo"), str(path))
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == reaches.count()
    text = _run(_tool("pdftotext"), str(path), "-")
    for reach in reaches:
        assert f"{reach.name}河长公示牌" in text


def _states(client):
    page = client.get("/signboards/").content.decode()
    return dict(re.findall(r'data-board="([^"]+)" data-status="([^"]+)"', page))


def test_a_chief_change_puts_the_board_out_of_date_until_it_is_put_up_again(office):
    board = f"SB-{REACH}"
    # Demo data: the village chief changed on 2026-09-01 and the board dates from 2022.
    assert _states(office)[board] == "outdated"
    answer = office.post(f"/signboards/reaches/{REACH}/put-up/", {"printed_on": ""})
    assert answer.status_code == 302
    assert _states(office)[board] == "current"
    # A new village chief: the board now names the wrong person.
    registry_services.assign_person(
        None,
        {
            "person_name": "新村河长（测试）",
            "role": "河长",
            "level": "village",
            "reach_code": REACH,
            "start_date": timezone.localdate().isoformat(),
        },
    )
    assert _states(office)[board] == "outdated"
    page = office.get("/signboards/?status=outdated").content.decode()
    due = (timezone.localdate() + timedelta(days=15)).isoformat()
    assert board in page and due in page


def test_put_up_in_the_future_is_refused_and_nothing_recorded(office):
    from riverchief.signboards.models import SignboardPrint

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    answer = office.post(f"/signboards/reaches/{REACH}/put-up/", {"printed_on": tomorrow})
    assert answer.status_code == 302
    assert SignboardPrint.objects.count() == 0
    answer = office.post(f"/signboards/reaches/{REACH}/put-up/", {"printed_on": "29/11/2026"})
    assert SignboardPrint.objects.count() == 0


def test_no_cjk_font_gives_a_clear_page_not_a_500(office, settings):
    settings.RIVERCHIEF_CJK_FONT = "/nonexistent/simhei.ttf"
    answer = office.get(f"/signboards/reaches/{REACH}.pdf")
    assert answer.status_code == 503
    body = answer.content.decode()
    assert "fonts-wqy-microhei" in body and "/nonexistent/simhei.ttf" in body


def test_content_version_changes_with_chiefs_not_with_the_date(db):
    reach = Reach.objects.select_related("division", "water_body").get(code=REACH)
    first = content.board_for(reach, "http://a/", date(2026, 1, 1)).content_hash()
    again = content.board_for(reach, "http://b/", date(2026, 11, 29)).content_hash()
    assert first == again
    registry_services.assign_person(
        None,
        {"person_name": "保洁员甲", "role": "保洁员", "level": "village", "reach_code": REACH},
    )
    assert content.board_for(reach, "http://a/").content_hash() != first


def test_every_demo_signboard_reach_renders(office, tmp_path):
    """The whole county in one go: every reach with a board makes a PDF page."""
    codes = set(Facility.objects.filter(kind="signboard").values_list("reach__code", flat=True))
    assert len(codes) >= 10
    path = _pdf(office, "/signboards/townships/140826.pdf", tmp_path)
    info = _run(_tool("pdfinfo"), str(path))
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(codes)


# --- pure parts -------------------------------------------------------------------------------


def test_sketch_fits_every_point_inside_the_box_with_its_margin():
    line = [(111.39, 35.49), (111.40, 35.495), (111.42, 35.50)]
    box = (900.0, 505.0, 550.0, 218.0)
    frame = sketch.fit([line], box, margin=0.1)
    points = [frame.point(*p) for p in line]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert min(xs) >= box[0] + 0.1 * box[2] - 1e-6 and max(xs) <= box[0] + 0.9 * box[2] + 1e-6
    assert min(ys) >= box[1] + 0.1 * box[3] - 1e-6 and max(ys) <= box[1] + 0.9 * box[3] + 1e-6
    # The binding dimension fills its usable size exactly (the fit is tight, not loose).
    fills = (max(xs) - min(xs)) / (0.8 * box[2]), (max(ys) - min(ys)) / (0.8 * box[3])
    assert max(fills) == pytest.approx(1.0) and min(fills) <= 1.0
    metres, length = sketch.scale_bar(frame)
    assert metres in sketch.NICE_LENGTHS
    assert length == pytest.approx(metres * frame.scale)
    assert sketch.bar_label(1000) == "1 公里" and sketch.bar_label(500) == "500 米"


def test_qr_matrix_is_square_with_finder_patterns():
    matrix = qr_matrix("https://hzz.example.cn/p/reaches/SSH-140826101202")
    size = len(matrix)
    assert all(len(row) == size for row in matrix) and (size - 17) % 4 == 0
    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):  # the three 7×7 finder squares
        assert all(matrix[top][left + i] and matrix[top + 6][left + i] for i in range(7))
        assert all(matrix[top + i][left] and matrix[top + i][left + 6] for i in range(7))


def test_a_board_without_geometry_or_chiefs_still_prints_and_says_so(tmp_path):
    from riverchief.signboards import pdf

    board = content.Board(
        reach_code="NEW-1",
        reach_name="新建河段",
        water_body="无名沟",
        county="绛县",
        township="横水镇",
        village="",
        start="",
        end="",
        length_m=None,
        chiefs=[],
        hotline="0359-6520000",
        issuer="绛县河长制办公室",
        public_url="https://hzz.example.cn/p/reaches/NEW-1",
        printed_on=date(2026, 11, 29),
    )
    path = tmp_path / "empty.pdf"
    path.write_bytes(pdf.render([board], "a4"))
    text = _run(_tool("pdftotext"), str(path), "-")
    assert "河段图形待补充" in text and "河长信息待更新" in text and "0359-6520000" in text
