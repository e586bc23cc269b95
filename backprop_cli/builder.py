"""Parser callbacks that build the graph as the LALR parser reduces: no parse tree, no recursion."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ExpressionError, FunctionError, NameUseError, line_column
from .graph import Const, Graph, finish, new_columns
from .ops import CONSTANTS, FUNCTIONS, OVERLOADS, RULE_FUNCTIONS, Op
from .shapes import words

SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")

if TYPE_CHECKING:
    from collections.abc import Callable

    Item = tuple[int, int, int]
    """A parsed piece of source: (node id, start offset, end offset)."""


RULES = FUNCTIONS | RULE_FUNCTIONS
"""What a gradient rule of the op table may call (``axis`` is a name there)."""


@dataclass(frozen=True, slots=True)
class _Keyword:
    """``axis=0`` in a call."""

    name: str
    value: float
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Array:
    """An array literal (or one of its rows) while it is being parsed."""

    data: tuple[Any, ...]
    shape: tuple[int, ...]
    start: int
    end: int


def _binary(op: str) -> Callable[[Builder, list[Any]], Item]:
    """The callback of a binary operator: its children are [left, operator token, right]."""

    def callback(self: Builder, c: list[Any]) -> Item:
        a, _, b = c
        return self.node(op, (a[0], b[0]), a[1], b[2])

    return callback


class Builder:
    """Parser callbacks that grow one program's graph as the parser reduces (one builder a parse).

    A token is read as the ``re.Match`` that found it (``group()``, ``start()``, ``end()``): the
    fast path hands over the matches themselves, the reference path Lark's tokens in
    :class:`~backprop_cli.parse.LarkToken`.
    """

    def __init__(self, source: str, functions: dict[str, Op] = FUNCTIONS) -> None:
        self.source = source
        self.functions = functions
        """What the program may call: FUNCTIONS, or RULES for a gradient rule of the op table."""
        self.columns = new_columns()
        self.ops: list[str] = self.columns["ops"]
        self.args: list[tuple[int, ...]] = self.columns["args"]
        self.names: list[str | None] = self.columns["names"]
        self.consts: list[Const | None] = self.columns["consts"]
        self.spans: list[tuple[int, int]] = self.columns["spans"]
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
        const: Const | None = None,
    ) -> Item:
        self.ops.append(op)
        self.args.append(args)
        self.names.append(name)
        self.consts.append(const)
        self.spans.append((start, end))
        return (len(self.ops) - 1, start, end)

    # Leaves ------------------------------------------------------------------------------------

    def _float(self, tok: Any) -> float:
        value = float(tok.group())
        if not math.isfinite(value):
            raise self.error(
                f"the number {tok.group()} is too large for a float64", tok.start(), tok.end(), ExpressionError
            )
        return value

    def number(self, c: list[Any]) -> Item:
        tok = c[0]
        return self.node("const", (), tok.start(), tok.end(), const=self._float(tok))

    def name(self, c: list[Any]) -> Item:
        tok = c[0]
        start, end, name = tok.start(), tok.end(), tok.group()
        if name in self.assigned:
            return (self.assigned[name][0], start, end)
        if name in CONSTANTS:
            return self.node("const", (), start, end, const=CONSTANTS[name])
        if name in self.functions:
            raise self.error(f"'{name}' is a function: call it as {name}(...)", start, end)
        if name not in self.variables:
            self.variables[name] = self.node("var", (), start, end, name=name)[0]
        return (self.variables[name], start, end)

    # Operations ------------------------------------------------------------------------------

    # Binary operators get [left, operator token, right].
    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")
    pow = _binary("pow")

    def superscript_pow(self, c: list[Any]) -> Item:
        """``x²`` is ``x^2``: the superscript is the exponent, a literal."""
        base, tok = c
        exponent = float(tok.group().translate(SUPERSCRIPT_DIGITS))
        power = self.node("const", (), tok.start(), tok.end(), const=exponent)
        return self.node("pow", (base[0], power[0]), base[1], tok.end())

    def neg(self, c: list[Any]) -> Item:
        minus, a = c
        return self.node("neg", (a[0],), minus.start(), a[2])

    def pos(self, c: list[Any]) -> Item:
        plus, a = c
        return (a[0], plus.start(), a[2])

    def group(self, c: list[Any]) -> Item:
        lpar, a, rpar = c
        return (a[0], lpar.start(), rpar.end())

    def arguments(self, c: list[Any]) -> list[Any]:
        return c

    def call(self, c: list[Any]) -> Item:
        tok, _, given, rpar = c
        name = tok.group()
        op = OVERLOADS.get((name, len(given))) or self.functions.get(name)
        if op is not None and not op.axis and len(given) == op.arity and _Keyword not in map(type, given):
            return self.node(op.name, tuple([a[0] for a in given]), tok.start(), rpar.end())  # the common case
        items: list[Item] = [a for a in given if not isinstance(a, _Keyword)]
        keywords = [a for a in given if isinstance(a, _Keyword)]
        op = OVERLOADS.get((name, len(items))) or self.functions.get(name)
        if op is None:
            # difflib indexes every character of the name: only for a name a person could mistype.
            close = difflib.get_close_matches(name, FUNCTIONS, n=1) if len(name) <= 64 else []
            hint = f" (did you mean {close[0]}?)" if close else ""
            known = ", ".join(sorted(FUNCTIONS))
            raise self.error(
                f"unknown function '{name}'{hint}; the functions are: {known}",
                tok.start(),
                tok.end(),
                FunctionError,
            )
        for keyword in keywords:
            if keyword.name != "axis" or not op.axis:
                takes = "takes no keyword arguments" if not op.axis else "takes only axis=..."
                raise self.error(f"{name}() {takes}", keyword.start, keyword.end, FunctionError)
        rule_axis = None
        if op.axis and len(items) == op.arity + 1 and not keywords:
            *items, axis = items  # sum(A, 0): the axis by position
            if self.functions is RULES and self.names[axis[0]] == "axis":
                rule_axis = axis[0]  # a gradient rule's axis is a name, bound when it is evaluated
            else:
                keywords = [self._axis(axis)]
        if len(items) != op.arity or len(keywords) > 1:
            plural = "s" if op.arity != 1 else ""
            also = " and optionally axis=k" if op.axis else ""
            raise self.error(
                f"{name}() takes {op.arity} argument{plural}{also}, got {len(items) + len(keywords)}",
                tok.start(),
                rpar.end(),
                FunctionError,
            )
        args = [a[0] for a in items] + ([] if rule_axis is None else [rule_axis])
        for keyword in keywords:
            args.append(self.node("const", (), keyword.start, keyword.end, const=keyword.value)[0])
        return self.node(op.name, tuple(args), tok.start(), rpar.end())

    def _axis(self, item: Item) -> _Keyword:
        """An axis given by position: a whole-number literal, perhaps negative."""
        node, start, end = item
        op, args = self.ops[node], self.args[node]
        if op == "neg" and self.ops[args[0]] == "const":
            value = self.consts[args[0]]
            value = -value if isinstance(value, float) else None
        else:
            value = self.consts[node] if op == "const" else None
        if not isinstance(value, float) or not value.is_integer():
            raise self.error("the axis must be a whole number written out, as in sum(A, 0)", start, end, FunctionError)
        return _Keyword("axis", value, start, end)

    def keyword(self, c: list[Any]) -> _Keyword:
        tok, (value, _, end) = c
        if not value.is_integer():
            raise self.error(f"{tok.group()}= takes a whole number", tok.start(), end, FunctionError)
        return _Keyword(tok.group(), value, tok.start(), end)

    # Arrays ----------------------------------------------------------------------------------

    matmul = _binary("matmul")

    def index(self, c: list[Any]) -> Item:
        a, _, y, rsqb = c
        return self.node("pick", (a[0], y[0]), a[1], rsqb.end())

    def transposed(self, c: list[Any]) -> Item:
        a, tok = c
        return self.node("transpose", (a[0],), a[1], tok.end())

    def signed(self, c: list[Any]) -> tuple[float, int, int]:
        tok = c[-1]
        value = self._float(tok)
        return (-value if len(c) == 2 else value, c[0].start(), tok.end())

    def array(self, c: list[Any]) -> _Array:
        lsqb, *elements, rsqb = c
        rows: list[Any] = []
        for e in elements:
            if isinstance(e, _Array):
                rows.append(e)
            else:
                rows.append(e[0])
        kinds = {isinstance(r, _Array) for r in rows}
        if len(kinds) > 1:
            raise self.error("an array literal mixes numbers and lists", lsqb.start(), rsqb.end(), ExpressionError)
        if kinds == {True}:
            lengths = [r.shape for r in rows]
            if any(s != lengths[0] for s in lengths):
                bad = next(r for r in rows if r.shape != lengths[0])
                raise self.error(
                    f"the rows of an array literal must have one shape: this one is "
                    f"{words(bad.shape)}, the first is {words(lengths[0])}",
                    bad.start,
                    bad.end,
                    ExpressionError,
                )
            return _Array(tuple(r.data for r in rows), (len(rows), *lengths[0]), lsqb.start(), rsqb.end())
        return _Array(tuple(rows), (len(rows),), lsqb.start(), rsqb.end())

    def literal(self, c: list[_Array]) -> Item:
        a = c[0]
        return self.node("const", (), a.start, a.end, const=a.data)

    # Statements ------------------------------------------------------------------------------

    def assign(self, c: list[Any]) -> None:
        tok, a = c
        name, start, end = tok.group(), tok.start(), tok.end()
        if name in CONSTANTS:
            raise self.error(f"'{name}' is a constant and cannot be assigned", start, end)
        if name in self.functions:
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
        """The program's graph, once the parser has reduced its last statement."""
        if not self.statements:
            raise ExpressionError("the expression is empty", self.source, (0, 0))
        return finish(self.source, self.columns, self.statements)
