"""Write the programs of ``bench/large.sh`` and ``bench/large_ab.sh`` into a directory.

    python bench/large_programs.py DIR

``sum100k.bp``, ``sin100k.bp`` and ``st50k.bp`` are ``parse_options.programs(100_000)`` (the programs
every benchmark of large inputs uses); ``sum1m.bp`` is the million-term sum.
"""

from __future__ import annotations

import sys
from pathlib import Path

import parse_options  # bench/, beside this script (on sys.path when run as a script)


def main(directory: Path) -> None:
    total, chain, statements = parse_options.programs(100_000).values()
    files = {"sum100k": total, "sin100k": chain, "st50k": statements, "sum1m": "+".join(["x"] * 1_000_000)}
    for name, text in files.items():
        (directory / f"{name}.bp").write_text(text)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
