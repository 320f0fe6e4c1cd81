"""``$filter``: a tokenizer and a recursive-descent parser producing a small AST.

Grammar (the subset Dataverse clients use; OData v4 URL conventions, section 5.1.1):

    or_expr   := and_expr ("or" and_expr)*
    and_expr  := unary ("and" unary)*
    unary     := "not" unary | primary
    primary   := "(" or_expr ")" | func | operand (cmp_op operand)?
    func      := ("contains" | "startswith" | "endswith") "(" operand "," operand ")"
    operand   := literal | path
    literal   := string | guid | number | date | datetime | enum | true | false | null
    enum      := qualified type name followed by a quoted member (``Microsoft.Dynamics.CRM.
                 OwnershipTypes'UserOwned'``): "Query table definitions using the Web API",
                 section "Use enum types in $filter operations"

Errors are ``Syntax error at position N in '…'.`` as Microsoft's OData library reports them.
The parser only builds values; nothing of the input ever becomes SQL text (see ``_sql``).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from cityzen_connector.emulator._error_catalogue import query_error, syntax_error
from cityzen_connector.emulator._errors import ODataError

MAX_FILTER_LENGTH = 16_384
MAX_DEPTH = 64
COMPARISONS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
FUNCTIONS = frozenset({"contains", "startswith", "endswith"})

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\w:]))
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?(?![\w.]))
  | (?P<enum>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+'(?:[^']|'')*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class Literal:
    value: object
    edm: str  # Edm type name, e.g. "Edm.String"; "null" for null; an enum's qualified name


@dataclass(frozen=True)
class Path:
    parts: tuple[str, ...]


Operand = Literal | Path


@dataclass(frozen=True)
class Compare:
    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Function:
    name: str
    args: tuple[Operand, Operand]


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class BoolPath:
    """A bare boolean property used as a predicate (``donotemail``)."""

    path: Path


Node = Compare | Function | BoolOp | Not | BoolPath


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None or match.lastgroup is None:
            raise syntax_error(pos, text)
        if match.lastgroup != "ws":
            tokens.append(Token(match.lastgroup, match.group(), pos))
        pos = match.end()
    return tokens


def parse_filter(text: str) -> Node:
    if len(text) > MAX_FILTER_LENGTH:
        raise query_error(f"The $filter expression exceeds {MAX_FILTER_LENGTH} characters.")
    parser = _Parser(text, tokenize(text))
    node = parser.or_expr(0)
    if parser.index != len(parser.tokens):
        raise syntax_error(parser.tokens[parser.index].pos, text)
    return node


def _literal(token: Token, text: str) -> Literal:
    raw = token.text
    try:
        if token.kind == "string":
            return Literal(raw[1:-1].replace("''", "'"), "Edm.String")
        if token.kind == "guid":
            return Literal(str(uuid.UUID(raw)), "Edm.Guid")
        if token.kind == "datetime":
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return Literal(parsed, "Edm.DateTimeOffset")
        if token.kind == "date":
            return Literal(date.fromisoformat(raw), "Edm.Date")
        if token.kind == "number":
            return _number(raw, token, text)
        if token.kind == "enum":
            type_name, _, member = raw.partition("'")
            return Literal(member[:-1].replace("''", "'"), type_name)
    except ValueError:
        raise syntax_error(token.pos, text) from None
    raise syntax_error(token.pos, text)


_INT32 = range(-(2**31), 2**31)
_INT64 = range(-(2**63), 2**63)
_DECIMAL_MAX = 79228162514264337593543950335  # System.Decimal.MaxValue, 29 digits


def _number(raw: str, token: Token, text: str) -> Literal:
    """A number's Edm type as Microsoft's OData library reads it (odata.net, ExpressionLexer):
    a suffix names it (L Int64, M Decimal, D/F Double); without one, Int32, else Int64, else
    Decimal when the digits need its precision (MakeBestGuessOnNoSuffixStr), else Double. A
    number none of them holds is refused, as the library refuses it."""
    suffix = raw[-1].lower() if raw[-1] in "mMdDfFlL" else ""
    body = raw[:-1] if suffix else raw
    integral = re.fullmatch(r"-?\d+", body) is not None
    # len() first: Python refuses int() of more than 4,300 digits (CVE-2020-10735).
    value = int(body) if integral and len(body) <= 30 else None
    if suffix == "l":
        if value is None or value not in _INT64:
            raise query_error(
                f"Unrecognized 'Edm.Int64' literal '{raw}' at '{token.pos}' in '{text}'."
            )
        return Literal(value, "Edm.Int64")
    if value is not None and not suffix:
        if value in _INT32:
            return Literal(value, "Edm.Int32")
        if value in _INT64:
            return Literal(value, "Edm.Int64")
        if abs(value) <= _DECIMAL_MAX:
            return Literal(value, "Edm.Decimal")
    as_float = float(body)  # from text there is no digit limit: too large gives inf
    if math.isinf(as_float):
        # ExpressionLexer_InvalidNumericString (odata.net, Microsoft.OData.Core.txt).
        shown = raw if len(raw) <= 100 else raw[:100] + "…"
        raise query_error(f"Numeric string '{shown}' is not a valid Int32/Int64/Double/Decimal.")
    if suffix == "m" or (not suffix and not integral):
        # The emulator compares decimals as floats; a whole number keeps its exact value.
        return Literal(value if value is not None else as_float, "Edm.Decimal")
    return Literal(as_float, "Edm.Double")


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0

    def _peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _error(self) -> ODataError:
        token = self._peek()
        return syntax_error(token.pos if token else len(self.text), self.text)

    def _take(self, kind: str) -> Token:
        token = self._peek()
        if token is None or token.kind != kind:
            raise self._error()
        self.index += 1
        return token

    def _is_word(self, word: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "name" and token.text == word

    def or_expr(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise query_error("The $filter expression is nested too deeply.")
        node = self.and_expr(depth)
        while self._is_word("or"):
            self.index += 1
            node = BoolOp("or", node, self.and_expr(depth))
        return node

    def and_expr(self, depth: int) -> Node:
        node = self.unary(depth)
        while self._is_word("and"):
            self.index += 1
            node = BoolOp("and", node, self.unary(depth))
        return node

    def unary(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise query_error("The $filter expression is nested too deeply.")
        if self._is_word("not"):
            self.index += 1
            return Not(self.unary(depth + 1))
        return self.primary(depth)

    def primary(self, depth: int) -> Node:
        token = self._peek()
        if token is None:
            raise self._error()
        if token.kind == "lparen":
            self.index += 1
            node = self.or_expr(depth + 1)
            self._take("rparen")
            return node
        if token.kind == "name" and token.text in FUNCTIONS:
            nxt = self.tokens[self.index + 1] if self.index + 1 < len(self.tokens) else None
            if nxt is not None and nxt.kind == "lparen":
                self.index += 2
                first = self.operand()
                self._take("comma")
                second = self.operand()
                self._take("rparen")
                return Function(token.text, (first, second))
        left = self.operand()
        op = self._peek()
        if op is not None and op.kind == "name" and op.text in COMPARISONS:
            self.index += 1
            return Compare(op.text, left, self.operand())
        if isinstance(left, Path):
            return BoolPath(left)
        raise self._error()

    def operand(self) -> Operand:
        token = self._peek()
        if token is None:
            raise self._error()
        self.index += 1
        if token.kind == "name":
            if token.text in ("true", "false"):
                return Literal(token.text == "true", "Edm.Boolean")
            if token.text == "null":
                return Literal(None, "null")
            if token.text in COMPARISONS or token.text in ("and", "or", "not"):
                self.index -= 1
                raise self._error()
            return Path(tuple(token.text.split("/")))
        if token.kind in ("string", "guid", "datetime", "date", "number", "enum"):
            return _literal(token, self.text)
        self.index -= 1
        raise self._error()
