"""The colours of every view, in one place: values green, gradients red (as in the notes' diagrams).

Rich styles for the terminal (and the SVG pictures of it), hex colours for Graphviz and Mermaid, xcolor
names for LaTeX. Views take their colours from here and define none of their own.
"""

from __future__ import annotations

VALUE = "green"
"""A forward value."""
GRAD = "red"
"""A gradient (or a tangent in forward mode)."""
LABEL = "bold"
"""A node's label where it heads a line."""
TITLE = "bold"
"""A heading: "Forward pass", "Backward pass"."""
NOTE = "dim italic"
"""A comment beside a formula (a gate's pattern)."""
DIM = "dim"
"""Secondary text: hints, counts of hidden rows, tree guides."""

VERDICT = {
    "ok": "green",
    "right": "green",
    "suspicious": "yellow",
    "kink": "yellow",
    "inconclusive": "yellow",
    "undefined": "yellow",
    "wrong": "bold red",
}
"""A gradient check's verdicts."""

HTML_VALUE = "#2e7d32"
HTML_GRAD = "#c62828"
"""Diagram colours: darker than the terminal's, to read on white paper."""
HTML_NAME = "#555555"
"""A named intermediate's name beside its gate."""
HTML_INK = "#333"
HTML_PAPER = "#fff"
"""Gates' outlines and fills."""

PAGE = {
    "value": HTML_VALUE,
    "grad": HTML_GRAD,
    "ink": "#1a1a1a",
    "muted": HTML_NAME,
    "wire": "#6b6b6b",
    "current": "#1565c0",
    "current-fill": "#e3f2fd",
    "paper": HTML_PAPER,
    "line": "#767676",
    "border": "#cccccc",
    "button": "#f4f4f4",
    "button-hover": "#e8e8e8",
}
"""The live page's colours, as CSS variables (--value, --grad...): text colours meet WCAG AA contrast
on white (green 5.1:1, red 5.6:1, highlight 5.7:1, muted 7.5:1)."""

LATEX_VALUE = "green!50!black"
LATEX_GRAD = "red!75!black"
"""xcolor names for the LaTeX derivation."""
