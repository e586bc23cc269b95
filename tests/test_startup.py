"""What a cold start imports and builds: the paths import only what they use (issue 11, start-up).

Times are measured by ``bench/startup.sh``, never here; these tests pin down the modules, which is
what the time is made of.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop_cli.cli import cli

SEED = ["eval", "(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4"]

# Prints the modules a run imported, and whether --help's tables were built.
PROBE = """
import sys
before = set(sys.modules)
from backprop_cli.commands import viewing
built = []
viewing.combinations_help = lambda: built.append(1) or ""
sys.argv = ["backprop", *{argv!r}]
from backprop_cli.entry import main
try:
    main()
except SystemExit:
    pass
print(" ".join(sorted(set(sys.modules) - before)), file=sys.stderr)
print("built" if built else "not built", file=sys.stderr)
"""


def imported(argv: list[str], cache: Path) -> tuple[set[str], str]:
    env = {**os.environ, "BACKPROP_CACHE_DIR": str(cache)}
    env.pop("BACKPROP_NO_CACHE", None)
    # Fills the cache, in this process (a process of its own cost as much as the probe's). Where the
    # probe's run must be a hit, that it is is checked: Lark, which a miss imports, is forbidden there.
    filled = CliRunner().invoke(cli, argv, env={"BACKPROP_CACHE_DIR": str(cache), "BACKPROP_NO_CACHE": None})
    assert filled.exit_code == 0, filled.output
    code = PROBE.format(argv=argv)
    # Run from elsewhere, so that the probe imports the copy this process imported (the installed one
    # in CI), not a source tree in the working directory: the cache's stamp is that copy's files.
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=cache, capture_output=True, text=True, check=True)
    modules, help_tables = done.stderr.strip().splitlines()[-2:]
    return set(modules.split()), help_tables


# Each is either heavy (click, Lark, Rich, NumPy, the symbolic machinery) or needed only on a path
# that failed or asked for it: difflib (a mistyped name), signal (--pause), json (steps, errors).
# click reads only the command lines that eval's own reader leaves to it (commands/eval_argv.py).
NEVER_ON_A_CACHE_HIT = {
    "click",
    "lark",
    "rich",
    "numpy",
    "backprop_cli.parse",
    "backprop_cli.formula",
    "backprop_cli.printer",
    "backprop_cli.symbolic",
    "backprop_cli.rule_trees",
    "backprop_cli.commands.language",
    "difflib",
    "signal",
    "json",
    "orjson",  # only for large graphs' numbers
}


@pytest.mark.parametrize("argv", [[*SEED, "--json"], [*SEED, "--fields", "value,gradients"]])
def test_eval_json_on_a_cache_hit_imports_only_what_it_uses(argv: list[str], tmp_path: Path) -> None:
    modules, help_tables = imported(argv, tmp_path)
    assert "backprop_cli.views.json_stream" in modules  # the probe sees the run's imports
    assert NEVER_ON_A_CACHE_HIT & modules == set()
    assert help_tables == "not built"


NEVER_IN_THE_TABLE = {"click", "lark", "numpy", "backprop_cli.symbolic", "backprop_cli.formula", "difflib", "json"}

# Piped, the table is written as plain text (views/text_table.py): Rich's box characters and cell
# widths, not its console, its table, its text or styles, nor what they import (fractions and decimal
# for rich.table's ratios, pickle and random for rich.style).
RICH_CONSOLE = {"rich.console", "rich.table", "rich.text", "rich.style", "rich.segment", "fractions", "decimal"}


def test_the_piped_table_imports_neither_rich_console_nor_lark_numpy_or_the_symbolic_machinery(tmp_path: Path) -> None:
    modules, help_tables = imported(SEED, tmp_path)
    assert {"rich.cells", "rich.box", "backprop_cli.views.table", "backprop_cli.views.text_table"} <= modules
    assert (NEVER_IN_THE_TABLE | RICH_CONSOLE | {"backprop_cli.views.json_stream"}) & modules == set()
    assert help_tables == "not built"


def test_the_table_on_a_terminal_is_rich(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # Rich takes the output for a terminal
    modules, _ = imported(SEED, tmp_path)
    assert {"rich.console", "rich.table"} <= modules
    assert (NEVER_IN_THE_TABLE | {"backprop_cli.views.json_stream"}) & modules == set()


def test_help_still_shows_the_tables_built_on_demand(tmp_path: Path) -> None:
    modules, help_tables = imported(["eval", "--help"], tmp_path)
    assert "click" in modules  # --help is click's
    assert help_tables == "built"
