"""backprop: a command-line expression differentiator that shows backpropagation node by node."""

__version__ = "0.1.0"
