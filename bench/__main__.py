"""`make bench`: one line per figure, in the form the issues show.

Each section is a module in bench/ with `run() -> Iterable[str]`; SECTIONS keeps the
order. `python -m bench crawl merge` runs only those sections.
"""

from __future__ import annotations

import importlib
import sys

SECTIONS = ["crawl", "merge", "build", "search", "classify", "first_run", "registers", "district"]  # district: the longest


def main(argv: list[str]) -> int:
    wanted = argv or SECTIONS
    failed = 0
    for name in wanted:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"bench.{name}":
                raise
            print(f"{name}: no benchmark yet")
            continue
        try:
            for line in module.run():
                print(line, flush=True)
        except Exception as e:  # one broken benchmark must not hide the others
            failed += 1
            print(f"{name}: FAILED {type(e).__name__}: {e}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
