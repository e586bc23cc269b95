"""The JSON contract: a schema version, the mode, warnings, graph --json, and a published JSON Schema for
every command's output (conftest.run validates every JSON the tests see against it)."""

from __future__ import annotations

import math
from typing import Any

import click
import jsonschema
import pytest

from backprop_cli.cli import cli
from backprop_cli.demos import DEMOS
from conftest import SCHEMAS, ok, run, validate_json

SEED = ["q = x + y; f = q * z", "-x", "-2", "-y", "5", "-z", "-4"]


@pytest.mark.parametrize(
    "args",
    [
        ["eval", *SEED, "--json"],
        ["eval", *SEED, "--json", "--steps"],
        ["eval", *SEED, "--json", "--mode", "forward"],
        ["check", *SEED, "--json"],
        ["graph", *SEED, "--json"],
        ["graph", "x*y", "--json"],
        ["demo", "--json"],
        ["demo", "staged", "--json"],
        ["eval", "log(x)", "-x", "-1", "--json"],  # a math error
        ["eval", "x +", "--json"],  # a syntax error
        ["eval", "x", "--json", "--jsn"],  # a usage error
    ],
)
def test_every_json_object_carries_the_schema_version_and_warnings(args: list[str]) -> None:
    data = run(*args).json()
    assert next(iter(data)) == "schema_version"
    assert data["schema_version"] == 1
    assert list(data)[-1] == "warnings"
    assert data["warnings"] == []


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_mode_in_both_modes(mode: str) -> None:
    assert ok("eval", *SEED, "--json", "--mode", mode).json()["mode"] == mode
    assert ok("demo", "circuit", "--json", "--mode", mode).json()["mode"] == mode


def test_warnings_are_in_the_json_as_well_as_on_stderr() -> None:
    result = run("eval", "a = 1; x*2", "-x", "3", "-w", "1", "--json")
    assert result.code == 0
    warnings = result.json()["warnings"]
    assert warnings == [
        "'a' is assigned but not used by the output (the last statement)",
        "'w' is not used by the expression; its value is ignored",
    ]
    assert result.stderr.splitlines() == [f"warning: {w}" for w in warnings]
    # an error after a warning keeps the warning
    failed = run("eval", "log(x)", "-x", "-1", "-w", "1", "--json")
    assert failed.code == 1
    assert failed.json()["warnings"] == ["'w' is not used by the expression; its value is ignored"]
    # and one run's warnings do not leak into the next
    assert ok("eval", "x", "-x", "1", "--json").json()["warnings"] == []


def test_graph_json_has_nodes_and_wires_with_their_contributions() -> None:
    data = ok("graph", "x*x", "-x", "3", "--json").json()
    assert [n["label"] for n in data["nodes"]] == ["x", "f"]
    assert data["nodes"][0]["grad"] == 6
    assert data["wires"] == [
        {"from": 0, "to": 1, "position": 0, "value": 3.0, "grad": 3.0},
        {"from": 0, "to": 1, "position": 1, "value": 3.0, "grad": 3.0},
        {"from": 1, "to": None, "position": 0, "value": 9.0, "grad": 1.0},
    ]
    assert data["forks"] == [0]
    structure = ok("graph", "x*y", "--json").json()
    assert all(w["value"] is None and w["grad"] is None for w in structure["wires"])


@pytest.mark.parametrize("name", list(DEMOS))
def test_graph_json_wires_add_up_for_every_demo(name: str) -> None:
    demo = DEMOS[name]
    data = ok("graph", demo.source, *(f"{k}={v}" for k, v in demo.values.items()), "--json").json()
    for node in data["nodes"]:
        shares = [w["grad"] for w in data["wires"] if w["from"] == node["id"]]
        if node["grad"] is None:
            assert shares == [None] * len(shares)
        else:
            assert math.fsum(shares) == pytest.approx(node["grad"], rel=1e-12)


@pytest.mark.parametrize("other", [["--output", "g.dot"], ["--format", "mermaid"]])
def test_graph_json_does_not_combine_with_a_file_or_a_format(other: list[str]) -> None:
    result = run("graph", "x*x", "-x", "3", "--json", *other)
    assert result.code == 2
    assert result.json()["error"]["kind"] == "usage"
    assert "does not combine with " + other[0] in result.json()["error"]["message"]


def _commands_with_json() -> list[str]:
    ctx = click.Context(cli)
    names = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        if any("--json" in getattr(p, "opts", []) for p in command.params):
            names.append(name)
    return names


def test_every_command_with_json_output_has_a_published_schema() -> None:
    commands = _commands_with_json()
    assert {"eval", "check", "graph", "demo"} <= set(commands)
    for name in commands:
        assert (SCHEMAS / f"{name}.json").is_file(), f"docs/schema/{name}.json is missing"
    assert (SCHEMAS / "error.json").is_file()
    for path in SCHEMAS.glob("*.json"):
        jsonschema.Draft202012Validator.check_schema(__import__("json").loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("command", "change"),
    [
        ("eval", lambda d: d.pop("schema_version")),
        ("eval", lambda d: d.pop("mode")),
        ("eval", lambda d: d.pop("warnings")),
        ("eval", lambda d: d.update(surprise=1)),  # a new key must be documented in the schema
        ("eval", lambda d: d["nodes"][0].update(grad="4")),
        ("eval", lambda d: d.update(mode="sideways")),
        ("graph", lambda d: d["wires"][0].pop("grad")),
        ("check", lambda d: d["checks"][0].update(verdict="fine")),
        ("demo", lambda d: d.pop("nodes")),
    ],
)
def test_the_schemas_reject_what_the_contract_does_not_say(command: str, change: Any) -> None:
    """The validation every test's JSON goes through is not vacuous."""
    args = {"eval": ["eval", *SEED], "graph": ["graph", *SEED], "check": ["check", *SEED], "demo": ["demo", "circuit"]}
    data = ok(*args[command], "--json").json()
    validate_json(command, data)
    change(data)
    with pytest.raises(jsonschema.ValidationError):
        validate_json(command, data)


def test_errors_are_validated_against_the_error_schema() -> None:
    data = run("eval", "x +", "--json").json()
    validate_json("eval", data)
    data["error"]["kind"] = "oops"
    with pytest.raises(jsonschema.ValidationError):
        validate_json("eval", data)


def test_graph_json_with_arrays_has_nested_lists() -> None:
    pytest.importorskip("numpy")
    data = ok("graph", "sum(x*x)", "-x", "[1, 2]", "--json").json()
    assert data["nodes"][0]["grad"] == [2.0, 4.0]
    assert [w["grad"] for w in data["wires"] if w["from"] == 0] == [[1.0, 2.0], [1.0, 2.0]]  # each use's share
