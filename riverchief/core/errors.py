"""Errors that services raise and every interface turns into the same answer.

An API answers `{"code", "message", "message_en", "field"}` with a 4xx status; a form shows the
message beside the field. Messages are lazy translations with English msgids, so the English text
is the msgid itself and the Chinese one comes from the zh-hans catalogue.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation


class DomainError(Exception):
    """A request the platform refuses, with a reason a person can read in Chinese and English."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: Any,
        *,
        field: str | None = None,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.params = params
        if code:
            self.code = code

    def as_dict(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.field, self.params)


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Bilingual:
    """A message already rendered in both languages (e.g. Django's password-validator texts)."""

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        language = translation.get_language() or "zh-hans"
        return self.en if language.startswith("en") else self.zh


def render_in_both(produce) -> Bilingual:
    """Call `produce()` (which returns text in the active language) once per language."""
    texts = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts[language] = produce()
    return Bilingual(texts["zh-hans"], texts["en"])


def in_both_languages(message: Any, params: dict[str, Any] | None = None) -> tuple[str, str]:
    """Render a lazy message (with %-style params) in Chinese and in English."""
    rendered = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            text = str(message)
            rendered.append(text % params if params else text)
    return rendered[0], rendered[1]


def error_body(
    code: str, message: Any, field: str | None = None, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    zh, en = in_both_languages(message, params)
    body: dict[str, Any] = {"code": code, "message": zh, "message_en": en}
    if field:
        body["field"] = field
    return body
