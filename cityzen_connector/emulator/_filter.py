"""``$filter``: a tokenizer and a recursive-descent parser producing a small AST.

Grammar (the subset Dataverse clients use; OData v4 URL conventions, section 5.1.1):

    or_expr   := and_expr ("or" and_expr)*
    and_expr  := unary ("and" unary)*
    unary     := "not" unary | primary
    primary   := "(" or_expr ")" | func | lambda | qfunc | operand (cmp_op operand)?
    func      := ("contains" | "startswith" | "endswith") "(" operand "," operand ")"
    lambda    := path "/" ("any" | "all") "(" [name ":" or_expr] ")"
    qfunc     := "Microsoft.Dynamics.CRM." name "(" [name "=" value ("," name "=" value)*] ")"
    value     := literal | alias | "[" [literal ("," literal)*] "]"
    operand   := literal | alias | path
    literal   := string | guid | number | date | datetime | enum | true | false | null
    enum      := qualified type name followed by a quoted member (``Microsoft.Dynamics.CRM.
                 OwnershipTypes'UserOwned'``): "Query table definitions using the Web API",
                 section "Use enum types in $filter operations"

Lambda operators and Dataverse query functions are described in "Filter rows using OData"
(Microsoft Learn, power-apps/developer/data-platform/webapi/query/filter-rows); parameter
aliases (``@p1``, given as their own query options) in "Use OData to query data". Errors are
``Syntax error at position N in '…'.`` as Microsoft's OData library reports them. The parser
only builds values; nothing of the input ever becomes SQL text (see ``_sql``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from cityzen_connector.emulator._error_catalogue import query_error, syntax_error
from cityzen_connector.emulator._errors import ODataError
from cityzen_connector.emulator._filter_ast import (
    ArrayLiteral,
    BoolOp,
    BoolPath,
    Compare,
    Function,
    Lambda,
    Node,
    Not,
    Operand,
    Path,
    QueryFunction,
    Value,
)
from cityzen_connector.emulator._literals import LITERAL_KINDS, Literal, Token, literal

__all__ = [  # the syntax tree is re-exported: callers import it from here
    "ArrayLiteral",
    "BoolOp",
    "BoolPath",
    "Compare",
    "Function",
    "Lambda",
    "Literal",
    "Node",
    "Not",
    "Operand",
    "Path",
    "QueryFunction",
    "Value",
    "parse_filter",
    "tokenize",
]

MAX_FILTER_LENGTH = 16_384
MAX_DEPTH = 64
COMPARISONS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
FUNCTIONS = frozenset({"contains", "startswith", "endswith"})
LAMBDAS = frozenset({"any", "all"})
NAMESPACE = "Microsoft.Dynamics.CRM."

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<dstring>"(?:[^"\\]|\\.)*")
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\w:]))
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?(?![\w.]))
  | (?P<enum>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+'(?:[^']|'')*')
  | (?P<qfunc>Microsoft\.Dynamics\.CRM\.[A-Za-z_][A-Za-z0-9_]*)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<alias>@[A-Za-z_][A-Za-z0-9_]*)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<lbracket>\[)
  | (?P<rbracket>\])
  | (?P<comma>,)
  | (?P<colon>:)
  | (?P<equals>=)
    """,
    re.VERBOSE,
)


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


def parse_filter(text: str, aliases: Mapping[str, str] | None = None) -> Node:
    """Parse ``text``; ``aliases`` are the request's ``@name`` query options."""
    if len(text) > MAX_FILTER_LENGTH:
        raise query_error(f"The $filter expression exceeds {MAX_FILTER_LENGTH} characters.")
    parser = _Parser(text, tokenize(text), dict(aliases or {}))
    node = parser.or_expr(0)
    parser.end()
    return node


class _Parser:
    def __init__(self, text: str, tokens: list[Token], aliases: dict[str, str]) -> None:
        self.text = text
        self.tokens = tokens
        self.aliases = aliases
        self.index = 0

    def _peek(self, ahead: int = 0) -> Token | None:
        at = self.index + ahead
        return self.tokens[at] if at < len(self.tokens) else None

    def _error(self) -> ODataError:
        token = self._peek()
        return syntax_error(token.pos if token else len(self.text), self.text)

    def _take(self, kind: str) -> Token:
        token = self._peek()
        if token is None or token.kind != kind:
            raise self._error()
        self.index += 1
        return token

    def _at(self, kind: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == kind

    def _is_word(self, word: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "name" and token.text == word

    def end(self) -> None:
        if self.index != len(self.tokens):
            raise syntax_error(self.tokens[self.index].pos, self.text)

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
        called = (nxt := self._peek(1)) is not None and nxt.kind == "lparen"
        if token.kind == "qfunc":
            return self.query_function(token)
        if token.kind == "name" and called and token.text in FUNCTIONS:
            self.index += 2
            first = self.operand()
            self._take("comma")
            second = self.operand()
            self._take("rparen")
            return Function(token.text, (first, second))
        parts = tuple(token.text.split("/"))
        if token.kind == "name" and called and len(parts) > 1 and parts[-1] in LAMBDAS:
            return self.lambda_(parts, depth)
        left = self.operand()
        op = self._peek()
        if op is not None and op.kind == "name" and op.text in COMPARISONS:
            self.index += 1
            return Compare(op.text, left, self.operand())
        if isinstance(left, Path):
            return BoolPath(left)
        raise self._error()

    def lambda_(self, parts: tuple[str, ...], depth: int) -> Lambda:
        self.index += 2  # the path and "("
        if self._at("rparen") and parts[-1] == "any":
            self.index += 1
            return Lambda("any", Path(parts[:-1]), None, None)
        variable = self._take("name")
        if "/" in variable.text:
            self.index -= 1
            raise self._error()
        self._take("colon")
        body = self.or_expr(depth + 1)
        self._take("rparen")
        return Lambda(parts[-1], Path(parts[:-1]), variable.text, body)

    def query_function(self, token: Token) -> QueryFunction:
        self.index += 1
        self._take("lparen")
        params: list[tuple[str, Value]] = []
        while not self._at("rparen"):
            if params:
                self._take("comma")
            name = self._take("name")
            self._take("equals")
            params.append((name.text, self.value()))
        self._take("rparen")
        return QueryFunction(token.text[len(NAMESPACE) :], tuple(params))

    def value(self) -> Value:
        token = self._peek()
        if token is not None and token.kind == "alias":
            self.index += 1
            found = self._alias(token, _Parser.value)
            if isinstance(found, Path):  # a value read by _Parser.value is never a path
                raise self._error()
            return found
        if token is not None and token.kind == "lbracket":
            self.index += 1
            items: list[Literal] = []
            while not self._at("rbracket"):
                if items:
                    self._take("comma")
                item = self._peek()
                if item is None or item.kind not in LITERAL_KINDS:
                    raise self._error()
                self.index += 1
                items.append(literal(item, self.text))
            self._take("rbracket")
            return ArrayLiteral(tuple(items))
        found = self.operand()
        if not isinstance(found, Literal):
            self.index -= 1
            raise self._error()
        return found

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
        if token.kind == "alias":
            found = self._alias(token, _Parser.operand)
            if isinstance(found, ArrayLiteral):
                raise query_error(f"The parameter alias {token.text} is not a single value.")
            return found
        if token.kind in LITERAL_KINDS:
            return literal(token, self.text)
        self.index -= 1
        raise self._error()

    def _alias(self, token: Token, read: Callable[[_Parser], Value | Path]) -> Value | Path:
        """A parameter alias's value, parsed on its own ("If the alias isn't assigned a value,
        it's assumed to be null": Use OData to query data)."""
        raw = self.aliases.get(token.text)
        if raw is None:
            return Literal(None, "null")
        inner = _Parser(raw, tokenize(raw), {})  # an alias's value names no other alias
        found = read(inner)
        inner.end()
        return found
