"""Text to graph: the Lark LALR parser calls :class:`Builder` as it reduces, so no tree is built.

Lark is imported only here, and only when a program is not in the cache (see ``cache.py``).
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lark import Lark, Token
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from .errors import ExpressionError, FunctionError, NameUseError, line_column
from .graph import Graph, finish
from .ops import CONSTANTS, FUNCTIONS

if TYPE_CHECKING:
    Item = tuple[int, int, int]
    """A parsed piece of source: (node id, start offset, end offset)."""

GRAMMAR_FILE = "expr.lark"


def grammar_text() -> str:
    """The grammar, from the installed package or, in a source checkout, from ``grammars/``."""
    packaged = resources.files("backprop_cli").joinpath("grammars", GRAMMAR_FILE)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).parent.parent / "grammars" / GRAMMAR_FILE).read_text(encoding="utf-8")


class _Lexer(Lexer):
    """All of the grammar's terminals in one regular expression, matched with ``finditer``.

    Lexing is most of a long expression's parse, and this is ~20% faster on one than Lark's
    per-token matching loop. Inside parentheses a newline continues the line, as in Python.
    """

    def __init__(self, conf: Any) -> None:
        # Lark's own order: priority first, then the longest possible match.
        terminals = sorted(
            conf.terminals, key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name)
        )
        self.regex = re.compile("|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terminals))
        self.ignore = frozenset(conf.ignore)

    def lex(self, text: str) -> Iterator[Token]:  # type: ignore[override]
        pos = depth = 0
        for match in self.regex.finditer(text):
            start, kind = match.start(), match.lastgroup or ""
            if start != pos:
                break
            pos = match.end()
            if kind in self.ignore or (kind == "_NL" and depth):
                continue
            if kind == "LPAR":
                depth += 1
            elif kind == "RPAR":
                depth = max(0, depth - 1)
            yield Token(kind, match.group(), start_pos=start, end_pos=pos)
        if pos != len(text):
            raise ExpressionError(f"unexpected character {text[pos]!r}", text, (pos, pos + 1))


class Builder:
    """Parser callbacks that grow the graph's node lists as the parser reduces."""

    def __init__(self, source: str) -> None:
        self.reset(source)

    def reset(self, source: str) -> None:
        """Start a new program (the parser is built once, with one builder)."""
        self.source = source
        self.ops: list[str] = []
        self.args: list[tuple[int, ...]] = []
        self.names: list[str | None] = []
        self.consts: list[float | None] = []
        self.spans: list[tuple[int, int]] = []
        self.variables: dict[str, int] = {}
        self.assigned: dict[str, tuple[int, int]] = {}
        """Name -> (node id, offset of the assignment)."""
        self.statements: list[tuple[str | None, int, tuple[int, int]]] = []

    def where(self, offset: int) -> str:
        line, column = line_column(self.source, offset)
        return f"line {line}, column {column}"

    def error(self, message: str, start: int, end: int, kind: type[ExpressionError] = NameUseError) -> ExpressionError:
        return kind(message, self.source, (start, end))

    def node(
        self,
        op: str,
        args: tuple[int, ...],
        start: int,
        end: int,
        name: str | None = None,
        const: float | None = None,
    ) -> Item:
        self.ops.append(op)
        self.args.append(args)
        self.names.append(name)
        self.consts.append(const)
        self.spans.append((start, end))
        return (len(self.ops) - 1, start, end)

    # Leaves ------------------------------------------------------------------------------------

    def number(self, c: list[Token]) -> Item:
        tok = c[0]
        assert tok.start_pos is not None and tok.end_pos is not None
        value = float(tok)
        if not math.isfinite(value):
            raise self.error(
                f"the number {tok} is too large for a float64", tok.start_pos, tok.end_pos, ExpressionError
            )
        return self.node("const", (), tok.start_pos, tok.end_pos, const=value)

    def name(self, c: list[Token]) -> Item:
        tok = c[0]
        assert tok.start_pos is not None and tok.end_pos is not None
        start, end, name = tok.start_pos, tok.end_pos, str(tok)
        if name in self.assigned:
            return (self.assigned[name][0], start, end)
        if name in CONSTANTS:
            return self.node("const", (), start, end, const=CONSTANTS[name])
        if name in FUNCTIONS:
            raise self.error(f"'{name}' is a function: call it as {name}(...)", start, end)
        if name not in self.variables:
            self.variables[name] = self.node("var", (), start, end, name=name)[0]
        return (self.variables[name], start, end)

    # Operations ------------------------------------------------------------------------------

    def _binary(self, op: str, a: Item, b: Item) -> Item:
        return self.node(op, (a[0], b[0]), a[1], b[2])

    # Binary operators get [left, operator token, right].
    def add(self, c: list[Any]) -> Item:
        return self._binary("add", c[0], c[2])

    def sub(self, c: list[Any]) -> Item:
        return self._binary("sub", c[0], c[2])

    def mul(self, c: list[Any]) -> Item:
        return self._binary("mul", c[0], c[2])

    def div(self, c: list[Any]) -> Item:
        return self._binary("div", c[0], c[2])

    def pow(self, c: list[Any]) -> Item:
        return self._binary("pow", c[0], c[2])

    def neg(self, c: list[Any]) -> Item:
        minus, a = c
        return self.node("neg", (a[0],), minus.start_pos, a[2])

    def pos(self, c: list[Any]) -> Item:
        plus, a = c
        return (a[0], plus.start_pos, a[2])

    def group(self, c: list[Any]) -> Item:
        lpar, a, rpar = c
        return (a[0], lpar.start_pos, rpar.end_pos)

    def arguments(self, c: list[Item]) -> list[Item]:
        return c

    def call(self, c: list[Any]) -> Item:
        tok, _, items, rpar = c
        assert tok.start_pos is not None and tok.end_pos is not None and rpar.end_pos is not None
        name = str(tok)
        op = FUNCTIONS.get(name)
        if op is None:
            close = difflib.get_close_matches(name, FUNCTIONS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            known = ", ".join(sorted(FUNCTIONS))
            raise self.error(
                f"unknown function '{name}'{hint}; the functions are: {known}",
                tok.start_pos,
                tok.end_pos,
                FunctionError,
            )
        if len(items) != op.arity:
            plural = "s" if op.arity != 1 else ""
            raise self.error(
                f"{name}() takes {op.arity} argument{plural}, got {len(items)}",
                tok.start_pos,
                rpar.end_pos,
                FunctionError,
            )
        return self.node(op.name, tuple(a[0] for a in items), tok.start_pos, rpar.end_pos)

    # Statements ------------------------------------------------------------------------------

    def assign(self, c: list[Any]) -> None:
        tok, a = c
        assert tok.start_pos is not None and tok.end_pos is not None
        name, start, end = str(tok), tok.start_pos, tok.end_pos
        if name in CONSTANTS:
            raise self.error(f"'{name}' is a constant and cannot be assigned", start, end)
        if name in FUNCTIONS:
            raise self.error(f"'{name}' is a function and cannot be assigned", start, end)
        if name in self.assigned:
            first = self.where(self.assigned[name][1])
            raise self.error(f"'{name}' is assigned twice (first at {first}); a name is assigned only once", start, end)
        if name in self.variables:
            used = self.where(self.spans[self.variables[name]][0])
            raise self.error(
                f"'{name}' is used (at {used}) before it is assigned; assign a name before its first use", start, end
            )
        node = a[0]
        if self.names[node] is not None:
            # `q = x` or `q = p` (variables are named too): q is a node of its own, a copy.
            node = self.node("copy", (node,), a[1], a[2])[0]
        self.names[node] = name
        self.assigned[name] = (node, start)
        self.statements.append((name, node, (start, a[2])))

    def output(self, c: list[Item]) -> None:
        a = c[0]
        self.statements.append((None, a[0], (a[1], a[2])))

    def start(self, c: list[None]) -> None:
        return None

    def graph(self) -> Graph:
        if not self.statements:
            raise ExpressionError("the expression is empty", self.source, (0, 0))
        output = self.statements[-1][1]
        return finish(
            self.source,
            self.ops,
            self.args,
            self.names,
            self.consts,
            self.spans,
            output,
            self.statements,
        )


_parser: tuple[Lark, Builder] | None = None


def _cache_file() -> str | bool:
    from .cache import cache_dir

    directory = cache_dir()
    return False if directory is None else os.path.join(directory, "grammar.lark-cache")


def _get_parser() -> tuple[Lark, Builder]:
    global _parser
    if _parser is None:
        # Lark logs, and does not raise, when its cache file cannot be written: stay quiet.
        logging.getLogger("lark").setLevel(logging.CRITICAL)
        builder = Builder("")
        lark = Lark(
            grammar_text(),
            parser="lalr",
            lexer=_Lexer,
            transformer=builder,
            cache=_cache_file(),
            maybe_placeholders=False,
        )
        _parser = (lark, builder)
    return _parser


def parse(source: str) -> Graph:
    """Parse a program into its graph, or raise :class:`ExpressionError` pointing at the problem."""
    lark, builder = _get_parser()
    builder.reset(source)
    try:
        lark.parse(source)
        return builder.graph()
    except UnexpectedInput as exc:
        raise _syntax_error(source, exc) from None
    finally:
        builder.reset("")


# Syntax errors in plain words ----------------------------------------------------------------

_WORDS = {
    "NUMBER": "a number",
    "NAME": "a name",
    "LPAR": "'('",
    "RPAR": "')'",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "POW": "'^'",
    "EQUAL": "'='",
    "COMMA": "','",
    "SEMICOLON": "';'",
    "_NL": "a new line",
    "$END": "the end of the expression",
}
_OPERAND = {"NUMBER", "NAME", "LPAR", "MINUS", "PLUS"}
_OPERATOR = {"PLUS", "MINUS", "STAR", "SLASH", "POW"}


def _expected(names: set[str]) -> str:
    parts = []
    rest = set(names)
    if names >= _OPERAND:
        parts.append("a number, a name or '('")
        rest -= _OPERAND
    if names >= _OPERATOR:
        parts.append("an operator (+ - * / ^)")
        rest -= _OPERATOR
    parts += sorted(_WORDS.get(n, n) for n in rest if not n.startswith("__") and n != "_NL")
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " or " + parts[-1]
    return parts[0] if parts else "something else"


def _syntax_error(source: str, exc: UnexpectedInput) -> ExpressionError:
    start = exc.pos_in_stream if exc.pos_in_stream is not None else len(source)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = _expected(set(exc.accepts or exc.expected))
        if token.type == "$END":
            start = len(source.rstrip())
            return ExpressionError(f"unexpected end of the expression; expected {expected}", source, (start, start + 1))
        end = token.end_pos if token.end_pos is not None else start + 1
        if token.type == "_NL":
            message = f"unexpected end of the line; expected {expected}"
            message += " (inside parentheses an expression can go on to the next line)"
        else:
            message = f"unexpected {str(token)!r}; expected {expected}"
        if token.type == "EQUAL":
            message += " (only a name can be assigned, as in: q = x + y)"
        return ExpressionError(message, source, (start, end))
    if isinstance(exc, UnexpectedEOF):
        start = len(source.rstrip())
        return ExpressionError("unexpected end of the expression", source, (start, start + 1))
    return ExpressionError(str(exc), source, (start, start + 1))
