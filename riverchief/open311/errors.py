"""An Open311 error: the HTTP status the spec names and a description in both languages."""

from __future__ import annotations

from riverchief.core.errors import in_both_languages


class Open311Error(Exception):
    def __init__(self, status: int, message, params: dict | None = None, field: str = ""):
        super().__init__(str(message))
        self.status, self.message, self.params, self.field = status, message, params, field

    def description(self) -> str:
        zh, en = in_both_languages(self.message, self.params)
        text = zh if zh == en else f"{zh} / {en}"
        return f"{self.field}: {text}" if self.field else text
