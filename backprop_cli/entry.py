"""The console script's entry point: Ctrl-C and broken output are handled from the first instruction.

Ctrl-C during the imports (click, Rich, Lark: the first tens of milliseconds) would otherwise print a
``KeyboardInterrupt`` traceback, and later it could land in an exception handler or in the
interpreter's shutdown. So before anything else is imported (by the package's ``__init__`` when run as
a command, else here), SIGINT prints "interrupted" and exits 130 at once, for the whole run. A run
holds nothing that needs cleaning up (the cache writes a new file and renames it), except the
terminal's settings while ``--pause`` reads keys: there ``output.keys`` lets SIGINT raise
``KeyboardInterrupt`` so that they are restored, and the command line reports it the same way.
"""

# The built-in module: `signal` itself takes ~0.6 ms to import (enums), and nothing here needs them.
import _signal  # type: ignore[import-not-found]
import sys

from . import interrupted

_signal.signal(_signal.SIGINT, interrupted)  # already done by the package when run as a command


def main() -> None:
    """``backprop``: run the command line; report a failed output; exit with the run's code.

    ``backprop eval``'s usual command lines are read without click (commands/eval_argv.py); click
    reads every other one.
    """
    from .streams import EXIT_OUTPUT, OutputFailed, ReaderGone, guard

    guard()
    from .commands import eval_argv

    line = eval_argv.read(sys.argv[1:])
    code: object = 0
    try:
        try:
            if line is None:
                from .cli import cli

                cli.main()
            eval_argv.run(line)
        except SystemExit as exit:
            code = exit.code
        sys.stdout.flush()  # here, not at exit, so that a failure is reported
    except ReaderGone:
        code = 0
    except OutputFailed as exc:
        sys.stderr.write(f"error: cannot write the output: {exc.reason}\n")
        code = EXIT_OUTPUT
    sys.exit(code)
