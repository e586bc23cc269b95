"""The expression language, summarised for ``eval --help`` from the op table itself (docs/language.md
has the full reference)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..ops import Op

ARGUMENTS = {1: "x", 2: "a, b", 3: "c, x, y"}


def language_help() -> str:
    """Operators, functions (from the op table, with their aliases), constants, statements, comments."""
    from ..ops import CONSTANTS, FUNCTIONS

    aliases: dict[str, list[str]] = {}
    ops: dict[str, Op] = {}
    for name, op in FUNCTIONS.items():
        ops.setdefault(op.name, op)
        if name != op.name:
            aliases.setdefault(op.name, []).append(name)
    documented = [op for op in ops.values() if op.doc and op.is_function]
    signatures = {
        op.name: f"{op.name}({', '.join(op.params) if op.params else ARGUMENTS.get(op.arity, '...')})"
        for op in documented
    }
    width = max(map(len, signatures.values()))
    lines = [
        "\b",
        "The language (the full reference: docs/language.md):",
        "  numbers     3  2.5  .5  1e-3  (ASCII digits); a value may be a constant expression: -x pi/4",
        "  names       a letter or _, then letters, digits, _: x  w0  x_1  θ",
        "  constants   " + "  ".join(f"{name}" for name in CONSTANTS) + "   (reserved: not inputs, not assignable)",
        "  operators   + - * /  ^ or ** (right-associative, tighter than unary -: -x^2 is -(x^2)),",
        "              unary - and +, ( ); the tool's own × · − and superscripts (x², x⁻¹) read too",
        "  statements  name = expr, separated by ; or new lines; the last statement is the output",
        "  comments    # to the end of the line",
        "  functions",
    ]
    for op in documented:
        also = f" (also {', '.join(aliases[op.name])})" if op.name in aliases else ""
        lines.append(f"    {signatures[op.name]:<{width}}  {op.doc}{also}")
    rest = [name for name, op in ops.items() if op not in documented]
    if rest:
        # an op called only by an alias (matmul as dot) is listed by its aliases
        names = ", ".join(", ".join(([name] if ops[name].is_function else []) + aliases.get(name, [])) for name in rest)
        lines.append(f"    for vectors and matrices: {names}; and A @ B, A.T, s[y]")
    return "\n".join(lines)
