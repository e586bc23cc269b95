"""Behaviour at a terminal, tested in a real pseudo-terminal (Unix only)."""

from __future__ import annotations

import os
import select
import subprocess
import sys

import pytest

from conftest import run

pty = pytest.importorskip("pty")


def test_eval_dash_on_a_terminal_says_what_it_waits_for() -> None:
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "backprop_cli", "eval", "-", "-x", "2", "--json"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    try:
        assert proc.stderr is not None
        # the prompt comes while it waits, before anything is typed
        ready, _, _ = select.select([proc.stderr], [], [], 30)
        assert ready, "nothing on stderr while waiting for the program"
        prompt = proc.stderr.readline().decode()
        assert "reading the program from the terminal" in prompt
        assert "Ctrl-D" in prompt
        os.write(master, b"x*3\n\x04")
        out, err = proc.communicate(timeout=30)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert b'"value": 6.0' in out


def test_piped_stdin_gets_no_prompt() -> None:
    result = run("eval", "-", "-x", "2", input="x*3\n")
    assert result.code == 0
    assert result.stderr == ""
