"""Lark's LALR tables, run by a short loop: the grammar stays in Lark, the per-token cost drops.

Lark builds the parse table from ``grammars/expr.lark``; :class:`Tables` reads it once and
:func:`run` drives it over the matches of one regular expression (the terminals, in the order
Lark's basic lexer tries them). Callbacks get the same children Lark's own parser would hand a
transformer (anonymous tokens filtered, ``_rules`` spliced in, ``?rules`` with one child passed
through), except that a token is the ``re.Match`` that found it (``group()``, ``start()``,
``end()``); :class:`~backprop_cli.parse.Builder` reads tokens that way, and the reference path
hands it Lark's tokens the same way. Against Lark's own loop this saves the token objects, the
per-reduction wrapper calls and the hashing of rule objects.

It knows nothing of backprop. A syntax error here is only detected (:class:`Rejected`); the
caller asks Lark's own parser for the exception, so error messages come from one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

END = "$END"


class Rejected(Exception):
    """The input is not in the language (or has a character no terminal matches)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One grammar rule as the loop needs it."""

    size: int
    """Symbols on the right-hand side (popped from the stacks when it reduces)."""
    origin: str
    callback: str
    """The transformer method to call (alias or rule name)."""
    keep: tuple[tuple[int, bool], ...] | None
    """(index, splice) of the children handed to the callback; None for all of them, unspliced."""
    expand1: bool
    """A ``?rule``: one child is passed through instead of calling back."""


@dataclass(frozen=True, slots=True)
class Tables:
    """The lexer's regular expression and the LALR table, read from a ``Lark`` object, with every
    symbol (terminal or rule name) numbered, so that a table row is a list indexed by symbol."""

    regex: re.Pattern[str]
    """The terminals as one alternation of named groups, then an empty group at the end of the text
    (the end token)."""
    kinds: tuple[int, ...]
    """A match's ``lastindex`` -> the symbol it is."""
    symbols: dict[str, int]
    ignore: frozenset[int]
    actions: tuple[tuple[int | None, ...], ...]
    """state -> symbol -> next state (shift, goto), ``~rule`` (reduce) or None (a syntax error)."""
    rules: tuple[Rule, ...]
    start: int
    end: int

    @classmethod
    def from_lark(cls, lark: Any) -> Tables:
        """Read a Lark LALR parser's terminals and parse table (``lexer="basic"``)."""
        # Lark's basic lexer tries terminals in this order; one alternation in the same order
        # matches the same tokens.
        terminals = sorted(
            lark.terminals, key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name)
        )
        regex = re.compile("|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terminals) + r"|(\Z)")
        table = lark.parser.parser.parser.parse_table
        names = [t.name for t in terminals] + [END] + sorted({rule.origin.name for rule in lark.rules})
        symbols = {name: code for code, name in enumerate(names)}
        # A terminal's own groups are never a match's lastindex (its named group closes last): an
        # index past every symbol, should one ever be, fails at once instead of parsing wrong.
        kinds = [len(names)] * (regex.groups + 1)
        for name, group in regex.groupindex.items():
            kinds[group] = symbols[name]
        kinds[regex.groups] = symbols[END]
        rule_ids = {rule: i for i, rule in enumerate(lark.rules)}
        actions = [[None] * len(names) for _ in range(max(table.states) + 1)]
        for state, row in table.states.items():
            for symbol, (action, arg) in row.items():
                actions[state][symbols[symbol]] = ~rule_ids[arg] if action.name == "Reduce" else arg
        return cls(
            regex,
            tuple(kinds),
            symbols,
            frozenset(symbols[name] for name in lark.lexer_conf.ignore),
            tuple(map(tuple, actions)),
            tuple(_rule(rule) for rule in lark.rules),
            table.start_states["start"],
            table.end_states["start"],
        )


def _rule(rule: Any) -> Rule:
    """Lark's child filtering (``parse_tree_builder.py``) for one rule, as data."""
    keep = tuple(
        (i, not sym.is_term and sym.name.startswith("_"))
        for i, sym in enumerate(rule.expansion)
        if not (sym.is_term and sym.filter_out)
    )
    size = len(rule.expansion)
    plain = len(keep) == size and not any(splice for _, splice in keep)
    expand1 = bool(rule.options.expand1 and not rule.alias)
    return Rule(size, rule.origin.name, rule.alias or rule.origin.name, None if plain else keep, expand1)


def run(  # noqa: PLR0915 - one loop on purpose: a function call per token is what this saves
    tables: Tables, text: str, transformer: object, newline: str, opening: tuple[str, ...], closing: tuple[str, ...]
) -> Any:
    """Lex and parse ``text``, calling ``transformer``'s methods as rules reduce; return the start
    rule's value.

    Tokens are matched as the parser needs them (as Lark's lexer does: a million-term program never
    holds all its tokens at once). ``newline`` tokens are dropped between ``opening`` and
    ``closing`` ones (a line goes on inside parentheses or brackets). Raises :class:`Rejected` where
    the table has no action for a token, or at a character no terminal matches. A rule without a
    method gives its children as a list (Lark gives a tree); a ``_rule``'s are spliced into its parent.
    """
    symbols, kinds, actions = tables.symbols, tables.kinds, tables.actions
    reduce, unit = _reductions(tables, transformer)
    ignore = tables.ignore
    nl = symbols[newline]
    opens = {symbols[name] for name in opening}
    special = ignore | opens | {nl} | {symbols[name] for name in closing}
    end_state = tables.end
    states = [tables.start]
    values: list[Any] = []
    depth = 0
    # A chain of unit reductions (x is an atom, a postfix, a power, a unary, a product...) depends
    # only on the two states on top and the token: followed once, then looked up.
    chains: dict[tuple[int, int, int], int] = {}
    # re.Pattern.scanner(text).match: each match anchored where the last one ended (None at a character
    # no terminal matches); the regular expression's last group matches at the end of the text.
    scanner = tables.regex.scanner(text)  # type: ignore[attr-defined]
    for match in iter(scanner.match, None):
        kind = kinds[match.lastindex or 0]
        if kind in special:
            if kind in ignore:
                continue
            if kind == nl:
                if depth:
                    continue
            elif kind in opens:
                depth += 1
            elif depth:
                depth -= 1
        while True:
            top = states[-1]
            action = actions[top][kind]
            if action is None:
                raise Rejected(match.start())
            if action >= 0:
                states.append(action)
                values.append(match)
                break
            if unit[~action]:
                below = states[-2]
                key = (below, top, kind)
                state = chains.get(key)
                if state is None:
                    state = chains[key] = _chain(actions, reduce, unit, below, action, kind)
                states[-1] = state
                continue
            size, origin, keep, expand1, callback = reduce[~action]
            if size:
                children = values[-size:]
                del values[-size:]
                del states[-size:]
            else:
                children = []
            if keep is not None:
                children = _filter(children, keep)
            if expand1 and len(children) == 1:
                values.append(children[0])
            else:
                values.append(children if callback is None else callback(children))
            state = actions[states[-1]][origin]
            if state == end_state:
                return values[-1]
            states.append(state)  # type: ignore[arg-type]
    raise Rejected(len(text))  # a character no terminal matches (the end's match accepts or rejects)


Reduction = tuple[int, int, "tuple[tuple[int, bool], ...] | None", bool, "Callable[[list[Any]], Any] | None"]


def _reductions(tables: Tables, transformer: object) -> tuple[list[Reduction], list[bool]]:
    """Per rule: (size, the symbol it reduces to, the children kept, whether it passes one child
    through, its callback or None); and whether it is a unit ``?rule`` (one symbol, passed through:
    the child's value stays on the stack, only the state changes)."""
    reduce = [
        (r.size, tables.symbols[r.origin], r.keep, r.expand1, getattr(transformer, r.callback, None))
        for r in tables.rules
    ]
    unit = [rule.expand1 and rule.size == 1 and rule.keep is None for rule in tables.rules]
    return reduce, unit


def _chain(
    actions: tuple[tuple[int | None, ...], ...],
    reduce: list[Reduction],
    unit: list[bool],
    below: int,
    action: int,
    kind: int,
) -> int:
    """The state a chain of unit reductions ends in, from the reduction ``action``, over the state ``below``."""
    state = actions[below][reduce[~action][1]]
    while True:
        assert state is not None  # a goto always exists
        next_action = actions[state][kind]
        if next_action is None or next_action >= 0 or not unit[~next_action]:
            return state
        state = actions[below][reduce[~next_action][1]]


def _filter(children: list[Any], keep: tuple[tuple[int, bool], ...]) -> list[Any]:
    filtered: list[Any] = []
    for i, splice in keep:
        if splice:
            if filtered:
                filtered += children[i]
            else:  # a left-recursive _rule grows its own list: no copy (as Lark does)
                filtered = children[i]
        else:
            filtered.append(children[i])
    return filtered
