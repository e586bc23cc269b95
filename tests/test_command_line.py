"""The command line's shape: one view at a time, options that go together or are refused by name,
words that start with -- are options, and the registry that the help prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backprop_cli.commands.registry import OPTIONS, OUTPUTS, VIEWS
from backprop_cli.errors import BackpropError
from conftest import ok, run

SEED = ("(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--steps", "--circuit"], "--steps and --circuit do not go together: choose one view"),
        (["--circuit", "--steps"], "--steps and --circuit do not go together: choose one view"),
        (["--table", "--latex"], "--table and --latex do not go together: --table has no LaTeX form"),
        (["--latex", "--json"], "--json and --latex do not go together: choose one output"),
        (["--circuit", "--json"], "--circuit and --json do not go together: --circuit has no JSON form"),
        (["--json", "--digits", "3"], "--digits and --json do not go together: JSON has no use for --digits"),
        (["--json", "--svg", "a.svg"], "--svg and --json do not go together: JSON has no use for --svg"),
        (["--latex", "--svg", "a.svg"], "--svg and --latex do not go together: LaTeX has no use for --svg"),
        (["--latex", "--ascii"], "--ascii and --latex do not go together: LaTeX has no use for --ascii"),
        (["--table", "--pause"], "--pause and --table do not go together: --table has no use for --pause"),
        (["--circuit", "--pause"], "--pause and --circuit do not go together: --circuit has no use for --pause"),
        (
            ["--steps", "--max-rows", "5"],
            "--max-rows and --steps do not go together: --steps has no use for --max-rows",
        ),
        (["--steps", "--hessian"], "--hessian and --steps do not go together: --steps has no use for --hessian"),
        (["--circuit", "--hessian"], "--hessian and --circuit do not go together: --circuit has no use for --hessian"),
        (["--latex", "--hessian"], "--hessian and --latex do not go together: LaTeX has no use for --hessian"),
    ],
)
@pytest.mark.parametrize("command", ["eval", "demo"])
def test_conflicting_view_options_are_a_usage_error_naming_both(
    command: str, options: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = SEED if command == "eval" else ("circuit",)
    result = run(command, *args, *options)
    assert result.code == 2, result
    assert result.stderr == f"error: {message}\n"
    assert list(tmp_path.iterdir()) == []  # nothing written (an --svg file included)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["demo", "circuit", "--hessian"],
            "--hessian does not go with the steps view, which demo shows unless another view is chosen: choose --table",
        ),
        (
            ["demo", "circuit", "--fields", "hessian"],
            "--fields hessian does not go with the steps view, which demo shows unless another view is chosen: "
            "choose --table",
        ),
        (
            ["demo", "circuit", "--max-rows", "3"],
            "--max-rows does not go with the steps view, which demo shows unless another view is chosen: "
            "choose --table or --circuit",
        ),
        (
            ["eval", *SEED, "--pause"],
            "--pause does not go with the table view, which eval shows unless another view is chosen: choose --steps",
        ),
        (
            ["demo", "circuit", "--html", "p.html", "--json"],
            "--json and --html do not go together: the page has no use for --json",
        ),
        (
            ["demo", "circuit", "--html", "p.html", "--steps"],
            "--steps and --html do not go together: the page has no use for --steps",
        ),
        (
            ["demo", "circuit", "--html", "p.html", "--mode", "forward"],
            "--mode and --html do not go together: the page has no use for --mode",
        ),
    ],
)
def test_a_refusal_names_only_what_was_typed(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An option the DEFAULT view has no use for named a view flag the user did not type (demo NAME
    --hessian: "--hessian and --steps do not go together"); --html ignored every other option."""
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert (result.code, result.stderr) == (2, f"error: {message}\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "refused"),
    [
        (["--circuit", "--ascii"], "--circuit"),
        (["--table"], "--table"),
        (["--steps"], "--steps"),
        (["--latex"], "--latex"),
        (["--digits", "3"], "--digits"),
        (["--max-rows", "5"], "--max-rows"),
        (["--mode", "forward"], "--mode"),
        (["--wrt", "x"], "--wrt"),
        (["--pause"], "--pause"),
        (["--no-notes"], "--no-notes"),
        (["--hessian", "--table"], "--hessian"),  # the first typed, in the order of the parameters' names
        (["--svg", "v.svg"], "--svg"),
        (["--html", "p.html"], "--html"),
    ],
)
def test_demo_without_a_name_refuses_what_needs_a_demo(
    options: list[str], refused: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`demo --circuit --ascii` printed the list and exited 0, dropping --circuit."""
    monkeypatch.chdir(tmp_path)
    result = run("demo", *options)
    message = (
        f"{refused} and no NAME do not go together: the list of demos has no use for {refused}; "
        f"give a demo: backprop demo NAME {refused}"
    )
    assert (result.code, result.stdout, result.stderr) == (2, "", f"error: {message}\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "refused"), [(["--json", "--steps"], "--steps"), (["--fields", "value"], "--fields")]
)
def test_demo_without_a_name_refuses_in_json(options: list[str], refused: str) -> None:
    result = run("demo", *options)
    assert result.code == 2, result
    error = result.json()["error"]
    assert error["kind"] == "usage"
    assert error["message"].startswith(f"{refused} and no NAME do not go together")


def test_demo_lists_in_ascii() -> None:
    """--ascii without NAME: the list in the expression language's spelling, as the views write it."""
    listed = ok("demo", "--ascii").stdout
    assert listed.isascii()
    assert "f = (x + y)*z, with" in listed
    assert "whose local gradient is sigmoid(1 - sigmoid)" in listed
    unicode = ok("demo").stdout
    assert "f = (x + y)·z, with" in unicode
    assert "whose local gradient is σ(1 − σ)" in unicode
    assert [line for line in listed.splitlines() if "gradient is" not in line and "(x + y)" not in line] == [
        line for line in unicode.splitlines() if "gradient is" not in line and "(x + y)" not in line
    ]
    data = ok("demo", "--json").json()  # the JSON list keeps the Unicode descriptions
    assert "σ(1 − σ)" in {d["name"]: d["description"] for d in data["demos"]}["neuron-gate"]


def test_a_conflict_with_json_is_a_json_error() -> None:
    result = run("eval", *SEED, "--circuit", "--json")
    assert result.code == 2
    assert result.json()["error"]["kind"] == "usage"


@pytest.mark.parametrize(
    ("options", "view"),
    [
        ([], "table"),
        (["--steps", "--json"], "steps"),
        (["--latex"], "steps"),  # --latex alone writes the derivation
        (["--steps", "--latex"], "steps"),
        (["--table", "--json"], "table"),
        (["--circuit", "--ascii", "--max-rows", "3"], "circuit"),
    ],
)
def test_documented_combinations_do_what_they_say(options: list[str], view: str) -> None:
    out = ok("eval", *SEED, *options).stdout
    if "--json" in options:
        assert ("steps" in ok("eval", *SEED, *options).json()) == (view == "steps")
    elif "--latex" in options:
        assert out.startswith("% backprop: the derivation")
    elif view == "circuit":
        assert out.startswith("f = t1 * z  [mul]")
    else:
        assert out.startswith("f = -12\nnode")


def test_help_prints_the_registry() -> None:
    help_text = ok("eval", "--help").stdout
    for view in VIEWS.values():
        line = next(
            line for line in help_text.splitlines() if line.strip().startswith(view.flag + " ") and "takes" in line
        )
        for name in OPTIONS:
            assert (f"--{name.replace('_', '-')}" in line.split("takes")[1]) == (name in view.takes), line
    for output in OUTPUTS.values():
        if output.flag:
            assert any(line.strip().startswith(output.flag) and "takes" in line for line in help_text.splitlines())


def test_svg_writes_svg_files_only(tmp_path: Path) -> None:
    result = run("eval", *SEED, "--svg", str(tmp_path / "c.png"))
    assert result.code == 2, result
    assert "--svg writes SVG only, to a file ending in .svg" in result.stderr
    assert list(tmp_path.iterdir()) == []
    ok("eval", *SEED, "--svg", str(tmp_path / "c.SVG"))
    assert (tmp_path / "c.SVG").read_text(encoding="utf-8").startswith("<svg")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "--jsn", "x", "-x", "1"], "unknown option '--jsn' (did you mean --json?)"),
        (["eval", "x", "-x", "1", "--jsn"], "unknown option '--jsn' (did you mean --json?)"),
        (["eval", "x", "-x", "1", "--stesp"], "unknown option '--stesp' (did you mean --steps?)"),
        (["eval", "--verbose"], "unknown option '--verbose' (see --help)"),
        (["check", "x", "-x", "1", "--expct", "x=1"], "unknown option '--expct' (did you mean --expect?)"),
        (["graph", "x", "--outptu=a.dot"], "unknown option '--outptu' (did you mean --output?)"),
        (["demo", "circuit", "--circiut"], "unknown option '--circiut' (did you mean --circuit?)"),
    ],
)
def test_a_word_starting_with_two_dashes_is_an_option(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.code == 2, result
    assert result.stderr == f"error: {message}\n"


def test_an_option_value_may_start_with_two_dashes_and_words_after_a_double_dash_are_free() -> None:
    assert ok("eval", "--json", "--", "--x", "-x", "2").json()["value"] == 2  # minus minus x
    assert ok("eval", "x", "-x", "2", "--wrt=x", "--json").json()["gradients"] == {"x": 1}


def test_unknown_option_with_json_is_a_json_usage_error() -> None:
    result = run("eval", "x", "-x", "1", "--json", "--jsn")
    assert result.code == 2
    assert result.json()["error"]["message"] == "unknown option '--jsn' (did you mean --json?)"


@pytest.mark.parametrize("args", [["-h"], ["-h", "eval"], ["eval", "-h"], ["check", "-h"], ["graph", "-help"]])
def test_dash_h_says_what_it_is_and_points_to_help(args: list[str]) -> None:
    result = run(*args)
    assert result.code == 2
    assert result.stderr == (
        "error: -h is not an option of backprop: single-dash words name an expression's inputs (-x 2); "
        "for help, use --help\n"
    )


def test_wrt_that_names_no_input_is_worded_at_the_command_line() -> None:
    result = run("eval", *SEED, "--wrt", "w")
    assert result.code == 2
    assert result.stderr == "error: --wrt w: the expression has no input named w (inputs: x, y, z)\n"
    assert run("eval", *SEED, "--wrt", ",").stderr.endswith("give input names, as in --wrt x,y\n")


def test_internal_error_with_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import backprop_cli.engine

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(backprop_cli.engine, "evaluate", broken)
    result = run("eval", "x", "-x", "1", "--json")
    assert result.code == 70
    assert result.json()["error"]["kind"] == "internal"  # a script gets JSON even for a bug
    assert result.stderr.startswith("error: internal error: this is a bug in backprop")
    with pytest.raises(RuntimeError, match="boom"):
        run("eval", "x", "-x", "1", "--debug")


CORE = ["engine", "gradcheck", "graph", "ops", "derivation", "parse", "errors", "formatting", "wires"]


@pytest.mark.parametrize("module", CORE)
def test_the_core_names_no_command_line_option(module: str) -> None:
    """Wording about options (--wrt, --expect, "give -x VALUE") belongs to the command line."""
    import ast
    import importlib

    path = importlib.import_module(f"backprop_cli.{module}").__file__
    assert path is not None
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    texts = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]
    texts += [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)]
    for text in texts:
        assert not re.search(r"(^|[\s(\"'])--[a-z]|\} VALUE", text), f"{module}: {text!r}"


def test_expectations_of_unknown_nodes_are_worded_with_the_option() -> None:
    from backprop_cli.gradcheck import ExpectationError, expectations
    from conftest import ev

    with pytest.raises(ExpectationError) as info:
        expectations(ev("x*2", x=1), [("w", "1", 1.0)])
    assert info.value.message == "the expression has no node named 'w'"
    result = run("check", "x*2", "-x", "1", "--expect", "w=1")
    assert result.stderr == "error: --expect w=...: the expression has no node named 'w'\n"


VIEW_MODULES = ["table", "circuit", "steps", "check_view", "diagram", "json_view", "notation", "page", "page/page.css"]


@pytest.mark.parametrize("module", VIEW_MODULES)
def test_views_define_no_colour_of_their_own(module: str) -> None:
    """Colours live in views/theme.py: a view that names one would drift from the others."""
    name = module if "." in module else f"{module}.py"
    path = Path(__file__).resolve().parent.parent / "backprop_cli" / "views" / name
    if not path.exists():
        pytest.skip(f"{module}.py is gone")
    source = path.read_text(encoding="utf-8")
    assert not re.findall(
        r"\"(?:bold |dim |italic )*(?:green|red|yellow|blue)\b|#(?:[0-9a-fA-F]{3}){1,2}\b|!\d+!black", source
    )


ASCII_CASES = [
    (view.flag, extra)
    for view in VIEWS.values()
    if "ascii" in view.takes
    for extra in ([], ["--max-rows", "3"], ["--mode", "forward"])
    if all(option.removeprefix("--").replace("-", "_") in view.takes for option in extra[::2])
]


@pytest.mark.parametrize(("view", "extra"), ASCII_CASES)
def test_every_view_that_takes_ascii_prints_ascii_only(view: str, extra: list[str]) -> None:
    long = " + ".join(["x*y"] * 30)  # shortened in the middle in the table
    out = ok("eval", f"2*x*x + 3 + {long}", "-x", "3", "-y", "1", view, "--ascii", *extra).stdout
    assert out.isascii(), out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--json", "--digits", "3"], "--digits and --json do not go together: JSON has no use for --digits"),
        (["--json", "--ascii"], "--ascii and --json do not go together: JSON has no use for --ascii"),
    ],
)
def test_check_refuses_what_its_json_has_no_use_for(options: list[str], message: str) -> None:
    result = run("check", *SEED, *options)
    assert result.code == 2, result
    assert result.stderr == f"error: {message}\n"


@pytest.mark.parametrize(
    "args",
    [
        ["check", "relu(x) * y", "-x", "1e-7", "-y", "2", "--ascii"],  # a kink note
        ["eval", "sum(x*x) + 0*" + "+".join(["y"] * 40), "-x", "[1,2,3,4]", "-y", "1", "--ascii", "--max-rows", "2"],
    ],
)
def test_check_and_array_tables_in_ascii_are_ascii_only(args: list[str]) -> None:
    out = ok(*args).stdout
    assert out.isascii(), out


def _subclasses(cls: type[BackpropError]) -> list[type[BackpropError]]:
    found: list[type[BackpropError]] = []
    stack = [cls]
    while stack:
        for sub in stack.pop().__subclasses__():
            found.append(sub)
            stack.append(sub)
    return found


def test_each_error_class_is_a_documented_json_kind_with_its_exit_code() -> None:
    """The class picks both the JSON kind and the exit code: one taxonomy, no per-raise override."""
    import json as json_module

    from backprop_cli.errors import (
        EXIT_INTERNAL,
        EXIT_MATH,
        EXIT_OUTPUT,
        EXIT_USAGE,
        InternalError,
        MathError,
        OutputFileError,
    )

    schema = Path(__file__).resolve().parent.parent / "docs" / "schema" / "error.json"
    kinds = set(
        json_module.loads(schema.read_text(encoding="utf-8"))["properties"]["error"]["properties"]["kind"]["enum"]
    )
    classes = _subclasses(BackpropError)
    assert {c.kind for c in classes} == kinds
    for c in classes:
        special = {MathError: EXIT_MATH, InternalError: EXIT_INTERNAL, OutputFileError: EXIT_OUTPUT}
        assert c.exit_code == next((code for k, code in special.items() if issubclass(c, k)), EXIT_USAGE), c
    package = Path(__file__).resolve().parent.parent / "backprop_cli"
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(raise|return|=|\()\s*BackpropError\(", text), (
            f"{path}: raise a kind's class, not the base class"
        )
        assert not re.search(r"Error\([^)]*\bkind=", text), f"{path}: the class is the kind"


def test_out_of_memory_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import backprop_cli.engine

    def huge(*_: object, **__: object) -> None:
        raise MemoryError

    monkeypatch.setattr(backprop_cli.engine, "evaluate", huge)
    result = run("eval", "x", "-x", "1", "--json")
    assert result.code == 2
    assert result.json()["error"]["kind"] == "usage"
    assert "out of memory" in result.stderr


def test_every_command_is_a_backprop_command_in_its_own_module() -> None:
    """Registered by one line, each command gets the shared parsing (unknown --options, JSON errors)."""
    import click

    from backprop_cli.cli import cli
    from backprop_cli.commands.options import BackpropCommand

    ctx = click.Context(cli)
    names = cli.list_commands(ctx)
    assert {"eval", "demo", "graph", "check"} <= set(names)
    for name in names:
        command = cli.get_command(ctx, name)
        assert isinstance(command, BackpropCommand), name
        assert run(name, "--no-such-option").stderr.startswith("error: unknown option '--no-such-option'"), name


SAME_FLAG_OTHER_MEANING = {"--format": "graph's is a text format (dot, mermaid), batch's a file format (csv...)"}
"""Flags that two commands share by name only, each declared with its command."""


def test_an_option_that_two_commands_take_is_declared_once() -> None:
    """--json, --digits, --wrt... come from DECLARED in every command (check's --json as eval's); only
    a command's own default and help may differ."""
    import click

    from backprop_cli.cli import cli
    from backprop_cli.commands.declarations import DECLARED

    ctx = click.Context(cli)
    declared = {d.flag: d for d in DECLARED.values()}
    users: dict[str, list[str]] = {}
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        for param in command.get_params(ctx):
            if not isinstance(param, click.Option) or param.opts == ["--help"]:
                continue
            flag = param.opts[0]
            users.setdefault(flag, []).append(name)
            if flag in declared:
                d = declared[flag]
                made = d.but(default=param.default, help=param.help)(lambda: None).__click_params__[0]  # type: ignore[attr-defined]
                assert (param.name, param.is_flag, param.metavar, param.callback) == (
                    made.name,
                    made.is_flag,
                    made.metavar,
                    made.callback,
                ), f"{name} {flag}"
                assert type(param.type) is type(made.type) and param.type.to_info_dict() == made.type.to_info_dict()
    shared = {flag for flag, names in users.items() if len(names) > 1}
    views = {view.flag for view in VIEWS.values()}  # declared by their entry in the registry
    undeclared = shared - declared.keys() - views - SAME_FLAG_OTHER_MEANING.keys()
    assert not undeclared, f"declare these in commands/declarations.py: {sorted(undeclared)}"
    assert {"--json", "--digits", "--wrt", "--file", "--debug", "--output"} <= shared & declared.keys()
