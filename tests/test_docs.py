"""The docs are real: every command the README and the docs show runs (in ```sh blocks and in the text;
test_readme.py compares the console blocks); the examples they use are shipped; eval --help lists the
language; the top-level help shows each command's summary whole; shell completion works."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_cli.ops import CONSTANTS, FUNCTIONS
from conftest import ok, run

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PLACEHOLDERS = re.compile(r"\b(EXPR|NAME|VALUES|FILE|PATH|STEP|NAMES|INPUT)\b|\.\.\.|\[")
REFERENCES = {"backprop graph --json"}
"""Inline spans that name an option in prose, not a command to run."""


def shown_commands() -> list[tuple[str, str]]:
    """(where, command line) of every backprop command in ```sh blocks and inline code."""
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
            for line in block.splitlines():
                if re.search(r"(^|\| )backprop ", line):
                    found.append((path.name, line))
        for span in re.findall(r"`(backprop [^`]+)`", text):
            # a command, not an option named in prose: it has an expression, a file or a demo
            runnable = re.search(r"[\"']|--file |\s--\s|^backprop demo", span)
            if runnable and not PLACEHOLDERS.search(span) and span not in REFERENCES:
                found.append((path.name, span))
    return found


def test_the_docs_show_commands() -> None:
    assert len(shown_commands()) >= 15


@pytest.mark.parametrize(("where", "line"), shown_commands())
def test_every_command_shown_runs(where: str, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path)
    line = re.sub(r"\s[12]?>\s*/dev/null", "", line)  # output thrown away: nothing to run
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    tokens = list(lexer)
    segments: list[list[str]] = [[]]
    operators = []
    for token in tokens:
        if token in ("|", "||", ">", "&&", ";"):
            operators.append(token)
            segments.append([])
        else:
            segments[-1].append(token)
    stdin = None
    for i, words in enumerate(segments):
        if words[:1] == ["echo"] and operators[i : i + 1] == ["|"]:
            stdin = " ".join(words[1:]) + "\n"
        elif words[:1] == ["backprop"]:
            result = run(*words[1:], input=stdin)
            follows = operators[i] if i < len(operators) else None
            if follows == "||" or (follows == "|" and "-e" in segments[i + 1]):
                assert result.code in (0, 1, 2, 3), result  # a documented failure, handled by the script
            else:
                assert result.code == 0, f"{where}: {line}\n{result}"
            if follows == "|" and segments[i + 1][:1] == ["jq"]:
                result.json()  # what jq reads is JSON
            break


def test_the_examples_the_docs_use_are_shipped() -> None:
    used = {m for path in DOCS for m in re.findall(r"examples/[\w.-]+", path.read_text(encoding="utf-8"))}
    assert "examples/model.bp" in used
    for name in used:
        assert (ROOT / name).is_file(), f"{name} is used in the docs but not shipped"
    data = ok("eval", "--file", str(ROOT / "examples" / "model.bp"), "-x", "3", "-y", "-4", "--json").json()
    assert data["value"] == pytest.approx(1.54564488411, rel=1e-11)


def test_eval_help_lists_the_language() -> None:
    text = ok("eval", "--help").stdout
    for name in FUNCTIONS:
        assert re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text), f"{name} is not in eval --help"
    for name in CONSTANTS:
        assert name in text
    for words in ("operators", "+ - * /", "^ or **", "statements", "name = expr", "comments", "# to the end"):
        assert words in text


def test_top_level_help_shows_command_summaries_whole() -> None:
    text = ok("--help").stdout
    commands = text.split("Commands:")[1]
    assert "..." not in commands
    joined = " ".join(commands.split())
    assert "Evaluate EXPR and its gradients: the forward pass, then backpropagation." in joined
    assert "List the classic examples, or run NAME (in the steps view unless another is chosen)." in joined


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_script(shell: str) -> None:
    """click's own completion, as the README documents: eval "$(_BACKPROP_COMPLETE=bash_source backprop)"."""
    env = {**os.environ, "_BACKPROP_COMPLETE": f"{shell}_source"}
    result = subprocess.run(
        [sys.executable, "-m", "backprop_cli"], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "_BACKPROP_COMPLETE" in result.stdout
    assert "complete" in result.stdout


def test_shell_completion_completes_commands() -> None:
    env = {**os.environ, "_BACKPROP_COMPLETE": "bash_complete", "COMP_WORDS": "backprop ev", "COMP_CWORD": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "backprop_cli"], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["plain,eval"]
