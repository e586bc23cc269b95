"""The grammar's LALR parse tables, generated from ``grammars/expr.lark`` and shipped as JSON.

Building the tables from the grammar takes ~13 ms at every start-up that parses. Lark can cache
them, but its cache is a pickle: whoever can write the cache file runs code in the next ``backprop``.
These tables are data (JSON), shipped inside the package, read in ~1 ms, and used only while they
match the grammar, the Lark version and the parser's options they were generated from; otherwise
the parser is built from the grammar. A test regenerates them and compares the bytes, so they cannot
drift: ``python -m backprop_cli.tables`` rewrites them after a change of the grammar.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

TABLES_FILE = "expr.tables.json"
_GIVEN = "<given at load time>"
"""Stands in the JSON for options that are Python objects (a lexer class), passed again when loading."""


def read_grammar_file(name: str) -> str | None:
    """A file of the grammars folder, from the installed package or from a source checkout.

    Plain paths first: importlib.resources costs ~2 ms at its first use, and is needed only when
    the package is not a folder (a zip).
    """
    here = Path(__file__).parent
    for path in (here / "grammars" / name, here.parent / "grammars" / name):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    packaged = resources.files("backprop_cli").joinpath("grammars", name)
    return packaged.read_text(encoding="utf-8") if packaged.is_file() else None


def _spell(value: Any) -> str:
    """An option as text: a literal's repr, a class's or an object's class name (no address)."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return repr(value)
    return (value if isinstance(value, type) else type(value)).__qualname__


def _stamp(grammar: str, options: dict[str, Any]) -> dict[str, str]:
    """What the tables were generated from; they are used only when all of it is unchanged."""
    spelled = {k: _spell(v) for k, v in sorted(options.items())}
    return {
        "grammar_sha256": hashlib.sha256(grammar.encode("utf-8")).hexdigest(),
        "lark": lark.__version__,
        "options": json.dumps(spelled, sort_keys=True),
    }


def generate(grammar: str, options: dict[str, Any]) -> str:
    """The JSON text of the tables of ``grammar`` built with Lark ``options`` (deterministic)."""
    parser = Lark(grammar, **options)
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    for key, value in options.items():
        if not isinstance(value, (str, int, float, bool, type(None))):
            data["options"][key] = _GIVEN
    lexer_conf = data["parser"]["lexer_conf"]
    if not isinstance(lexer_conf.get("lexer_type"), str):
        lexer_conf["lexer_type"] = _GIVEN
    data["parser"]["parser"] = _canonical(data["parser"]["parser"])
    document = {"stamp": _stamp(grammar, options), "data": data, "memo": memo}
    return json.dumps(document, sort_keys=True, indent=0, ensure_ascii=True) + "\n"


def _canonical(table: dict[str, Any]) -> dict[str, Any]:
    """The parse table with its numbers in a canonical order, so that regenerating it gives the same
    bytes: Lark numbers the states and tokens in an order that varies from run to run.

    Tokens are numbered by name, states in breadth-first order from the start states, following each
    state's shifts in token-name order.
    """
    names = sorted(table["tokens"].values())
    token_id = {name: k for k, name in enumerate(names)}
    old_states = table["states"]
    order = sorted(table["start_states"].items()) + sorted(table["end_states"].items())
    state_id: dict[int, int] = {}
    queue = [state for _, state in order]
    while queue:
        state = queue.pop(0)
        if state in state_id:
            continue
        state_id[state] = len(state_id)
        actions = sorted(old_states[state].items(), key=lambda item: table["tokens"][item[0]])
        queue += [arg for _, (action, arg) in actions if action == 0]
    states: dict[int, dict[int, tuple[int, Any]]] = {}
    for old, new in sorted(state_id.items(), key=lambda item: item[1]):
        by_name = sorted((table["tokens"][token], action, arg) for token, (action, arg) in old_states[old].items())
        states[new] = {token_id[name]: (action, state_id[arg] if action == 0 else arg) for name, action, arg in by_name}
    return {
        "tokens": dict(enumerate(names)),
        "states": states,
        "start_states": {k: state_id[v] for k, v in table["start_states"].items()},
        "end_states": {k: state_id[v] for k, v in table["end_states"].items()},
    }


def _int_keys(pairs: list[tuple[str, Any]]) -> dict[Any, Any]:
    """JSON object keys are strings; Lark's tables are keyed by state and token numbers."""
    return {int(k) if k.isascii() and k.isdigit() else k: v for k, v in pairs}


def load(grammar: str, options: dict[str, Any], **runtime: Any) -> Lark:
    """A Lark parser for ``grammar``: from the shipped tables when they match, else built.

    ``runtime`` holds the options that are not part of the tables (a transformer).
    """
    text = read_grammar_file(TABLES_FILE)
    if text is not None:
        try:
            document = json.loads(text, object_pairs_hook=_int_keys)
            if document["stamp"] == _stamp(grammar, options):
                data = document["data"]
                for key, value in options.items():
                    if data["options"].get(key) == _GIVEN:
                        data["options"][key] = value
                lexer_conf = data["parser"]["lexer_conf"]
                if lexer_conf.get("lexer_type") == _GIVEN:
                    lexer_conf["lexer_type"] = options["lexer"]
                return Lark._load_from_dict(data, document["memo"], **runtime)  # type: ignore[no-any-return,no-untyped-call]
        except (ValueError, KeyError, TypeError):
            pass  # unreadable tables: build them instead
    return Lark(grammar, **options, **runtime)


def main() -> None:
    """Regenerate the shipped tables (run from a source checkout after changing the grammar)."""
    from .parse import LARK_OPTIONS, grammar_text

    path = Path(__file__).parent.parent / "grammars" / TABLES_FILE
    path.write_text(generate(grammar_text(), LARK_OPTIONS), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
