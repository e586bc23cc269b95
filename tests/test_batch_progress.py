"""The progress bar of `backprop batch`: on a terminal (a pseudo-terminal here) only."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_cli import cache

ROWS = "x\n" + "1\n" * 1000


@pytest.fixture(autouse=True)
def _parsed(_isolated_cache: None) -> None:
    """The program is parsed and cached in the test's process, in the test's cache, which the processes
    use: they find it there instead of importing Lark to parse it (the subject here is the output)."""
    cache.load("x*2")


def run_with_stderr(stderr_is_tty: bool, tmp_path: Path) -> tuple[int, str]:
    source = tmp_path / "rows.csv"
    source.write_text(ROWS)
    env = {**os.environ, "BACKPROP_PROGRESS_DELAY": "0", "COLUMNS": "100"}
    command = [sys.executable, "-m", "backprop_cli", "batch", "x*2", str(source), "--output", str(tmp_path / "o.csv")]
    if not stderr_is_tty:
        done = subprocess.run(command, env=env, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, check=False)
        return done.returncode, done.stderr.decode()
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, env=env, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the follower closed: the process is done
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return process.wait(), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    code, stderr = run_with_stderr(True, tmp_path)
    assert code == 0, stderr
    assert "1,000 rows" in stderr
    assert "rows/s" in stderr
    assert "100%" in stderr


def test_no_progress_bar_when_stderr_is_piped(tmp_path: Path) -> None:
    code, stderr = run_with_stderr(False, tmp_path)
    assert code == 0, stderr
    assert stderr == ""


def test_ctrl_c_removes_the_partial_output_file(tmp_path: Path) -> None:
    import signal
    import time

    out = tmp_path / "out.csv"
    command = [sys.executable, "-m", "backprop_cli", "batch", "x*2", "-", "--output", str(out)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.write(b"x\n" + b"1\n" * 1000)
    process.stdin.flush()
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(".out.csv.*.partial")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".out.csv.*.partial")), "the run did not start writing"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert stderr == b"interrupted\n"  # nothing else: click wrote a blank line before it
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_the_moment_the_partial_file_exists_removes_it(tmp_path: Path) -> None:
    """The race behind the test above failing under load: a Ctrl-C landing right after the partial
    file was made, before the code that removes it knew its name, exited and left the file."""
    rows, out = tmp_path / "rows.csv", tmp_path / "out.csv"
    rows.write_text(ROWS)
    hook = f"""
import os, signal, sys
import backprop_cli.entry
os_open = os.open
def made_then_interrupted(path, *args, **kwargs):
    fd = os_open(path, *args, **kwargs)
    if str(path).endswith(".partial"):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, the moment the file exists
    return fd
os.open = made_then_interrupted
sys.argv = ["backprop", "batch", "x*2", {str(rows)!r}, "--output", {str(out)!r}]
backprop_cli.entry.main()
"""
    result = subprocess.run([sys.executable, "-c", hook], capture_output=True, text=True, check=False, timeout=60)
    assert (result.returncode, result.stderr.strip()) == (130, "interrupted")  # click writes a newline first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.csv"]
