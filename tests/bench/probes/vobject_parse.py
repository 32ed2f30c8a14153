"""Baseline of the vCard import: vobject alone parses every card of a file, nothing more.

python vobject_parse.py FILE
"""

from __future__ import annotations

import sys

import vobject


def main(path: str) -> None:
    # Read as our importer does: the whole file's bytes, decoded once.
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    cards = sum(1 for _ in vobject.readComponents(text))
    print(f'{{"cards": {cards}}}')


if __name__ == "__main__":
    main(sys.argv[1])
