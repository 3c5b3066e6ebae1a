"""Signboard PDFs drawn with ReportLab: one page per board, the CJK font embedded.

Everything is laid out once on the real board (1500 mm × 1000 mm, the 江苏 standard size) in
millimetres; the A4 preview is the same drawing scaled onto an A4 landscape page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from riverchief.signboards import sketch
from riverchief.signboards.content import Board
from riverchief.signboards.fonts import cjk_font

BOARD_W, BOARD_H = 1500.0, 1000.0  # mm
SIZES = ("a4", "full")
BLUE = colors.HexColor("#0b4f8a")
RIVER = colors.HexColor("#1f78b4")
FAINT = colors.HexColor("#a6cee3")
RED = colors.HexColor("#c62828")
GREY = colors.HexColor("#eceff1")
LIGHT = colors.HexColor("#e3f2fd")
INK = colors.HexColor("#1a1a1a")


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Chinese wraps between any two characters; a word of Latin letters or digits stays whole."""
    lines, current = [], ""
    for char in text:
        if stringWidth(current + char, font, size) <= width:
            current += char
            continue
        lines.append(current)
        current = char
    if current:
        lines.append(current)
    return lines


class _Painter:
    def __init__(self, canvas: Canvas, font: str):
        self.c, self.font = canvas, font

    def text(self, x, y, text, size, color=INK, anchor="left"):
        self.c.setFillColor(color)
        self.c.setFont(self.font, size)
        draw = {
            "left": self.c.drawString,
            "centre": self.c.drawCentredString,
            "right": self.c.drawRightString,
        }[anchor]
        draw(x, y, text)

    def paragraph(self, x, y, text, size, width, leading=1.35, color=INK) -> float:
        for line in _wrap(text, self.font, size, width):
            self.text(x, y, line, size, color)
            y -= size * leading
        return y

    def heading(self, x, y, text, width) -> float:
        self.c.setFillColor(BLUE)
        self.c.rect(x, y - 6, 12, 36, stroke=0, fill=1)
        self.text(x + 22, y, text, 30, BLUE)
        self.c.setStrokeColor(BLUE)
        self.c.setLineWidth(1.5)
        self.c.line(x, y - 12, x + width, y - 12)
        return y - 52


def _basics(p: _Painter, board: Board, x: float, y: float, width: float) -> float:
    y = p.heading(x, y, "河湖概况", width)
    where = f"{board.county}{board.township}{board.village}"
    length = f"{board.length_m / 1000:.2f} 公里" if board.length_m else "—"
    for label, value in (
        ("所属河流", board.water_body),
        ("河段起点", board.start or "—"),
        ("河段终点", board.end or "—"),
        ("河段长度", length),
        ("所在区域", where or "—"),
    ):
        p.text(x, y, f"{label}：", 24, BLUE)
        y = p.paragraph(x + 130, y, value, 24, width - 130, leading=1.3)
    return y - 12


def _chiefs(p: _Painter, board: Board, x: float, y: float, width: float) -> float:
    y = p.heading(x, y, "河长信息", width)
    chiefs = board.chiefs[:8]
    if not chiefs:
        p.text(x, y, "（河长信息待更新）", 24, RED)
        return y - 48
    size = 24 if len(chiefs) <= 6 else 21
    gap = 24

    def widest(values: list[str]) -> float:
        return max((stringWidth(v, p.font, size) for v in values), default=0.0)

    role_x = x + widest([c.level_name for c in chiefs]) + gap
    name_x = role_x + widest([c.role for c in chiefs]) + gap
    position_x = name_x + widest([c.name for c in chiefs]) + gap
    phone_w = widest([c.phone for c in chiefs])
    position_w = x + width - position_x - (phone_w + gap if phone_w else 0)
    for chief in chiefs:
        p.text(x, y, chief.level_name, size, BLUE)
        p.text(role_x, y, chief.role, size)
        p.text(name_x, y, chief.name, size)
        position = _wrap(chief.position or "", p.font, size, max(position_w, 40))
        p.text(position_x, y, position[0] if position else "", size)
        if chief.phone:
            p.text(x + width, y, chief.phone, size, anchor="right")
        y -= size * 1.4
    return y - 12


def _prohibited(p: _Painter, board: Board, x: float, y: float, width: float, height: float):
    p.c.setStrokeColor(RED)
    p.c.setLineWidth(3)
    p.c.rect(x, y, width, height, stroke=1, fill=0)
    p.text(x + 20, y + height - 45, "禁止行为", 30, RED)
    column = (width - 40) / 3
    for index, act in enumerate(board.prohibited[:6]):
        row, col = divmod(index, 3)
        p.text(x + 20 + col * column, y + height - 92 - row * 38, f"✕ {act}", 22, INK)


def _map(p: _Painter, board: Board, box: tuple[float, float, float, float]) -> None:
    x, y, width, height = box
    c = p.c
    c.setFillColor(colors.HexColor("#f5f9fc"))
    c.setStrokeColor(BLUE)
    c.setLineWidth(2)
    c.rect(x, y, width, height, stroke=1, fill=1)
    if not board.lines:
        p.text(x + width / 2, y + height / 2, "（河段图形待补充）", 24, RED, anchor="centre")
        return
    frame = sketch.fit(board.lines, box)
    c.saveState()
    clip = c.beginPath()
    clip.rect(x, y, width, height)
    c.clipPath(clip, stroke=0, fill=0)
    c.setLineCap(1)
    c.setLineJoin(1)
    for lines, color, line_width in ((board.context, FAINT, 5), (board.lines, RIVER, 12)):
        c.setStrokeColor(color)
        c.setLineWidth(line_width)
        for line in lines:
            path = c.beginPath()
            for index, (lon, lat) in enumerate(line):
                px, py = frame.point(lon, lat)
                path.moveTo(px, py) if index == 0 else path.lineTo(px, py)
            c.drawPath(path, stroke=1, fill=0)
    first, last = board.lines[0][0], board.lines[-1][-1]
    for (lon, lat), label, color in ((first, "起点", colors.green), (last, "终点", RED)):
        px, py = frame.point(lon, lat)
        c.setFillColor(color)
        c.circle(px, py, 9, stroke=0, fill=1)
        p.text(px + 14, py + 8, label, 22, color)
    c.restoreState()
    # North arrow and scale bar, outside the clip so they are always whole.
    nx, ny = x + width - 40, y + height - 80
    arrow = c.beginPath()
    arrow.moveTo(nx, ny + 50)
    arrow.lineTo(nx - 14, ny)
    arrow.lineTo(nx + 14, ny)
    arrow.close()
    c.setFillColor(INK)
    c.drawPath(arrow, stroke=0, fill=1)
    p.text(nx, ny - 28, "北", 22, INK, anchor="centre")
    metres, length = sketch.scale_bar(frame)
    c.setStrokeColor(INK)
    c.setLineWidth(3)
    c.line(x + 20, y + 24, x + 20 + length, y + 24)
    c.line(x + 20, y + 16, x + 20, y + 32)
    c.line(x + 20 + length, y + 16, x + 20 + length, y + 32)
    p.text(x + 30 + length, y + 16, sketch.bar_label(metres), 20)


def qr_matrix(value: str) -> list[list[bool]]:
    """The QR code's modules (True: dark), error correction M, without the quiet zone."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(value)
    code.make()
    count = code.getModuleCount()
    return [[bool(code.isDark(row, col)) for col in range(count)] for row in range(count)]


def _qr(p: _Painter, value: str, x: float, y: float, size: float) -> None:
    """Square modules drawn as vectors: sharp at any board size, no image, no extra font."""
    matrix = qr_matrix(value)
    quiet = 4  # modules of white margin the standard asks for
    cell = size / (len(matrix) + 2 * quiet)
    p.c.setFillColor(colors.white)
    p.c.rect(x, y, size, size, stroke=0, fill=1)
    p.c.setFillColor(colors.black)
    for row, modules in enumerate(matrix):
        top = y + size - (quiet + row + 1) * cell
        for col, dark in enumerate(modules):
            if dark:
                # A hair wider than the cell, so neighbours merge without white seams.
                p.c.rect(x + (quiet + col) * cell, top, cell * 1.02, cell * 1.02, stroke=0, fill=1)


def _draw_board(p: _Painter, board: Board) -> None:
    c = p.c
    c.setFillColor(colors.white)
    c.rect(0, 0, BOARD_W, BOARD_H, stroke=0, fill=1)
    c.setFillColor(BLUE)
    c.rect(0, 860, BOARD_W, 140, stroke=0, fill=1)
    p.text(BOARD_W / 2, 915, board.title, 64, colors.white, anchor="centre")
    subtitle = f"{board.county} · {board.water_body} · {board.township}{board.village}"
    p.text(BOARD_W / 2, 875, subtitle, 26, colors.white, anchor="centre")
    c.setFillColor(LIGHT)
    c.rect(0, 815, BOARD_W, 45, stroke=0, fill=1)
    p.text(BOARD_W / 2, 829, f"治理目标：{board.targets}", 24, BLUE, anchor="centre")

    left_x, left_w = 50, 800
    y = _basics(p, board, left_x, 775, left_w)
    _chiefs(p, board, left_x, y, left_w)

    right_x, right_w = 900, 550
    p.heading(right_x, 775, "河段示意图", right_w)
    _map(p, board, (right_x, 505, right_w, 218))
    y = p.heading(right_x, 470, "河长职责", right_w)
    for number, duty in enumerate(board.duties, start=1):
        y = p.paragraph(right_x, y, f"{number}. {duty}", 20, right_w) - 4

    _prohibited(p, board, left_x, 72, 1010, 150)
    qr_x, qr_size = 1095, 150
    _qr(p, board.public_url, qr_x, 72, qr_size)
    text_x = qr_x + qr_size + 15
    p.text(text_x, 190, "扫码查看河段信息", 22)
    p.text(text_x, 162, "在线举报问题", 22)
    p.text(text_x, 118, "监督电话", 22, RED)
    p.text(text_x, 80, board.hotline, 36, RED)

    c.setFillColor(GREY)
    c.rect(0, 0, BOARD_W, 55, stroke=0, fill=1)
    when = board.printed_on.strftime("%Y年%m月%d日") if board.printed_on else ""
    footer = f"{board.issuer} 设立　　更新日期：{when}　　编号：{board.reach_code}"
    p.text(50, 20, footer, 20)
    p.text(BOARD_W - 50, 20, f"版本 {board.content_hash()}", 20, anchor="right")


def render(boards: Sequence[Board], size: str = "a4") -> bytes:
    """The PDF, one page per board; `size` is "a4" (preview) or "full" (1.5 m × 1.0 m)."""
    if size not in SIZES:
        raise ValueError(size)
    font = cjk_font()
    buffer = io.BytesIO()
    if size == "full":
        page_w, page_h = BOARD_W * mm, BOARD_H * mm
    else:
        page_w, page_h = landscape(A4)
    factor = min(page_w / (BOARD_W * mm), page_h / (BOARD_H * mm))
    offset_x = (page_w - BOARD_W * mm * factor) / 2
    offset_y = (page_h - BOARD_H * mm * factor) / 2
    canvas = Canvas(buffer, pagesize=(page_w, page_h), pageCompression=1, initialFontName=font)
    canvas.setTitle("河长公示牌" if len(boards) != 1 else boards[0].title)
    canvas.setCreator("riverchief")
    for board in boards:
        canvas.saveState()
        canvas.translate(offset_x, offset_y)
        canvas.scale(mm * factor, mm * factor)
        _draw_board(_Painter(canvas, font), board)
        canvas.restoreState()
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
