"""The progress bar of `backprop batch`: on a terminal (a pseudo-terminal here) only."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

ROWS = "x\n" + "1\n" * 1000


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
    assert b"interrupted" in stderr
    assert list(tmp_path.iterdir()) == []
