"""``--pause`` in a real pseudo-terminal: one key per step, nothing echoed, no key between the passes."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time

import pytest

from conftest import ok

pty = pytest.importorskip("pty")  # POSIX only
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PROMPT = "(press Enter for each step, q for the rest)"


def _read(fd: int, timeout: float) -> bytes:
    """What the terminal shows next: the first output within ``timeout`` seconds, or b""."""
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return b""
    try:
        return os.read(fd, 4096)
    except OSError:  # EIO: the child closed the terminal
        return b""


def _paused(args: list[str], keys: list[bytes]) -> tuple[int | None, str]:
    """Run backprop in a pseudo-terminal, press ``keys`` one by one, and return (exit code or None if
    it still waits, what the terminal showed with colours removed and CRLF as LF).

    The process uses the test's cache (tests/conftest.py): each test first runs the same command
    piped in the test's own process (``ok``), so that the one started here finds the program parsed
    (the pause is the subject here, not the parser)."""
    master, slave = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "backprop_cli", *args], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    try:
        shown = b""
        deadline = time.monotonic() + 30
        while PROMPT.encode() not in shown and time.monotonic() < deadline:
            shown += _read(master, 0.2)
        # All at once: the terminal echoes nothing from the prompt on, and each key is one step.
        os.write(master, b"".join(keys))
        code: int | None = None
        deadline = time.monotonic() + 10
        while code is None and time.monotonic() < deadline:
            shown += _read(master, 0.05)
            code = proc.poll()
        while chunk := _read(master, 0.1):
            shown += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return code, ANSI.sub("", shown.decode("utf-8", "replace")).replace("\r\n", "\n")


@pytest.mark.parametrize("args", [["demo", "circuit"], ["demo", "staged", "--mode", "forward"]])
def test_pause_steps_one_key_per_step_without_echo(args: list[str]) -> None:
    piped = ok(*args).stdout
    steps = [line for line in piped.splitlines() if line and not line.startswith(("Forward", "Backward", "pass "))]
    # One key fewer than steps: none after the last, and none on a heading or between the passes.
    code, shown = _paused([*args, "--pause"], [b"\r"] * (len(steps) - 1))
    assert code == 0, shown
    assert shown == f"{PROMPT}\n{piped}"  # no echoed Enter: not a single extra blank line


def test_pause_q_shows_the_rest_at_once() -> None:
    piped = ok("demo", "circuit").stdout
    code, shown = _paused(["demo", "circuit", "--pause"], [b"\r", b"q"])
    assert code == 0, shown
    assert shown == f"{PROMPT}\n{piped}"


def test_pause_works_with_eval_steps() -> None:
    args = ["eval", "x*y", "-x", "2", "-y", "3", "--steps"]
    piped = ok(*args).stdout
    code, shown = _paused([*args, "--pause"], [b"q"])
    assert code == 0, shown
    assert shown == f"{PROMPT}\n{piped}"


def test_pause_is_ignored_when_piped() -> None:
    assert ok("demo", "circuit", "--pause").stdout == ok("demo", "circuit").stdout
