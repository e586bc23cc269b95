"""Printing: errors and warnings on stderr, Rich views on stdout (coloured only on a terminal)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from .errors import BackpropError
from .formatting import printable, shorten
from .streams import ReaderGone, echo
from .views.theme import DIM

PIPE_WIDTH = 100_000


def report(err: BackpropError, as_json: bool) -> NoReturn:
    """Print an error for people on stderr (and for scripts on stdout with --json), then exit.

    People's message first: if the JSON cannot be written, the error has still been told. A
    reader that went away does not change the exit code (the error's).
    """
    pos = err.position
    where = f" (line {pos[0]}, column {pos[1]})" if pos else ""
    # Messages quote the input (a name, a subexpression): bounded, and never an escape sequence.
    echo(f"error: {printable(shorten(err.message))}{where}", err=True)
    excerpt = err.excerpt()
    if excerpt:
        echo(excerpt, err=True)
    if as_json:
        from .views.json_view import dumps, error

        with contextlib.suppress(ReaderGone):
            echo(dumps(error(err)))
            sys.stdout.flush()
    raise SystemExit(err.exit_code)


_warnings: list[str] = []
"""The warnings of this run, for the JSON output's ``warnings`` list."""


def warn(messages: Sequence[str]) -> None:
    """Print warnings on stderr, and keep them for the JSON output."""
    for message in messages:
        _warnings.append(message)
        echo(f"warning: {printable(shorten(message))}", err=True)


def warnings_so_far() -> list[str]:
    return list(_warnings)


def forget_warnings() -> None:
    """Start a run with no warnings (the tests run many in one process)."""
    _warnings.clear()


def _console(**options: Any) -> Any:
    """A Rich console for views, which hand Rich plain strings and Text, never markup: parsing
    "[...]" as markup would only cost time, and could swallow a [condition] of the steps view."""
    from rich.console import Console

    return Console(highlight=False, markup=False, emoji=False, **options)


class AsciiOnly:
    """Wraps a Rich renderable so that it draws with ASCII only (tree guides, table boxes)."""

    def __init__(self, renderable: Any) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Any, options: Any) -> Any:
        options = options.copy()
        options.encoding = "ascii"  # what ConsoleOptions.ascii_only reads
        yield from console.render(self.renderable, options)

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        return Measurement.get(console, options, self.renderable)


def interactive() -> bool:
    """Both ends are a person at a terminal (for --pause)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


@contextmanager
def keys() -> Iterator[Callable[[], str]]:
    """Read single key presses from the terminal, unechoed, for as long as the block runs.

    Echo is off for the whole block, not only while waiting, so that a key pressed early is not
    echoed either. Ctrl-C still interrupts; Ctrl-D reads as "q".
    """
    try:
        import termios
    except ImportError:  # Windows: click reads one key without echo
        import click

        yield lambda: click.getchar(echo=False)
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~(termios.ECHO | termios.ICANON)  # lflags: no echo, no line editing; signals stay on
    quiet[6][termios.VMIN], quiet[6][termios.VTIME] = 1, 0

    def read() -> str:
        key = os.read(fd, 1).decode("utf-8", "replace")
        return "q" if key in ("", "\x04") else key

    import signal  # not at start-up: ~0.6 ms of enums, for --pause only

    # Ctrl-C must restore the terminal on its way out: raise KeyboardInterrupt here (see entry.py).
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield read
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        signal.signal(signal.SIGINT, handler)


def print_paused(console: Any, parts: Sequence[Any]) -> None:
    """Print one part at a time, waiting for a key between parts (q: the rest at once)."""
    with keys() as read:
        console.print("(press Enter for each step, q for the rest)", style=DIM)
        for n, part in enumerate(parts):
            console.print(part)
            if n + 1 < len(parts) and read().lower() == "q":
                for rest in parts[n + 1 :]:
                    console.print(rest)
                return


def print_rich(renderable: Any, svg: str | None = None, pause: bool = False, ascii: bool = False) -> None:
    """Print to stdout with Rich: coloured on a terminal (unless NO_COLOR), plain text when piped.

    ``svg`` also saves the view as an SVG picture of a terminal, in colour. ``pause`` waits for
    Enter between the parts of a Rich ``Group`` (one step of a derivation each) when both stdin and
    stdout are terminals; piped, it is ignored.
    """
    lines = _plain(renderable)
    if ascii:
        renderable = AsciiOnly(renderable)
    if lines is not None:
        echo("\n".join(line.rstrip() for line in lines))
    else:
        _print_with_rich(renderable, pause)
    if svg is not None:
        width = _console(width=PIPE_WIDTH).measure(renderable).maximum
        save_svg(renderable, svg, max(40, min(width, 200)))


def _plain(renderable: Any) -> list[str] | None:
    """The lines of a view that can write itself as plain text (a ``plain(width)`` method), when
    Rich would print it without colour for sure: standard output is not a terminal, and nothing
    tells Rich otherwise (FORCE_COLOR, TTY_COMPATIBLE; a Windows console; an encoding other than
    UTF-8, for which Rich draws other boxes). Then Rich's console need not be imported at all
    (a quarter of the table's start-up). None: Rich decides and prints."""
    plain = getattr(renderable, "plain", None)
    if plain is None or sys.platform == "win32" or "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ:
        return None
    # As Rich reads them (Console.is_terminal, Console.encoding).
    if sys.stdout.isatty() or not (getattr(sys.stdout, "encoding", None) or "utf-8").lower().startswith("utf"):
        return None
    lines: list[str] | None = plain(PIPE_WIDTH)
    return lines


def _print_with_rich(renderable: Any, pause: bool) -> None:
    """Print with Rich's console: on a terminal (at its width, or wider than it rather than cut) or piped."""
    from rich.console import Group

    console = _console()
    if console.is_terminal:
        # Narrower than the view's minimum: overflow the terminal rather than cut numbers off.
        needed = _console(width=PIPE_WIDTH).measure(renderable).minimum
        if needed > console.width:
            console = _console(width=needed)
        parts = renderable.renderables if isinstance(renderable, Group) else [renderable]
        if pause and len(parts) > 1 and interactive():
            print_paused(console, parts)
        else:
            console.print(renderable)
    else:
        # Piped: wide enough that nothing is wrapped or cut off; Rich pads no line to the full
        # width, and any trailing spaces of table cells are stripped.
        console = _console(width=PIPE_WIDTH, color_system=None)
        with console.capture() as capture:
            console.print(renderable)
        echo("\n".join(line.rstrip() for line in capture.get().splitlines()))


def save_svg(renderable: Any, path: str, width: int) -> None:
    """Save a view as an SVG picture of a terminal (values green, gradients red)."""
    import io

    console = _console(record=True, width=width, file=io.StringIO(), force_terminal=True, color_system="truecolor")
    console.print(renderable)
    from .files import write_file
    from .views.terminal_svg import svg

    write_file(path, svg(console, "backprop").encode("utf-8"))
