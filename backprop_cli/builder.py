"""Parser callbacks that build the graph as the LALR parser reduces: no parse tree, no recursion."""

from __future__ import annotations

import difflib
import math
from typing import TYPE_CHECKING, Any

from .errors import ExpressionError, FunctionError, NameUseError, line_column
from .graph import Graph, finish, new_columns
from .ops import CONSTANTS, FUNCTIONS

if TYPE_CHECKING:
    Item = tuple[int, int, int]
    """A parsed piece of source: (node id, start offset, end offset)."""


class Builder:
    """Parser callbacks that grow one program's graph as the parser reduces (one builder a parse).

    Tokens are anything with ``type``, ``value``, ``start_pos`` and ``end_pos``: Lark's own, or
    :class:`~backprop_cli.lalr.Token`.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.columns = new_columns()
        self.ops: list[str] = self.columns["ops"]
        self.args: list[tuple[int, ...]] = self.columns["args"]
        self.names: list[str | None] = self.columns["names"]
        self.consts: list[float | None] = self.columns["consts"]
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
        const: float | None = None,
    ) -> Item:
        self.ops.append(op)
        self.args.append(args)
        self.names.append(name)
        self.consts.append(const)
        self.spans.append((start, end))
        return (len(self.ops) - 1, start, end)

    # Leaves ------------------------------------------------------------------------------------

    def number(self, c: list[Any]) -> Item:
        tok = c[0]
        value = float(tok.value)
        if not math.isfinite(value):
            raise self.error(
                f"the number {tok.value} is too large for a float64", tok.start_pos, tok.end_pos, ExpressionError
            )
        return self.node("const", (), tok.start_pos, tok.end_pos, const=value)

    def name(self, c: list[Any]) -> Item:
        tok = c[0]
        start, end, name = tok.start_pos, tok.end_pos, tok.value
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
        name = tok.value
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
        name, start, end = tok.value, tok.start_pos, tok.end_pos
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
        """The program's graph, once the parser has reduced its last statement."""
        if not self.statements:
            raise ExpressionError("the expression is empty", self.source, (0, 0))
        return finish(self.source, self.columns, self.statements)
