"""Lark's LALR tables, run by a short loop: the grammar stays in Lark, the per-token cost drops.

Lark builds the parse table from ``grammars/expr.lark``; :class:`Tables` reads it once and
:func:`run` drives it over tokens from one regular expression. Callbacks get the same children
Lark's own parser would hand a transformer (anonymous tokens filtered, ``_rules`` spliced in,
``?rules`` with one child passed through), so :class:`~backprop_cli.parse.Builder` serves both.
Against Lark's own loop this saves the token objects, the per-reduction wrapper calls and the
hashing of rule objects: about 3× on a long sum (``bench/parse_options.py``).

It knows nothing of backprop. A syntax error here is only detected (:class:`Rejected`); the
caller asks Lark's own parser for the exception, so error messages come from one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

END = "$END"


class Token:
    """A token with the attributes of ``lark.Token`` that callbacks read."""

    __slots__ = ("end_pos", "start_pos", "type", "value")

    def __init__(self, type: str, value: str, start_pos: int, end_pos: int) -> None:
        self.type = type
        self.value = value
        self.start_pos = start_pos
        self.end_pos = end_pos

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r})"


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
    """The lexer's regular expression and the LALR table, read from a ``Lark`` object."""

    regex: re.Pattern[str]
    ignore: frozenset[str]
    actions: dict[int, dict[str, int]]
    """state -> terminal or rule name -> next state (shift, goto) or ``~rule`` (reduce)."""
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
        regex = re.compile("|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terminals))
        table = lark.parser.parser.parser.parse_table
        rule_ids = {rule: i for i, rule in enumerate(lark.rules)}
        actions = {
            state: {
                symbol: (~rule_ids[arg] if action.name == "Reduce" else arg) for symbol, (action, arg) in row.items()
            }
            for state, row in table.states.items()
        }
        return cls(
            regex,
            frozenset(lark.lexer_conf.ignore),
            actions,
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


def lex(tables: Tables, text: str, newline: str, opening: tuple[str, ...], closing: tuple[str, ...]) -> Iterator[Token]:
    """The tokens of ``text``, as the parser asks for them (as Lark's lexer does: a million-term
    program never holds all its tokens at once); :class:`Rejected` at a character no terminal matches.

    ``newline`` tokens are dropped between ``opening`` and ``closing`` ones (a line goes on
    inside parentheses or brackets).
    """
    ignore = tables.ignore
    pos = depth = 0
    for match in tables.regex.finditer(text):
        start = match.start()
        if start != pos:
            break
        kind = match.lastgroup or ""
        pos = match.end()
        if kind in ignore:
            continue
        if kind == newline:
            if depth:
                continue
        elif kind in opening:
            depth += 1
        elif kind in closing and depth:
            depth -= 1
        yield Token(kind, match.group(), start, pos)
    if pos != len(text):
        raise Rejected(pos)


def run(tables: Tables, tokens: Iterable[Token], end_pos: int, transformer: object) -> Any:
    """Parse ``tokens``, calling ``transformer``'s methods as rules reduce; return the start rule's value.

    Raises :class:`Rejected` where the table has no action for a token. A rule without a method
    gives its children as a list (Lark gives a tree); a ``_rule``'s are spliced into its parent.
    """
    rules = tables.rules
    callbacks: list[Callable[[list[Any]], Any] | None] = [getattr(transformer, r.callback, None) for r in rules]
    # ?rules with one symbol: the child's value stays on the stack, only the state changes.
    unit = [rule.expand1 and rule.size == 1 and rule.keep is None for rule in rules]
    actions = tables.actions
    end_state = tables.end
    states = [tables.start]
    values: list[Any] = []
    end = Token(END, "", end_pos, end_pos)
    # A chain of unit reductions (x is an atom, a postfix, a power, a unary, a product...) depends
    # only on the two states on top and the token: followed once, then looked up.
    chains: dict[tuple[int, int, str], int] = {}
    for token in chain(tokens, (end,)):
        kind = token.type
        while True:
            top = states[-1]
            action = actions[top].get(kind)
            if action is None:
                raise Rejected(token)
            if action >= 0:
                states.append(action)
                values.append(token)
                break
            rule = rules[~action]
            if unit[~action]:
                key = (states[-2], top, kind)
                state = chains.get(key)
                if state is None:
                    state = actions[states[-2]][rule.origin]
                    while (
                        (next_action := actions[state].get(kind)) is not None and next_action < 0 and unit[~next_action]
                    ):
                        state = actions[states[-2]][rules[~next_action].origin]
                    chains[key] = state
                states[-1] = state
                continue
            size = rule.size
            if size:
                children = values[-size:]
                del values[-size:]
                del states[-size:]
            else:
                children = []
            if rule.keep is not None:
                children = _filter(children, rule.keep)
            callback = callbacks[~action]
            if rule.expand1 and len(children) == 1:
                values.append(children[0])
            else:
                values.append(children if callback is None else callback(children))
            state = actions[states[-1]][rule.origin]
            if state == end_state:
                return values[-1]
            states.append(state)
    raise Rejected(end)  # pragma: no cover - the table accepts only at the end


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
