"""The README's examples are the tool's real output: each `console` block is run and compared."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from conftest import run

README = Path(__file__).resolve().parent.parent / "README.md"
DOCS = sorted((README.parent / "docs").glob("*.md"))
"""Reference pages: their console blocks are tested the same way."""


def console_examples(pages: tuple[Path, ...] = (README, *DOCS)) -> list[tuple[str, str]]:
    blocks = [
        block
        for page in pages
        for block in re.findall(r"```console\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    ]
    examples = []
    for block in blocks:
        command, _, output = block.partition("\n")
        assert command.startswith("$ backprop "), command
        examples.append((command[2:], output))
    return examples


@pytest.mark.parametrize(("command", "output"), console_examples())
def test_readme_console_example_is_real_output(command: str, output: str) -> None:
    words = shlex.split(command)
    stdout_only = words[-1] == "2>/dev/null"
    if stdout_only:
        words.pop()
    result = run(*words[1:])
    shown = result.stdout if stdout_only else result.stdout + result.stderr
    assert shown == output


def test_readme_has_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert '.venv/bin/pip install . && .venv/bin/backprop eval "(x+y)*z" -x -2 -y 5 -z -4' in text
    assert "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/pytest" in text
