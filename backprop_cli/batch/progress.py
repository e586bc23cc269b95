"""A Rich progress bar on stderr, for runs on a terminal that last more than a second.

Piped or redirected stderr shows nothing, so that logs stay clean.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

DELAY = 1.0
"""Seconds before the bar appears: short runs finish without one (``BACKPROP_PROGRESS_DELAY`` changes it)."""


class Silent:
    """No progress display."""

    def advance(self, rows: int, done: int) -> None:
        pass

    def close(self, interrupted: bool = False) -> None:
        pass


class Bar:
    """Rows done, rows per second and elapsed time; a percentage when the input's size is known."""

    def __init__(self, total: int | None) -> None:
        self.total = total
        self.delay = float(os.environ.get("BACKPROP_PROGRESS_DELAY", DELAY))
        self.start = time.monotonic()
        self.rows = 0
        self.progress: Any = None
        self.task: Any = None

    def advance(self, rows: int, done: int) -> None:
        self.rows += rows
        if self.progress is None:
            if time.monotonic() - self.start < self.delay:
                return
            self._show()
        rate = self.rows / max(time.monotonic() - self.start, 1e-9)
        self.progress.update(self.task, completed=done, rows=f"{self.rows:,} rows", rate=f"{rate:,.0f} rows/s")

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        columns: list[Any] = [TextColumn("{task.fields[rows]}"), TextColumn("{task.fields[rate]}"), TimeElapsedColumn()]
        if self.total:
            columns[:0] = [BarColumn(), TaskProgressColumn()]
        self.progress = Progress(*columns, console=Console(file=sys.stderr), transient=False)
        self.task = self.progress.add_task("batch", total=self.total, rows="", rate="")
        self.progress.start()
        self.progress.update(self.task, completed=0)
        # The clock of the bar starts with the run, not with the bar.
        self.progress.tasks[0].start_time = self.progress.get_time() - (time.monotonic() - self.start)
        import signal

        from .. import interrupted

        if signal.getsignal(signal.SIGINT) is interrupted:  # Ctrl-C exits at once: the bar goes first
            signal.signal(signal.SIGINT, _erase_then(interrupted))

    def close(self, interrupted: bool = False) -> None:
        """Stop the bar: it stays on the screen with its last figures, or, interrupted, it is erased
        (only "interrupted" follows a Ctrl-C)."""
        if self.progress is not None:
            self.progress.live.transient = interrupted
            self.progress.stop()


ERASE = b"\r\x1b[2K\x1b[?25h"
"""Back to the start of the bar's line, the line erased, the cursor shown again (Rich hid it)."""


def _erase_then(handler: Any) -> Any:
    def erase(signum: int, frame: Any) -> None:
        os.write(2, ERASE)
        handler(signum, frame)

    return erase


def progress(total: int | None) -> Silent | Bar:
    """A bar when stderr is a terminal, else nothing (``total``: the input's size, in the reader's unit)."""
    return Bar(total) if sys.stderr.isatty() else Silent()
