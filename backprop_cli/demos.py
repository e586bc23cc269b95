"""The classic examples of CS231n's backpropagation notes, with the values the notes use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .printer import Style


class Demo(NamedTuple):
    description: str
    """Words, with ``{sigmoid}``, ``{minus}`` and ``{cdot}`` spelled by the style (see :func:`describe`)."""
    source: str
    values: dict[str, Any]
    """Numbers, or nested lists of numbers for vectors and matrices (as -W '[[1, 2], [3, 4]]')."""


def describe(demo: Demo, style: Style) -> str:
    """The demo's description with its symbols in ``style``: ``σ(1 − σ)``, or ``sigmoid(1 - sigmoid)`` in ASCII."""
    sigmoid = style.function_names.get("sigmoid", "sigmoid")
    return demo.description.format(sigmoid=sigmoid, minus=style.minus, cdot=style.cdot)


DEMOS: dict[str, Demo] = {
    "circuit": Demo(
        "the notes' circuit f = (x + y){cdot}z, with the intermediate q named",
        "q = x + y\nf = q * z",
        {"x": -2, "y": 5, "z": -4},
    ),
    "neuron": Demo(
        "a sigmoid neuron, expanded into exp, add and divide gates",
        "f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))",
        {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3},
    ),
    "neuron-gate": Demo(
        "the same neuron with the sigmoid gate, whose local gradient is {sigmoid}(1 {minus} {sigmoid})",
        "f = sigmoid(w0*x0 + w1*x1 + w2)",
        {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3},
    ),
    "staged": Demo(
        "staged computation: x and y fork into several stages, and their gradients add up",
        "sigy = sigmoid(y)\nnum = x + sigy\nsigx = sigmoid(x)\nxpy = x + y\nxpysqr = xpy^2\n"
        "den = sigx + xpysqr\ninvden = 1 / den\nf = num * invden",
        {"x": 3, "y": -4},
    ),
    "patterns": Demo(
        "patterns in backward flow: the add gate distributes, the max gate routes, the multiply gate swaps",
        "f = 2 * (x*y + max(z, w))",
        {"x": 3, "y": -4, "z": 2, "w": -1},
    ),
}
"""The scalar examples (every view, forward mode and LaTeX take them)."""

ARRAY_DEMOS: dict[str, Demo] = {
    "two-layer": Demo(
        "a two-layer net on one example: a ReLU layer, class scores, and the softmax loss of class y",
        "h = relu(W1 @ x + b1)\ns = W2 @ h + b2\nloss = logsumexp(s) - s[y]",
        {
            "W1": [[0.2, -0.5, 0.1], [1.5, 1.3, 2.1], [0.0, 0.25, 0.2], [-0.3, 0.4, -0.6]],
            "x": [1.0, -2.0, 0.5],
            "b1": [0.1, 0.2, -0.1, 0.3],
            "W2": [[0.5, -0.2, 0.3, 0.1], [-0.4, 0.6, 0.2, -0.5], [0.3, 0.1, -0.7, 0.4]],
            "b2": [0.0, 0.1, -0.1],
            "y": 2,
        },
    ),
}
"""Examples with vectors and matrices (the table, --steps and JSON take them)."""

ALL_DEMOS = DEMOS | ARRAY_DEMOS
