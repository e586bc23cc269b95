"""How formulas are written: Unicode (∂, ×, σ), plain ASCII, or LaTeX.

The op table writes each op's notation in Unicode with ``{0}``, ``{1}`` for its inputs, and each local
derivative in the expression language in ``a``, ``b`` and ``out``. A :class:`Style` turns both into
text of its own kind and fills in labels or numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..engine import Evaluation
from ..formatting import number
from ..ops import OPS
from . import symbols
from .symbols import Symbols

_PLACEHOLDER = re.compile(r"\{(\d|out)\}")
_OPERAND_NAME = re.compile(r"\b(a|b|out)\b")
_GREEK = {"θ": r"\theta", "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "λ": r"\lambda"}


def local_template(text: str) -> str:
    """``b * a^(b - 1)`` -> ``{1} * {0}^({1} - 1)``."""
    return _OPERAND_NAME.sub(lambda m: {"a": "{0}", "b": "{1}", "out": "{out}"}[m.group(1)], text)


@dataclass(frozen=True)
class Style(Symbols):
    """Symbols and translations of one kind of output."""

    name: str = "unicode"
    replacements: tuple[tuple[str, str], ...] = ()
    """Applied to templates (never to filled-in labels or numbers)."""
    regex_replacements: tuple[tuple[str, str], ...] = field(default=())

    def template(self, text: str) -> str:
        for old, new in self.replacements:
            text = text.replace(old, new)
        for pattern, new in self.regex_replacements:
            text = re.sub(pattern, new, text)
        return text

    def label(self, name: str) -> str:
        return name

    def derivative(self, num: str, den: str) -> str:
        """∂num/∂den."""
        return f"{self.partial}{self.label(num)}/{self.partial}{self.label(den)}"

    def dot(self, name: str) -> str:
        """The tangent of a node in forward mode: q̇ (q' in ASCII)."""
        return self.label(name) + self.tangent

    def fill(self, template: str, refs: list[str], out: str = "") -> str:
        """Put refs into a template, in parentheses where a negative number would be misread."""
        template = self.template(template)

        def ref(m: re.Match[str]) -> str:
            text = out if m.group(1) == "out" else refs[int(m.group(1))]
            before = template[: m.start()].rstrip()
            after = template[m.end() :].lstrip()
            if text.startswith("-") and (before.endswith(("-", "−", "^", "{")) or after.startswith("^")):
                return f"({text})"
            return text

        return _PLACEHOLDER.sub(ref, template)


class LatexStyle(Style):
    def label(self, name: str) -> str:
        name = "".join(_GREEK.get(c, c) for c in name)
        if len(name) == 1 or name.startswith("\\"):
            return name
        return r"\mathit{" + name.replace("_", r"\_") + "}"

    def derivative(self, num: str, den: str) -> str:
        return rf"\frac{{\partial {self.label(num)}}}{{\partial {self.label(den)}}}"

    def dot(self, name: str) -> str:
        return rf"\dot{{{self.label(name)}}}"


UNICODE = Style(**vars(symbols.UNICODE), name="unicode", replacements=((" * ", " × "), ("-", "−")))
ASCII = Style(
    **vars(symbols.ASCII),
    name="ascii",
    replacements=(("×", "*"), ("−", "-"), ("σ(", "sigmoid("), ("|{0}|", "abs({0})")),
)
_LATEX_FUNCTIONS = tuple(
    (f"{name}(", rf"\{name}(") for name in ("exp", "log", "sin", "cos", "tanh", "tan", "max", "min")
)
LATEX = LatexStyle(
    name="latex",
    ascii=True,
    partial=r"\partial",
    times=r"\times",
    cdot=r"\cdot",
    arrow=r"\leftarrow",
    replacements=(
        ("×", r"\times"),
        (" * ", r" \times "),
        ("−", "-"),
        ("σ(", r"\sigma("),
        ("relu(", r"\operatorname{relu}("),
        ("sign(", r"\operatorname{sign}("),
        *_LATEX_FUNCTIONS,
    ),
    regex_replacements=(
        (r"sqrt\((\{\d\})\)", r"\\sqrt{\1}"),
        (r"\^\(([^()]*)\)", r"^{(\1)}"),
        (r"\^(\{(?:\d|out)\}|\d+)", r"^{\1}"),
    ),
)


class Refs:
    """How a node is referred to in formulas: by label, or by its literal text for a constant leaf."""

    def __init__(self, ev: Evaluation, style: Style, digits: int) -> None:
        self.ev, self.style, self.digits = ev, style, digits

    def is_literal(self, i: int) -> bool:
        g = self.ev.graph
        return OPS[g.ops[i]].arity == 0 and g.consts[i] is not None

    def name(self, i: int) -> str:
        g = self.ev.graph
        if self.is_literal(i):
            text = g.expr(i)
            return r"\pi" if self.style.name == "latex" and text == "pi" else text
        return self.style.label(g.labels[i])

    def value(self, i: int) -> str:
        return number(self.ev.values[i], self.digits)

    def formula(self, i: int, values: bool = False) -> str:
        """Node i's operation on its inputs' names (or values)."""
        g = self.ev.graph
        refs = [self.value(j) if values else self.name(j) for j in g.args[i]]
        return self.style.fill(OPS[g.ops[i]].notation, refs)

    def local_formula(self, i: int, k: int) -> str:
        """∂node_i/∂(its k-th input) as a formula in the labels."""
        g = self.ev.graph
        refs = [self.name(j) for j in g.args[i]]
        return self.style.fill(local_template(OPS[g.ops[i]].local_text[k]), refs, out=self.name(i))
