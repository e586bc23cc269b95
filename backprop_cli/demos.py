"""The classic examples of CS231n's backpropagation notes, with the values the notes use."""

from __future__ import annotations

from typing import NamedTuple


class Demo(NamedTuple):
    description: str
    source: str
    values: dict[str, float]


DEMOS: dict[str, Demo] = {
    "circuit": Demo(
        "the notes' circuit f = (x + y)·z, with the intermediate q named",
        "q = x + y\nf = q * z",
        {"x": -2, "y": 5, "z": -4},
    ),
    "neuron": Demo(
        "a sigmoid neuron, expanded into exp, add and divide gates",
        "f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))",
        {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3},
    ),
    "neuron-gate": Demo(
        "the same neuron with the sigmoid gate, whose local gradient is σ(1 − σ)",
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
