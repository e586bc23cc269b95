"""The simplifier's goal against SymPy (issue 10): on bench/diff_size.py's corpus, `backprop diff`'s
derivatives are at most SymPy's `diff` in operation count on the median, and never more than twice."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from diff_size import CORPUS, measure, ratio


def test_the_corpus_is_at_least_forty_textbook_expressions() -> None:
    assert len(CORPUS) >= 40
    assert {"worked 1: circuit", "worked 2: neuron", "worked 3: staged", "worked 4: patterns"} <= dict(CORPUS).keys()


def test_derivatives_are_no_larger_than_sympys_on_the_median_and_never_twice() -> None:
    rows = measure()  # also checks every pair of derivatives agrees numerically
    ratios = [ratio(ours, theirs) for _, _, ours, theirs, _, _ in rows]
    assert statistics.median(ratios) <= 1
    worst = max(zip(ratios, rows))
    assert worst[0] <= 2, worst
