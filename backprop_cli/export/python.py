"""``backprop export --to python``: the staged passes as a plain Python function (only ``math``).

The function takes the inputs (in order of first use) and returns ``(value, {"x": df/dx, ...})``.
Its body is the notes' staged computation: the forward pass one operation per line, then the
backward pass, ``dq = ...`` and ``dx += ...`` at forks. Where ``backprop eval`` reports a math error
the function raises: Python's own ``ValueError``, ``ZeroDivisionError`` or ``OverflowError`` from
``math``, or ``ArithmeticError`` from a check of every value and adjoint after each pass (float
arithmetic overflows to infinity silently; the engine checks every node, and so does the code).
"""

from __future__ import annotations

import builtins
import json
import keyword
import re
import textwrap
import unicodedata

from ..formatting import printable, shorten
from ..printer import to_text
from ..styles import PYTHON
from .names import Namer, code_names
from .passes import Passes, adjoint, value

CHECK = "_check_finite"
WIDTH = 88
"""Lines the code writes itself (calls, the signature, the docstring) fit this width, as ruff's default."""
HEADER_LINES = 12
"""At most this many lines of the program are quoted at the top (each shortened)."""

_CHECK_SOURCE = f'''def {CHECK}(*numbers: float) -> None:
    """Stop where backprop eval reports a math error: a number that is not finite."""
    if not all(map(math.isfinite, numbers)):
        raise ArithmeticError("overflow: a value or gradient is infinite or undefined")
'''


def _legal(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name)


def is_function_name(name: str) -> bool:
    """Can ``name`` be the exported function's name (an identifier that is no keyword)?"""
    return _legal(name) and _key(name) not in _reserved("")


def _reserved(function: str) -> set[str]:
    """What the function's body must not shadow: builtins, math, the helpers, itself."""
    return {*dir(builtins), *keyword.kwlist, "math", CHECK, function, *PYTHON.helpers}


def helpers_used(passes: Passes) -> list[str]:
    """The style's helper functions the code calls, with the helpers those call, in the style's order."""
    formulas = [f for _, f in passes.forward] + [step.formula for step in passes.backward]
    ops = {op for f in formulas for op in f.ops}
    wanted = {PYTHON.function_names.get(op, "") for op in ops} & set(PYTHON.helpers)
    pending = list(wanted)
    while pending:
        source = PYTHON.helpers[pending.pop()]
        for name in PYTHON.helpers:
            if name not in wanted and re.search(rf"(?<![\w.]){re.escape(name)}\(", source):
                wanted.add(name)
                pending.append(name)
    return [name for name in PYTHON.helpers if name in wanted]


def program_comment(source: str, prefix: str) -> list[str]:
    """The program quoted in comments, each line escaped (no control character can end a comment)
    and shortened, at most :data:`HEADER_LINES` lines."""
    lines = source.strip().splitlines() or [""]
    quoted = [
        f"{prefix}   {printable(shorten(line.strip(), WIDTH - len(prefix) - 3))}" for line in lines[:HEADER_LINES]
    ]
    if len(lines) > HEADER_LINES:
        quoted.append(f"{prefix}   … ({len(lines) - HEADER_LINES} more lines)")
    return quoted


def wrapped(opening: str, items: list[str], closing: str, indent: str = "    ") -> list[str]:
    """``opening`` items ``closing`` on one line, or the items on lines of their own width inside the
    brackets when that is longer than :data:`WIDTH` (a long program checks many names)."""
    line = f"{indent}{opening}{', '.join(items)}{closing}"
    if len(line) <= WIDTH:
        return [line]
    lines, row = [f"{indent}{opening}"], ""
    for item in items:
        if row and len(indent) + 4 + len(row) + len(item) + 2 > WIDTH:
            lines.append(f"{indent}    {row}")
            row = ""
        row = f"{row} {item}," if row else f"{item},"
    return [*lines, f"{indent}    {row}", f"{indent}{closing}"]


def python(passes: Passes, function: str = "value_and_grad") -> str:
    """The module text: ``import math``, the helpers it needs, the function, the check."""
    graph = passes.graph
    names = code_names(passes, Namer(_reserved(function), _legal, _key))
    body = ["    # forward pass"] if passes.forward else []
    statements = {i: f"{names[value(i)]} = {to_text(f, PYTHON, names)}" for i, f in passes.forward}
    body += [f"    {text}" for text in statements.values()]
    forward_names = [names[value(i)] for i, op in enumerate(graph.ops) if op != "const"]
    if forward_names:
        body += wrapped(f"{CHECK}(", forward_names, ")")
    if passes.backward:
        body.append("    # backward pass")
    user = None
    checked: dict[str, None] = {}
    for step in passes.backward:
        if step.user is not None and step.user != user:
            user = step.user
            body.append(f"    # {statements[user]}")
        target = names[adjoint(step.node)]
        body.append(f"    {target} {'+=' if step.add else '='} {to_text(step.formula, PYTHON, names)}")
        checked[target] = None
    if checked:
        body += wrapped(f"{CHECK}(", list(checked), ")")
    # An identifier needs no escape: as JSON, it is a Python string literal (double quotes, as ruff writes).
    grads = [f"{json.dumps(name, ensure_ascii=False)}: {names[adjoint(graph.inputs[name])]}" for name in passes.wrt]
    body += wrapped(f"return {to_text(passes.result, PYTHON, names)}, {{", grads, "}")
    out = graph.labels[-1]
    what = f"The value of {out}" + (
        f" and its gradients with respect to {', '.join(passes.wrt)}" if passes.wrt else " (it has no input)"
    )
    params = [f"{names[value(i)]}: float" for i in graph.inputs.values()]
    code = "\n".join(
        [
            *wrapped(f"def {function}(", params, ") -> tuple[float, dict[str, float]]:", ""),
            textwrap.fill(
                f"{what}, computed as backprop computes it.", WIDTH, initial_indent='    """', subsequent_indent="    "
            ),
            "",
            "    Raises ValueError, ZeroDivisionError or OverflowError (from math), or",
            "    ArithmeticError (a value or gradient that overflows), where backprop eval",
            "    reports a math error.",
            '    """',
            *body,
        ]
    )
    helpers = [PYTHON.helpers[name] for name in helpers_used(passes)]
    head = [
        "# Generated by backprop export --to python from the program:",
        *program_comment(graph.source, "#"),
        "import math",
    ]
    check = [_CHECK_SOURCE.rstrip("\n")] if f"{CHECK}(" in code else []
    parts = ["\n".join(head), *(h.rstrip("\n") for h in helpers), code, *check]
    return "\n\n\n".join(parts) + "\n"
