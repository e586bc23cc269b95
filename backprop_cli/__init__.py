"""backprop: a command-line expression differentiator that shows backpropagation node by node.

For pipelines, ``backprop_cli.compile(EXPR)`` returns a vectorized kernel over NumPy arrays (see
``docs/batch.md``); it is imported on first use, so that the command line starts without NumPy.
"""

from __future__ import annotations

# Built-in modules only, already loaded at start-up: `signal` itself takes ~1 ms to import (enums),
# long enough for a Ctrl-C to land in it.
import _signal  # type: ignore[import-not-found]
import gc
import os
import sys

__version__ = "0.1.0"
__all__ = ["__version__", "compile"]

EXIT_INTERRUPTED = 130


def interrupted(signum: int = _signal.SIGINT, frame: object = None) -> None:
    """The SIGINT handler of a ``backprop`` run: say so and exit 130 at once (see ``entry.py``)."""
    os.write(2, b"interrupted\n")
    os._exit(EXIT_INTERRUPTED)


# Run as the `backprop` command (or `python -m backprop_cli`), this package's first lines are the first
# of backprop's to run: Ctrl-C is handled from here on. Imported as a library, signals are left alone.
if sys.argv[:1] == ["-m"] or os.path.basename(sys.argv[0] if sys.argv else "") in ("backprop", "backprop.exe"):
    _signal.signal(_signal.SIGINT, interrupted)
    # The imports that follow (click, Rich) create thousands of objects and no garbage: the cyclic
    # collector would only walk them. cli.main keeps it off for the run and turns it back on after.
    gc.disable()


# After the handler: typing is not a built-in module (click imports it anyway).
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from .batch.kernel import compile_expression as compile


def __getattr__(name: str) -> object:
    """``backprop_cli.compile``, imported on first use (NumPy is loaded only then)."""
    if name == "compile":
        from .batch.kernel import compile_expression

        return compile_expression
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
