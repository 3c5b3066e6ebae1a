"""The `$filter` language of SensorThings (OData 4 subset): tokenizer, parser, printer. Pure Python.

Supported: `eq ne gt ge lt le`, `and or not`, parentheses, string literals in single quotes (''
escapes a quote), numbers, `true`/`false`/`null`, ISO 8601 datetimes and dates written bare,
property paths across relations (`Datastream/@iot.id`, `Datastream/id`, `properties/section_code`).
Functions, arithmetic and geography literals parse as far as recognising them and then raise
`Unsupported` (answered 501), so a client learns what is missing instead of getting a 500.

Precedence follows OData: `not` binds tighter than comparisons' operands' combination, then `and`,
then `or`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
ARITHMETIC = ("add", "sub", "mul", "div", "mod")
MAX_LENGTH = 4000
MAX_DEPTH = 50


def gettext_noop(message: str) -> str:
    """Marks an English msgid for the catalogue; the view translates it when it renders."""
    return message


class FilterError(Exception):
    """A $filter the server cannot read (400)."""

    status = 400

    def __init__(self, message: str, params: dict[str, object] | None = None):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params or {}


class Unsupported(FilterError):
    """Valid OData that this server does not implement (501)."""

    status = 501


@dataclass(frozen=True)
class Path:
    segments: tuple[str, ...]


@dataclass(frozen=True)
class Literal:
    kind: str  # string | number | bool | null | datetime
    value: str | int | float | bool | None  # a datetime stays the text it was written as


@dataclass(frozen=True)
class Compare:
    op: str
    left: Path | Literal
    right: Path | Literal


@dataclass(frozen=True)
class And:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Or:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Not:
    operand: Expr


Expr = Union[Compare, And, Or, Not]  # noqa: UP007 (a runtime alias used in annotations above)

_DATETIME = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_TOKEN = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<datetime>{_DATETIME})(?![\w:.])
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?![\w.])
  | (?P<string>'(?:[^']|'')*')
  | (?P<open>\()
  | (?P<close>\))
  | (?P<comma>,)
  | (?P<name>[A-Za-z_@$][\w@.$]*(?:/[A-Za-z_@$][\w@.$]*)*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    """Split a $filter into tokens; a character that starts no token is a FilterError."""
    if len(text) > MAX_LENGTH:
        raise FilterError(
            gettext_noop("The $filter is longer than %(limit)s characters."), {"limit": MAX_LENGTH}
        )
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position] == "'":
                raise FilterError(gettext_noop("A string in $filter is not closed with a quote."))
            raise FilterError(
                gettext_noop("$filter cannot be read at character %(position)s: “%(text)s”."),
                {"position": position + 1, "text": text[position : position + 20]},
            )
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def keyword(self) -> str | None:
        token = self.peek()
        return token.text.lower() if token is not None and token.kind == "name" else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise FilterError(gettext_noop("The $filter ends too early."))
        self.index += 1
        return token

    def expression(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterError(gettext_noop("The $filter is nested too deeply."))
        left = self.conjunction()
        while self.keyword() == "or":
            self.take()
            left = Or(left, self.conjunction())
        self.depth -= 1
        return left

    def conjunction(self) -> Expr:
        left = self.unary()
        while self.keyword() == "and":
            self.take()
            left = And(left, self.unary())
        return left

    def unary(self) -> Expr:
        if self.keyword() == "not":
            self.take()
            return Not(self.unary())
        token = self.peek()
        if token is not None and token.kind == "open":
            self.take()
            inner = self.expression()
            self._close()
            if self.keyword() in COMPARISONS or self.keyword() in ARITHMETIC:
                raise Unsupported(
                    gettext_noop(
                        "Comparing or computing with a parenthesised expression is not "
                        "supported in $filter."
                    )
                )
            return inner
        return self.comparison()

    def _close(self) -> None:
        token = self.peek()
        if token is None or token.kind != "close":
            raise FilterError(gettext_noop("A parenthesis in $filter is not closed."))
        self.take()

    def comparison(self) -> Compare:
        left = self.operand()
        word = self.keyword()
        if word in ARITHMETIC:
            raise Unsupported(
                gettext_noop("The arithmetic operator “%(op)s” is not supported in $filter."),
                {"op": word},
            )
        if word not in COMPARISONS:
            found = self.peek()
            raise FilterError(
                gettext_noop(
                    "$filter expects eq, ne, gt, ge, lt or le after “%(after)s”, found “%(found)s”."
                ),
                {"after": _operand_text(left), "found": found.text if found else "(end)"},
            )
        op = self.take().text.lower()
        right = self.operand()
        if self.keyword() in ARITHMETIC:
            raise Unsupported(
                gettext_noop("The arithmetic operator “%(op)s” is not supported in $filter."),
                {"op": self.keyword()},
            )
        return Compare(op, left, right)

    def operand(self) -> Path | Literal:
        token = self.take()
        if token.kind == "string":
            return Literal("string", token.text[1:-1].replace("''", "'"))
        if token.kind == "number":
            text = token.text
            is_int = not any(c in text for c in ".eE")
            number: int | float = int(text) if is_int else float(text)
            if is_int and abs(number) >= 2**63:  # beyond a database integer: compare as a float
                number = float(number)
            return Literal("number", number)
        if token.kind == "datetime":
            return Literal("datetime", token.text)
        if token.kind == "name":
            following = self.peek()
            if following is not None and following.kind == "open":
                raise Unsupported(
                    gettext_noop("The function “%(name)s()” is not supported in $filter."),
                    {"name": token.text},
                )
            adjacent = following is not None and following.position == token.position + len(
                token.text
            )
            if adjacent and following is not None and following.kind == "string":
                raise Unsupported(
                    gettext_noop(
                        "Typed literals such as %(name)s'…' (geography, WKT) are not "
                        "supported in $filter."
                    ),
                    {"name": token.text},
                )
            word = token.text.lower()
            if word in ("true", "false"):
                return Literal("bool", word == "true")
            if word == "null":
                return Literal("null", None)
            if word in COMPARISONS + ARITHMETIC + ("and", "or", "not"):
                raise FilterError(
                    gettext_noop(
                        "$filter expects a property or a value where it found “%(found)s”."
                    ),
                    {"found": token.text},
                )
            return Path(tuple(token.text.split("/")))
        raise FilterError(
            gettext_noop("$filter expects a property or a value where it found “%(found)s”."),
            {"found": token.text},
        )


def parse(text: str) -> Expr:
    """The expression tree of a $filter, or FilterError (400) / Unsupported (501)."""
    tokens = tokenize(text)
    if not tokens:
        raise FilterError(gettext_noop("The $filter is empty."))
    parser = _Parser(tokens)
    expression = parser.expression()
    leftover = parser.peek()
    if leftover is not None:
        raise FilterError(
            gettext_noop("$filter has unexpected text from “%(found)s”."), {"found": leftover.text}
        )
    return expression


def _operand_text(operand: Path | Literal) -> str:
    if isinstance(operand, Path):
        return "/".join(operand.segments)
    if operand.kind == "string":
        return "'" + str(operand.value).replace("'", "''") + "'"
    if operand.kind == "bool":
        return "true" if operand.value else "false"
    if operand.kind == "null":
        return "null"
    if operand.kind == "number":
        return repr(operand.value)
    return str(operand.value)


def to_text(expression: Expr) -> str:
    """Print a tree back as $filter text that parses to the same tree."""
    if isinstance(expression, Compare):
        return f"{_operand_text(expression.left)} {expression.op} {_operand_text(expression.right)}"
    if isinstance(expression, And):
        return f"({to_text(expression.left)} and {to_text(expression.right)})"
    if isinstance(expression, Or):
        return f"({to_text(expression.left)} or {to_text(expression.right)})"
    return f"not ({to_text(expression.operand)})"
