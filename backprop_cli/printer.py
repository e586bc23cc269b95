"""Printing formulas with precedence and minimal parentheses, in any style.

A :class:`Style` is a table of spellings (``styles.py`` has Unicode, ASCII, LaTeX, Python, NumPy
and JavaScript): the op table says how the language writes each op, and a style overrides what it
writes differently (``×`` for ``*``, ``\\frac{$0}{$1}`` for ``/``, ``np.sin($0)``...). The logic
that decides parentheses is here once, for every style, as SymPy's printers do it:

- an operand slot enclosed by brackets or commas in its template (``f($0, $1)``, ``\\frac{$0}{$1}``,
  ``|$0|``) needs no parentheses;
- otherwise the operand must bind at least as tightly as its slot needs (left operands of a
  left-associative operator: its own level; right operands: tighter), and a negative operand
  after an operator is always parenthesised: ``3 + (−4)``, ``2 × (−1)``, ``x^(−1)``, ``−(−x)``.

Printing walks the formula with an explicit stack, so depth is limited by memory only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .formula import Formula
from .ops import NEG, OPS, Spelling
from .symbols import Symbols

_OPEN = "({[,|"
_CLOSE = ")}],|"


def _exact(value: float) -> str:
    """A float at full precision, without a trailing ".0": ``-2``, ``0.1``, ``1e+300``."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True, kw_only=True)
class Style(Symbols):
    """The spellings of one kind of output, and (from :class:`Symbols`) the symbols its views write."""

    name: str
    spellings: Mapping[str, Spelling] = field(default_factory=dict)
    """Op name -> how this style writes it, where it differs from the language."""
    function_names: Mapping[str, str] = field(default_factory=dict)
    """Function op -> its name in this style (``sin`` -> ``math.sin``), where not ``function_format``'s."""
    function_format: str = "{}"
    """How other functions' names are written: ``"math.{}"``, ``"\\operatorname{{{}}}"``."""
    minus: str = "-"
    """The one minus sign of the style, in operators and numbers alike."""
    constants: Mapping[str, str] = field(default_factory=dict)
    """Named constant -> its spelling (``pi`` -> ``π``)."""
    parens: tuple[str, str] = ("(", ")")
    variable: Callable[[str], str] = str
    """How a variable's (or a node label's) name is written."""
    number: Callable[[float], str] | None = None
    """How a constant is written (code styles: ``repr``); default: exact, then :attr:`number_text`."""
    number_text: Callable[[str], str] | None = None
    """How a number written in ASCII (``-1.5e-05``) is respelled; default: the style's minus sign."""
    helpers: Mapping[str, str] = field(default_factory=dict)
    """Name -> source of a helper function that generated code in this style needs."""
    derivative_format: str = "{partial}{num}/{partial}{den}"
    dot_format: str = "{}'"
    axis_keyword: str = "axis="
    """What comes before an op's optional axis argument: ``sum(a, axis=0)``; "" for code that
    passes it by position."""

    def extend(self, name: str, **changes: object) -> Style:
        """A new style: this one with some fields replaced and ``spellings``/``function_names`` added to."""
        for key in ("spellings", "function_names", "constants", "helpers"):
            if key in changes:
                changes[key] = {**getattr(self, key), **changes[key]}  # type: ignore[dict-item]
        return replace(self, name=name, **changes)  # type: ignore[arg-type]

    def spelling(self, op: str, operands: int | None = None) -> Spelling:
        """How this style writes ``op``: its own spelling, the language's, or a function call. An op
        given its optional axis (one operand more than its arity) is written ``f(a, axis=k)``."""
        found = self.spellings.get(op) or OPS[op].spelling
        if found is None:
            name = self.function_names.get(op) or self.function_format.format(op)
            found = Spelling(f"{name}({', '.join(f'${k}' for k in range(OPS[op].arity))})")
        arity = OPS[op].arity
        if operands == arity + 1 and OPS[op].axis and found.template.endswith(")"):
            return found._replace(template=f"{found.template[:-1]}, {self.axis_keyword}${arity})")
        return found

    def format_number(self, value: float) -> str:
        return self.number(value) if self.number is not None else self.spell_number(_exact(value))

    def spell_number(self, text: str) -> str:
        """A number written in ASCII (``-1.5e-05``, as views format them), in this style."""
        if self.number_text is not None:
            return self.number_text(text)
        return text.replace("-", self.minus) if self.minus != "-" else text

    def label(self, name: str) -> str:
        return self.variable(name)

    def derivative(self, num: str, den: str) -> str:
        """∂num/∂den."""
        return self.derivative_format.format(partial=self.partial, num=self.label(num), den=self.label(den))

    def dot(self, name: str) -> str:
        """The tangent of a node in forward mode: q̇ (q' in ASCII)."""
        return self.dot_format.format(self.label(name))


Slot = tuple[int, int, int]
"""(operand index, the level it needs at least, whether an operator comes before it: NO, YES or
INHERIT, for a first operand, which follows whatever comes before its parent)."""
NO, YES, INHERIT = 0, 1, 2


@lru_cache(maxsize=512)
def _pieces(spelling: Spelling) -> tuple[str | Slot, ...]:
    """A template cut into text and operand slots, each slot with what it needs."""
    parts: list[str | Slot] = []
    text = spelling.template
    i = 0
    while i < len(text):
        j = text.find("$", i)
        if j < 0 or j + 1 >= len(text) or not text[j + 1].isdigit():
            parts.append(text[i:] if j < 0 else text[i : j + 1])
            i = len(text) if j < 0 else j + 1
            continue
        if j > i:
            parts.append(text[i:j])
        k = int(text[j + 1])
        before, after = text[:j].rstrip(), text[j + 2 :].lstrip()
        if before and after and before[-1] in _OPEN and after[0] in _CLOSE:
            parts.append((k, 0, NO))
        elif not before:
            parts.append((k, spelling.level + (spelling.assoc == "right"), INHERIT))
        else:
            parts.append((k, spelling.level + (spelling.assoc == "left"), YES))
        i = j + 2
    return tuple(parts)


def to_text(
    formula: Formula,
    style: Style,
    names: Mapping[str, str] | None = None,
    number: Callable[[float], str] | None = None,
    root: int | None = None,
    context: tuple[int, bool] = (0, False),
) -> str:
    """The formula (or its node ``root``) written in ``style``.

    ``names`` gives the text to write for some variables (written as is: an atom, unless it starts
    with a minus sign, when it is parenthesised like a negative number); ``number`` overrides how
    constants are written. ``context`` = (the level the text needs at least, whether an operator
    comes before it) writes it as an operand: ``(SUM + 1, True)`` is a term after ``+``.
    """
    return "".join(text for text, _ in to_pieces(formula, style, names, number, root, context))


def to_pieces(
    formula: Formula,
    style: Style,
    names: Mapping[str, str] | None = None,
    number: Callable[[float], str] | None = None,
    root: int | None = None,
    context: tuple[int, bool] = (0, False),
) -> list[tuple[str, str | None]]:
    """As :func:`to_text`, in pieces: ``(text, variable name)`` for each variable, ``(text, None)``
    for the rest, so that a view can colour the variables it substituted."""
    names = names or {}
    fmt = number or style.format_number
    open_, close = style.parens
    out: list[tuple[str, str | None]] = []
    stack: list[str | tuple[int, int, bool]] = [(formula.root if root is None else root, *context)]

    def leaf(text: str, var: str | None, need: int, after_op: bool) -> None:
        if text.startswith((style.minus, "-")) and (after_op or need > NEG):
            out.extend([(open_, None), (text, var), (close, None)])
        else:
            out.append((text, var))

    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append((item, None))
            continue
        i, need, after_op = item
        op = formula.ops[i]
        if op == "var":
            name = formula.names[i] or ""
            leaf(names[name] if name in names else style.variable(name), name, need, after_op)
            continue
        if op == "const":
            const_name = formula.names[i]
            if const_name is not None:
                leaf(style.constants.get(const_name, const_name), None, need, after_op)
            else:
                leaf(fmt(formula.consts[i] or 0.0), None, need, after_op)
            continue
        spelling = style.spelling(op, len(formula.args[i]))
        pieces = _pieces(spelling)
        if len(pieces) == 1 and not isinstance(pieces[0], str):
            # A template of its operand alone (a copy): the operand takes the slot's place.
            stack.append((formula.args[i][0], need, after_op))
            continue
        paren = spelling.level < need or (after_op and spelling.level == NEG)
        if paren:
            stack.append(close)
        for piece in reversed(pieces):
            if isinstance(piece, str):
                stack.append(piece)
            else:
                k, slot_need, slot_after = piece
                after = (after_op and not paren) if slot_after == INHERIT else slot_after == YES
                stack.append((formula.args[i][k], slot_need, after))
        if paren:
            stack.append(open_)
    return out


def spell(op: str, operands: Sequence[str], style: Style) -> str:
    """``op`` applied to operands given as text (each written as an atom): ``(2×3) @ (4)``."""
    from .formula import Builder

    b = Builder()
    names = {f"${k}": text for k, text in enumerate(operands)}
    return to_text(b.build(b.node(op, *(b.var(name) for name in names))), style, names)


def symbol(op: str, style: Style) -> str:
    """What a gate shows in a circuit picture: ``+``, ``×``, ``exp``, ``σ``; its name otherwise."""
    text = "".join(p for p in _pieces(style.spelling(op)) if isinstance(p, str)).strip(" (),")
    return text if text and text != "||" else op
