"""The styles formulas are printed in, each a table of spellings (see ``printer.py``).

ASCII is the tool's own language: what it prints, ``backprop eval`` reads back. Unicode and LaTeX
are for people; Python, NumPy and JavaScript for code.
"""

from __future__ import annotations

import inspect

from . import functions, symbols
from .ops import ATOM, NEG, OPS, POW, PRODUCT, SUM, Spelling
from .printer import Style

ASCII = Style(name="ascii", **vars(symbols.ASCII))
"""The expression language itself (``d``, ``*``, ``-``)."""

UNICODE = ASCII.extend(
    "unicode",
    spellings={
        "sub": Spelling("$0 − $1", SUM),
        "mul": Spelling("$0 × $1", PRODUCT, "both"),
        "neg": Spelling("−$0", NEG),
        "abs": Spelling("|$0|"),
        "transpose": Spelling("$0ᵀ"),
        "matmul": Spelling("$0 · $1", PRODUCT),
    },
    function_names={"sigmoid": "σ"},
    minus="−",
    constants={"pi": "π"},
    **vars(symbols.UNICODE),
    dot_format="{}\u0307",
)

_GREEK = {"θ": r"\theta", "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "λ": r"\lambda"}


def _latex_name(name: str) -> str:
    name = "".join(_GREEK.get(c, c) for c in name)
    if len(name) == 1 or name.startswith("\\"):
        return name
    return r"\mathit{" + name.replace("_", r"\_") + "}"


def _latex_number(text: str) -> str:
    """``1.5e-05`` -> ``{1.5 \\cdot 10^{-5}}`` (braced, so that TeX and the printer see one atom)."""
    mantissa, e, exponent = text.partition("e")
    if not e:
        return text
    sign, mantissa = ("-", mantissa[1:]) if mantissa.startswith("-") else ("", mantissa)
    power = f"10^{{{int(exponent)}}}"
    return f"{sign}{power}" if mantissa == "1" else f"{sign}{{{mantissa} \\cdot {power}}}"


LATEX = ASCII.extend(
    "latex",
    spellings={
        "mul": Spelling(r"$0 \times $1", PRODUCT, "both"),
        "div": Spelling(r"\frac{$0}{$1}", ATOM),
        "pow": Spelling("$0^{$1}", POW, "right"),
        "sqrt": Spelling(r"\sqrt{$0}"),
        "abs": Spelling(r"\left|$0\right|"),
    },
    function_names={
        name: "\\" + name for name in ("exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "max", "min")
    }
    | {
        "sigmoid": r"\sigma",
        "atan": r"\arctan",
        "asin": r"\arcsin",
        "acos": r"\arccos",
        "log2": r"\log_2",
        "log10": r"\log_{10}",
        "leaky_relu": r"\operatorname{leaky\_relu}",
    },
    function_format=r"\operatorname{{{}}}",
    constants={"pi": r"\pi"},
    parens=(r"\left(", r"\right)"),
    variable=_latex_name,
    number_text=_latex_number,
    partial=r"\partial",
    times=r"\times",
    cdot=r"\cdot",
    arrow=r"\leftarrow",
    derivative_format=r"\frac{{{partial} {num}}}{{{partial} {den}}}",
    dot_format=r"\dot{{{}}}",
)

# Functions Python's math module lacks, defined by the code that uses them (their source is copied):
# every function of functions.py, so that an op whose forward is one of them prints as a call to it.
_PY_HELPERS = {
    name: inspect.getsource(f)
    for name, f in vars(functions).items()
    if inspect.isfunction(f) and f.__module__ == functions.__name__
}

PYTHON = ASCII.extend(
    "python",
    spellings={"pow": Spelling("math.pow($0, $1)")},
    function_names={"abs": "abs", "max": "max", "min": "min", **{name: name for name in _PY_HELPERS}},
    function_format="math.{}",
    constants={"pi": "math.pi", "e": "math.e"},
    number=repr,
    helpers=_PY_HELPERS,
)
"""Python with the math module: ``math.pow`` (not ``**``) so that a negative base to a fractional
power is an error, as in the engine, and not a complex number."""

# sigmoid and tanh are computed as the float functions compute them (functions.sigmoid's two
# branches; the C library's tanh on expm1, which NumPy and math share), so that a row of
# `backprop batch` equals `eval` to the last bit: NumPy's own tanh is up to 2 ulp away, and
# 1 - tanh^2 turns that into hundreds of ulp of the gradient near saturation. clip is NaN where
# its bounds are crossed, so that the row is flagged and the float engine words the error.
_NP_HELPERS = {
    "sigmoid": "def sigmoid(x):\n"
    "    e = np.exp(-np.abs(x))\n"
    "    return np.maximum(e, (x >= 0).astype(np.float64)) / (1 + e)\n",
    "tanh": "def tanh(x):\n"
    "    a = np.abs(x)\n"
    "    big = 1.0 - 2.0 / (np.expm1(a + a) + 2.0)\n"
    "    t = np.expm1(-(a + a))\n"
    "    small = -t / (t + 2.0)\n"
    "    r = np.where(a >= 22.0, 1.0, np.where(a >= 1.0, big, small))\n"
    "    return np.copysign(np.where(a < 2.0**-55, a * (1.0 + a), r), x)\n",
    "relu": "def relu(x):\n    return np.maximum(x, 0.0)\n",
    "step": "def step(x):\n    return np.where(x > 0, 1.0, 0.0)\n",
    "where": "def where(c, x, y):\n    return np.where(c != 0, x, y)\n",
    "softplus": "def softplus(x):\n    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))\n",
    "leaky_relu": "def leaky_relu(x, slope):\n    return np.where(x > 0, x, slope * x)\n",
    "clip": "def clip(x, lo, hi):\n    return np.where(lo > hi, np.nan, np.minimum(np.maximum(x, lo), hi))\n",
}

NUMPY = ASCII.extend(
    "numpy",
    # float_power calls the C library's pow for every element, as Python's ** does; ** and np.power
    # square by x * x when the exponent is 2, which differs from pow in the last bit (796 rows in a
    # million), enough for 1 - tanh(x)^2 to lose several ulp near saturation.
    spellings={"pow": Spelling("np.float_power($0, $1)")},
    # A function NumPy names differently is called by the op table's NumPy name (np.arctan for atan).
    function_names={
        **{op.name: f"np.{op.numpy}" for op in OPS.values() if op.is_function and op.numpy not in ("", op.name)},
        **{name: name for name in _NP_HELPERS},
    },
    function_format="np.{}",
    constants={"pi": "np.pi", "e": "np.e"},
    number=repr,
    helpers=_NP_HELPERS,
)
"""NumPy on float64 arrays (``np`` is numpy); helpers for what NumPy spells differently."""

_JS_HELPERS = {
    "sigmoid": "function sigmoid(x) {\n  if (x >= 0) return 1 / (1 + Math.exp(-x));\n"
    "  const z = Math.exp(x);\n  return z / (1 + z);\n}\n",
    "relu": "function relu(x) {\n  return x > 0 ? x : 0;\n}\n",
    "step": "function step(x) {\n  return x > 0 ? 1 : 0;\n}\n",
    "where": "function where(c, x, y) {\n  return c !== 0 ? x : y;\n}\n",
    "softplus": "function softplus(x) {\n  return (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x)));\n}\n",
    "leaky_relu": "function leaky_relu(x, slope) {\n  return x > 0 ? x : slope * x;\n}\n",
    "clip": "function clip(x, lo, hi) {\n  return lo > hi ? NaN : Math.min(Math.max(x, lo), hi);\n}\n",
}

JAVASCRIPT = ASCII.extend(
    "javascript",
    spellings={"pow": Spelling("Math.pow($0, $1)")},
    function_names={name: name for name in _JS_HELPERS},
    function_format="Math.{}",
    constants={"pi": "Math.PI", "e": "Math.E"},
    helpers=_JS_HELPERS,
)
"""JavaScript with Math (``Math.sign`` is the language's sign)."""

STYLES = {s.name: s for s in (UNICODE, ASCII, LATEX, PYTHON, NUMPY, JAVASCRIPT)}
