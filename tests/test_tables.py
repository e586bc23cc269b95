"""The shipped parse tables: regenerated from the grammar they are the same bytes, they are used
(no pickle, no build at start-up), and tables that do not match the grammar are never used."""

from __future__ import annotations

from pathlib import Path

import lark
import pytest

from backprop_cli import tables
from backprop_cli.builder import Builder
from backprop_cli.parse import LARK_OPTIONS, LarkCallbacks, grammar_text

SHIPPED = Path(__file__).resolve().parent.parent / "grammars" / tables.TABLES_FILE


def test_regenerating_the_tables_gives_the_same_bytes() -> None:
    """If this fails, the grammar or the parser's options changed: run `python -m backprop_cli.tables`."""
    assert tables.generate(grammar_text(), LARK_OPTIONS) == SHIPPED.read_text(encoding="utf-8")


def test_the_shipped_tables_are_loaded_not_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lark.Lark, "__init__", None)  # building from the grammar would fail
    builder = Builder("")
    parser = tables.load(grammar_text(), LARK_OPTIONS, transformer=LarkCallbacks(builder))
    parser.parse("q = x + y\nf = q * z")
    assert builder.ops == ["var", "var", "add", "var", "mul"]


@pytest.mark.parametrize(
    "change",
    ["grammar", "options", "lark version"],
)
def test_tables_that_do_not_match_are_not_used(monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    grammar, options = grammar_text(), dict(LARK_OPTIONS)
    if change == "grammar":
        grammar = grammar.replace('POW: "^" | "**"', 'POW: "^"')
    elif change == "options":
        options["maybe_placeholders"] = True
    else:
        monkeypatch.setattr(lark, "__version__", "0.0.1")
    loaded = []
    monkeypatch.setattr(lark.Lark, "_load_from_dict", classmethod(lambda cls, *a, **k: loaded.append(1)))
    builder = Builder("")
    parser = tables.load(grammar, options, transformer=LarkCallbacks(builder))
    assert loaded == []
    parser.parse("x ^ 2")
    assert builder.ops == ["var", "const", "pow"]
    if change == "grammar":
        with pytest.raises(lark.exceptions.UnexpectedInput):
            parser.parse("x ** 2")
