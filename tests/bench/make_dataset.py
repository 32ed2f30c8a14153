"""Build the benchmark data set.

    .venv/bin/python tests/bench/make_dataset.py --out /tmp/crm-tui-bench-1.0 [--scale 1.0] [--force]

At scale 1.0: 100,000 contacts, 20,000 companies, 100,000 leads, 10,000 deals (half open, over
six open stages), 50,000 activities and 500,000 events (DESIGN.md, "Budgets"), a 10,000-card
contacts.vcf, a 100,000-row leads.csv, and the same 10,000 cards as a vdir for khard. `run.py`
builds it itself when it is missing; this script is for building it ahead of time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crmbench import dataset


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to build the data set in")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the DESIGN.md data set (default)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the folder holds this scale")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be above 0")
    built = dataset.ensure(args.out, args.scale, force=args.force)
    for path in (built.db, built.empty_db, built.vcf, built.csv, built.vdir):
        print(f"  {path}")
    print(f"Search words: {built.words['cyrillic']}, {built.words['latin']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
