"""Text to graph: Lark's LALR tables for ``grammars/expr.lark``, reduced into a :class:`Builder`.

The fast path (:mod:`backprop_cli.lalr`) runs Lark's own parse table in a short loop. Lark's own
parser (:func:`parse_with_lark`, with a post-lexer for newlines inside parentheses) is the
reference: it words every syntax error, and the tests check that both build the same graphs.
Each parse has its own builder, so parsing is re-entrant. Lark is imported only here, and only
when a program is not in the cache (see ``cache.py``), with the parse tables shipped in the package
(see ``tables.py``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import lalr
from .builder import RULES, Builder
from .errors import ExpressionError
from .graph import Graph
from .ops import FUNCTIONS, Op
from .tables import load as load_tables
from .tables import read_grammar_file

__all__ = ["RULES", "parse", "parse_with_lark"]

GRAMMAR_FILE = "expr.lark"


def grammar_text() -> str:
    """The grammar, from the installed package or, in a source checkout, from ``grammars/``."""
    text = read_grammar_file(GRAMMAR_FILE)
    if text is None:
        raise FileNotFoundError(GRAMMAR_FILE)
    return text


OPENING = ("LPAR", "LSQB")
CLOSING = ("RPAR", "RSQB")


class ParenNewlines:
    """Lark post-lexer: inside parentheses or brackets a newline continues the line, as in Python
    (the same idea as ``lark.indenter``)."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        for token in stream:
            if token.type == "_NL":
                if depth:
                    continue
            elif token.type in OPENING:
                depth += 1
            elif token.type in CLOSING and depth:
                depth -= 1
            yield token


LARK_OPTIONS: dict[str, Any] = {
    "parser": "lalr",
    "lexer": "basic",
    "postlex": ParenNewlines(),
    "maybe_placeholders": False,
}
"""How Lark builds the parser; the shipped parse tables are generated with these (see tables.py)."""


class LarkToken:
    """A Lark token read as the fast path reads its tokens, the ``re.Match`` that found each."""

    __slots__ = ("token",)

    def __init__(self, token: Token) -> None:
        self.token = token

    def group(self) -> str:
        return str(self.token)

    def start(self) -> int:
        return self.token.start_pos or 0

    def end(self) -> int:
        return self.token.end_pos or 0


class LarkCallbacks:
    """A builder's callbacks as Lark's parser calls them: each token handed over as a :class:`LarkToken`."""

    def __init__(self, builder: Builder) -> None:
        self.builder = builder

    def __getattr__(self, name: str) -> Callable[[list[Any]], Any]:
        callback = getattr(self.builder, name)

        def call(children: list[Any]) -> Any:
            return callback([LarkToken(c) if isinstance(c, Token) else c for c in children])

        return call


@functools.cache
def _lark() -> Lark:
    """Lark's parser, from the parse tables shipped in the package (never from a pickle), loaded once.

    It holds no transformer: each :func:`parse_with_lark` binds its own builder's callbacks to its
    own parser state, so the parser is shared and parsing stays re-entrant.
    """
    return load_tables(grammar_text(), LARK_OPTIONS)


@functools.cache
def _tables() -> lalr.Tables:
    return lalr.Tables.from_lark(_lark())


def parse(source: str, functions: dict[str, Op] = FUNCTIONS) -> Graph:
    """Parse a program into its graph, or raise :class:`ExpressionError` pointing at the problem.

    ``functions=RULES`` parses a gradient rule of the op table.
    """
    tables = _tables()
    builder = Builder(source, functions)
    try:
        lalr.run(tables, source, builder, "_NL", OPENING, CLOSING)
    except lalr.Rejected:
        # A syntax error or a character no terminal matches: Lark's own parser words it (what it
        # expected there), so there is one place for them. Tokens are lexed as they are needed, as
        # Lark does, so an error in a callback comes before a bad character after it in both.
        return parse_with_lark(source, functions)
    return builder.graph()


def parse_with_lark(source: str, functions: dict[str, Op] = FUNCTIONS) -> Graph:
    """The reference parse: Lark's own lexer and LALR parser, calling a :class:`Builder`."""
    lark = _lark()
    builder = Builder(source, functions)
    # Lark's parser, started on this text, with this call's callbacks in place of the tree builder's
    # (what Lark itself does to its own state to compute what a syntax error expected): loading the
    # parser with the builder as its transformer cost a few milliseconds a call.
    parser = lark.parse_interactive(source)
    callbacks = lark._parse_tree_builder.create_callback(LarkCallbacks(builder))  # type: ignore[no-untyped-call]
    parser.parser_state.parse_conf.callbacks = callbacks
    try:
        parser.resume_parse()  # type: ignore[no-untyped-call]
    except UnexpectedInput as exc:
        raise _syntax_error(source, exc) from None
    return builder.graph()


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
    "AT": "'@'",
    "LSQB": "'['",
    "RSQB": "']'",
    "TRANSPOSE": "'.T'",
    "EQUAL": "'='",
    "COMMA": "','",
    "SEMICOLON": "';'",
    "_NL": "a new line",
    "$END": "the end of the expression",
}
_OPERAND = {"NUMBER", "NAME", "LPAR", "MINUS", "PLUS"}
_OPERATOR = {"PLUS", "MINUS", "STAR", "SLASH", "POW"}
_QUIET = {"LSQB", "AT", "TRANSPOSE", "SUPERSCRIPT"}
"""Array syntax and superscript powers, left out of the words where an operand or an operator would do
(they are rarer)."""


def _expected(names: set[str]) -> str:
    parts = []
    rest = set(names)
    if names >= _OPERAND:
        parts.append("a number, a name or '('")
        rest -= _OPERAND | _QUIET
    if names >= _OPERATOR:
        parts.append("an operator (+ - * / ^)")
        rest -= _OPERATOR | _QUIET
    parts += sorted(_WORDS.get(n, n) for n in rest if not n.startswith("__") and n != "_NL")
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " or " + parts[-1]
    return parts[0] if parts else "something else"


CHARACTER_HINTS = {
    "÷": " (write / to divide)",
    "∕": " (write / to divide)",
    "⋅": " (write * to multiply)",
    "∙": " (write * to multiply)",
    "∗": " (write * to multiply)",
    "–": " (write - to subtract)",
    "—": " (write - to subtract)",
    "√": " (write sqrt(x) for a square root)",
    "∂": " (write the function itself: backprop computes its derivatives)",
    "|": " (write abs(x) for |x|)",
}
"""Characters people paste from other tools, and the spelling the language uses for them."""


def _multiplication_hint(source: str, start: int, token: str) -> str:
    """``2x`` -> " (write 2*x: ...)"; an operand right after another one is a missing ``*``."""
    before = re.search(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$", source[:start])
    if before is not None:
        operand = "(...)" if token == "(" else token
        return f" (write {before.group()}*{operand}: multiplication is written with '*')"
    return " (is a '*' missing? multiplication is written with '*', as in 2*x)"


def _syntax_error(source: str, exc: UnexpectedInput) -> ExpressionError:
    start = exc.pos_in_stream if exc.pos_in_stream is not None else len(source)
    if isinstance(exc, UnexpectedCharacters):
        char = source[start]
        hint = CHARACTER_HINTS.get(char, "")
        return ExpressionError(f"unexpected character {char!r}{hint}", source, (start, start + 1))
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
        elif token.type in ("NAME", "NUMBER", "LPAR") and "STAR" in (exc.accepts or exc.expected):
            message += _multiplication_hint(source, start, str(token))
        return ExpressionError(message, source, (start, end))
    if isinstance(exc, UnexpectedEOF):
        start = len(source.rstrip())
        return ExpressionError("unexpected end of the expression", source, (start, start + 1))
    return ExpressionError(str(exc), source, (start, start + 1))
