"""The TrueType CJK font the signboard PDFs embed, found at run time.

ReportLab embeds (a subset of) a TrueType font; it cannot embed the CFF-based Noto CJK fonts,
and the non-embedded `STSong-Light` renders blank in poppler (setup-notes.md). So we look for a
TrueType CJK font: the `RIVERCHIEF_CJK_FONT` setting first, then the places Debian
(fonts-wqy-microhei, .ci/run installs it), other Linux packages and Windows keep one, then
fontconfig's own answer. None found: `FontMissing`, which the pages turn into a clear message.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from django.conf import settings

FONT_NAME = "RiverchiefCJK"
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian/Ubuntu fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",  # Fedora
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",  # Arch
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
    "C:/Windows/Fonts/simhei.ttf",  # 黑体, every Chinese Windows
    "C:/Windows/Fonts/msyh.ttc",  # 微软雅黑
    "C:/Windows/Fonts/simsun.ttc",  # 宋体
)
TRUETYPE_SUFFIXES = (".ttf", ".ttc")


class FontMissing(RuntimeError):
    """No usable TrueType CJK font on this machine."""


def _fontconfig_guess() -> str | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        answer = subprocess.run(
            [fc_match, "-f", "%{file}", ":lang=zh-cn:fontformat=TrueType"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path = answer.stdout.strip()
    return path if path.lower().endswith(TRUETYPE_SUFFIXES) else None


def candidates() -> list[str]:
    configured = str(getattr(settings, "RIVERCHIEF_CJK_FONT", "") or "").strip()
    if configured:
        return [configured]  # an explicit choice is never silently replaced by another font
    guess = _fontconfig_guess()
    return [*KNOWN_FONTS, *([guess] if guess else [])]


@lru_cache(maxsize=4)
def _register(path: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        font = TTFont(FONT_NAME, path, subfontIndex=0)
    except (TTFError, OSError) as error:
        raise FontMissing(f"{path}: {error}") from error
    if font.face.charToGlyph.get(ord("河")) is None:
        raise FontMissing(f"{path} has no Chinese characters")
    pdfmetrics.registerFont(font)
    return FONT_NAME


def cjk_font() -> str:
    """The registered ReportLab font name; raises FontMissing with what was tried."""
    tried = []
    for path in candidates():
        if not Path(path).is_file():
            tried.append(f"{path} (not found)")
            continue
        try:
            return _register(path)
        except FontMissing as error:
            tried.append(str(error))
    raise FontMissing("; ".join(tried))
