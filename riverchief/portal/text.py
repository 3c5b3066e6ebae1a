"""Text from the public: stored as plain text (tags and control characters removed, whitespace
tidied); templates escape it again on output, so a script sent in a description stays inert."""

from __future__ import annotations

import re
import unicodedata

from django.utils.html import strip_tags

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[ \t\u3000]+")
_LINES = re.compile(r"\n{3,}")


def plain(value, max_length: int) -> str:
    text = unicodedata.normalize("NFC", str(value or ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # strip_tags twice: a first pass can reveal a tag split by another ("<scr<b>ipt>").
    text = strip_tags(strip_tags(text))
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _LINES.sub("\n\n", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()[: max_length + 1]
