"""One run of the command line: what it knows before any value is converted, and the guard that turns
every failure of the run into a message and an exit code, never a Python traceback.

Both ways of reading a command line end here: click's (cli.py) and eval's own (commands/eval_argv.py).
No import of click.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import NoReturn

from .commands.declarations import DEBUG_FLAG, FIELDS_FLAG, JSON_FLAG
from .errors import BackpropError, InternalError, UsageError
from .output import forget_warnings, report
from .streams import OutputFailed, ReaderGone, echo


class Run:
    """What one run of the command line knows before any value is converted: the options named
    (so that even a usage error is printed as JSON when ``--json`` was asked for)."""

    def __init__(self, named: set[str] | None = None) -> None:
        self.named = set() if named is None else named

    @property
    def as_json(self) -> bool:
        return JSON_FLAG in self.named or FIELDS_FLAG in self.named

    @property
    def debug(self) -> bool:
        return DEBUG_FLAG in self.named


def guarded(body: Callable[[], object], run: Run) -> NoReturn:
    """Run ``body`` (a command line's work), report what went wrong, and exit with the run's code."""
    forget_warnings()
    # One run is short and makes no reference cycles of its own; the cyclic garbage collector
    # would only add ~10% to the time of a large expression (many small objects).
    gc.disable()
    try:
        code = body()
    except BackpropError as err:
        report(err, run.as_json)
    except (KeyboardInterrupt, EOFError):
        echo("interrupted", err=True)
        raise SystemExit(130) from None
    except BrokenPipeError:
        # The reader (head, less) went away: stop quietly, as Unix tools do.
        raise SystemExit(0) from None
    except (ReaderGone, OutputFailed):
        raise  # the entry point reports a failed output (entry.py)
    except MemoryError:
        report(UsageError("out of memory: the expression is too large for this machine"), run.as_json)
    except Exception:
        if run.debug:
            raise
        report(
            InternalError("internal error: this is a bug in backprop; run again with --debug for the traceback"),
            run.as_json,
        )
    finally:
        gc.enable()
    raise SystemExit(code if isinstance(code, int) else 0)
