"""`crm-tui copy --to TARGET`: the whole database into another, SQLite or PostgreSQL either way.

Light at import (`crm-tui --help` must not wait): the handler loads what it uses.
"""

from __future__ import annotations

import argparse
import json
import sys

# How each table's rows read in the summary ("copied 1,234 contacts, …").
_TABLE_WORDS = {
    "contact": "contacts",
    "company": "companies",
    "contactemail": "emails",
    "contactphone": "phones",
    "contactaddress": "addresses",
    "tag": "tags",
    "contacttag": "contact tags",
    "companytag": "company tags",
    "lead": "leads",
    "deal": "deals",
    "activity": "activities",
    "event": "events",
    "importbatch": "imports",
    "stage": "stages",
    "leadsource": "lead sources",
    "setting": "settings",
}


def add_copy_command(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    copy = commands.add_parser(
        "copy",
        parents=[common],
        help="copy the whole database into another (SQLite file or PostgreSQL URL)",
        description="Copy every record of the database (--db) into TARGET: an SQLite file or a "
        "PostgreSQL URL (postgresql+psycopg://user@host/db), either way round. TARGET is created "
        "with the current schema if needed and must hold no records (its stages, lead sources and "
        "settings are replaced by the source's). The copy is one transaction: it goes in whole, "
        "counted table by table on both sides, or not at all.",
    )
    copy.add_argument("--to", required=True, metavar="TARGET", help="the database to copy into")
    copy.add_argument(
        "--json", action="store_true", help='print one JSON object: {"tables": {table: rows}, "target": …}'
    )


def run_copy(args: argparse.Namespace, target: str) -> int:
    from crm_tui.paths import shown_target
    from crm_tui.services.database_copy import copy_database

    result = copy_database(target, args.to)
    if args.json:
        record = {"tables": result.tables, "source": shown_target(target), "target": result.target}
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return 0
    print(f"Copied {shown_target(target)} to {result.target}: {describe_counts(result.tables)}.")
    return 0


def describe_counts(tables: dict[str, int]) -> str:
    """`1,234 contacts, 56 companies, …`: the records first, the tables nobody thinks of last."""
    order = list(_TABLE_WORDS)
    named = sorted(tables, key=lambda name: order.index(name) if name in order else len(order))
    return ", ".join(f"{tables[name]:,} {_TABLE_WORDS.get(name, name)}" for name in named)
