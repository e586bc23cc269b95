"""The size of `backprop diff`'s derivatives against SymPy's `diff` (without `simplify`), on a corpus of
textbook expressions: the notes' and worked-examples.md's, and every function of the language.

    python bench/diff_size.py            # one line per (expression, input), then the summary
    python bench/diff_size.py --check    # exit 1 unless median ratio <= 1 and every ratio <= 2

Both derivatives are counted the same way: written in the tool's own language (backprop's as `diff`
prints it; SymPy's by its str() printer, `**` read as `^`, Abs/Max/Min/Heaviside renamed abs/max/min/step),
parsed by backprop's parser, and counted as the number of operation nodes: one per binary operator
(+ - * / ^), unary minus and function call; numbers and names are free. A staged derivative (named
intermediates) counts every statement once. Each pair is also compared numerically at a point, so
that a short wrong answer cannot win.

SymPy is a test/bench dependency only (the `test` extra).
"""

from __future__ import annotations

import math
import statistics
import sys
from pathlib import Path

import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from backprop_cli.commands.diff import differentiate, written
from backprop_cli.engine import evaluate
from backprop_cli.formula import from_graph
from backprop_cli.parse import parse
from sympy_oracle import to_language, to_sympy

CORPUS: list[tuple[str, str]] = [
    # The notes and worked-examples.md
    ("notes: f = x*y", "x * y"),
    ("worked 1: circuit", "(x + y) * z"),
    ("worked 2: neuron", "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"),
    ("worked 2: neuron gate", "sigmoid(w0*x0 + w1*x1 + w2)"),
    ("worked 3: staged", "(x + sigmoid(y)) / (sigmoid(x) + (x + y)^2)"),
    (
        "worked 3: stages",
        "sigy = sigmoid(y); num = x + sigy; sigx = sigmoid(x); xpy = x + y; xpysqr = xpy^2; "
        "den = sigx + xpysqr; invden = 1 / den; f = num * invden",
    ),
    ("worked 4: patterns", "2 * (x*y + max(z, w))"),
    # Polynomials, products, quotients
    ("polynomial", "3*x^4 - 2*x^3 + x - 7"),
    ("product", "x^2 * sin(x)"),
    ("product of three", "x * y * z"),
    ("quotient", "(x^2 + 1) / (x - 1)"),
    ("reciprocal", "1 / (x^2 + y^2)"),
    ("power of a sum", "(x + y)^3"),
    ("root of a quadratic", "sqrt(x^2 + y^2)"),
    ("rational function", "(x*y + 1) / (x + y)"),
    ("variable exponent", "x^y"),
    # Chain rule, trigonometric and exponential
    ("chain", "sin(x^2)"),
    ("nested chain", "exp(sin(x^2))"),
    ("trig product", "sin(x) * cos(y)"),
    ("tangent", "tan(x*y)"),
    ("gaussian", "exp(-(x - m)^2 / (2 * s^2))"),
    ("log of a product", "log(x * y)"),
    ("log of a sum of squares", "log(1 + x^2)"),
    ("exp times log", "exp(x) * log(x)"),
    ("x^x", "exp(x * log(x))"),
    # Machine learning
    ("tanh neuron", "tanh(w*x + b)"),
    ("squared error", "(w*x + b - y)^2"),
    ("logistic loss", "log(1 + exp(-y * (w*x + b)))"),
    ("softmax of two", "exp(a) / (exp(a) + exp(b))"),
    ("two-unit layer", "sigmoid(w1*x + b1) * v1 + sigmoid(w2*x + b2) * v2"),
    ("relu unit", "relu(w*x + b) * v"),
    ("abs error", "abs(w*x - y)"),
    # The functions of the language, the ten new ones included
    ("atan", "atan(y / x)"),
    ("asin", "asin(x / 2)"),
    ("acos", "acos(x * y)"),
    ("sinh", "sinh(x) * y"),
    ("cosh", "cosh(x^2)"),
    ("tanh via sinh/cosh", "sinh(x) / cosh(x)"),
    ("softplus", "softplus(w*x + b)"),
    ("leaky relu", "leaky_relu(w*x + b, 0.01)"),
    ("log2", "log2(x^2 + 1)"),
    ("log10", "log10(x * y)"),
    ("clip", "clip(w*x, -1, 1) * y"),
    ("min and max", "min(x, y) + max(x*y, 1)"),
    ("sigmoid of sigmoid", "sigmoid(sigmoid(x))"),
    ("arc and hyperbolic", "atan(sinh(x))"),
]

# A point inside every expression's domain and away from its kinks.
POINT = {"x": 0.7, "y": 0.45, "z": -1.3, "w": 0.8, "b": 0.3, "m": 0.2, "s": 1.4, "v": 1.2, "a": 0.6}
POINT |= {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0, "v1": 0.5, "v2": -1.5, "b1": 0.1, "b2": -0.2}


def count(text: str) -> int:
    """Operation nodes of a program in the language (a copy ``q = x`` is no operation)."""
    return sum(1 for op in parse(text).ops if op not in ("var", "const", "copy"))


def ratio(ours: int, theirs: int) -> float:
    """ours / theirs (two zeros are equal; something against nothing is infinitely larger)."""
    return ours / theirs if theirs else (1.0 if ours == 0 else math.inf)


def value(text: str) -> float:
    graph = parse(text)
    return evaluate(graph, {n: POINT[n] for n in graph.inputs}).value


def measure() -> list[tuple[str, str, int, int, str, str]]:
    rows = []
    for name, source in CORPUS:
        graph = parse(source)
        formula = from_graph(graph)
        inputs = list(graph.inputs)
        ours = differentiate(formula, inputs, 1)
        symbols: dict[str, sp.Symbol] = {}
        f = to_sympy(formula, symbols)
        for x in inputs:
            b, root = ours[x]
            text = written(b, root, inputs, staged=False)
            theirs = to_language(sp.diff(f, symbols[x]))
            a, e = value(text), value(theirs)
            if not math.isclose(a, e, rel_tol=1e-9, abs_tol=1e-12):
                raise SystemExit(f"{name} d/d{x}: backprop {text} = {a}, SymPy {theirs} = {e}")
            rows.append((name, x, count(text), count(theirs), text, theirs))
    return rows


def main() -> None:
    rows = measure()
    ratios = []
    width = max(len(r[0]) for r in rows)
    print(f"{'expression':{width}}  d/d   ours  sympy  ratio")
    for name, x, ours, theirs, text, their_text in rows:
        r = ratio(ours, theirs)
        ratios.append(r)
        flag = "  <-- over 2x" if r > 2 else ""
        print(f"{name:{width}}  {x:4} {ours:5} {theirs:6}  {r:5.2f}{flag}")
        if "-v" in sys.argv[1:]:
            print(f"    backprop: {text!r}\n    sympy:    {their_text}")
    median = statistics.median(ratios)
    print(
        f"\n{len(CORPUS)} expressions, {len(rows)} derivatives: median ratio {median:.2f}, "
        f"max {max(ratios):.2f}, total ours/sympy {sum(r[2] for r in rows)}/{sum(r[3] for r in rows)} "
        f"= {sum(r[2] for r in rows) / sum(r[3] for r in rows):.2f}, "
        f"{sum(r < 1 for r in ratios)} smaller, {sum(r == 1 for r in ratios)} equal, "
        f"{sum(r > 1 for r in ratios)} larger"
    )
    if "--check" in sys.argv[1:] and (median > 1 or max(ratios) > 2):
        raise SystemExit("the goal is not met: median ratio <= 1 and every ratio <= 2")


if __name__ == "__main__":
    main()
