"""The generated rule module is the op table's formulas, parsed and compiled: it must be up to date."""

from __future__ import annotations

import subprocess
import sys

from backprop_cli import rulegen


def test_rules_module_is_in_sync_with_the_table() -> None:
    for path, text in rulegen.sources().items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is out of date: run python -m backprop_cli.rulegen"


def test_the_numeric_path_parses_no_formula() -> None:
    """The rules are compiled ahead of time: evaluating imports neither Lark nor the generator."""
    code = (
        "import sys; from backprop_cli import engine, rules, views; "
        "assert not {'lark', 'backprop_cli.rulegen', 'backprop_cli.formula'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
