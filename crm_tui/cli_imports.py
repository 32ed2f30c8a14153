"""`crm-tui import FILE…`, `crm-tui imports` and `crm-tui imports undo ID`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the services load SQLModel; `crm-tui --help` must not wait for that
    from sqlalchemy.engine import Engine

    from crm_tui.io.csv_fields import Mapping
    from crm_tui.services.file_import import ImportOptions
    from crm_tui.services.import_plan import ImportPlan


def describe_mapping(mapping: Mapping) -> str:
    """`rows as leads (Bitrix24 leads); not imported: ID, Ответственный` in one line."""
    from crm_tui.io.csv_fields import IGNORE

    how = mapping.preset or "columns guessed from the header"
    ignored = [column for column, field in mapping.columns.items() if field == IGNORE]
    return f"rows as {mapping.target} ({how})" + (f"; not imported: {', '.join(ignored)}" if ignored else "")


def add_import_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    run = commands.add_parser(
        "import",
        parents=[common],
        help="import contacts from vCard or CSV files; CSV rows also as leads, companies or deals",
        description="Import vCard files (2.1, 3.0, 4.0) and CSV files (any encoding and delimiter; "
        "Google, Outlook, Thunderbird, Yahoo and Bitrix24 exports recognised by their header, other "
        "headers guessed in English and Russian). Records already here are matched (email, phone, "
        "name): filled in, never duplicated. Every import can be undone: crm-tui imports undo ID.",
    )
    run.formatter_class = argparse.RawDescriptionHelpFormatter
    run.epilog = _fields_help()
    run.add_argument("files", nargs="+", metavar="FILE")
    run.add_argument(
        "--into",
        choices=("contacts", "leads", "companies", "deals"),
        help="what a CSV's rows become (default: what the file is — the mapping's target, a known "
        "export's kind such as Bitrix24 leads — else contacts)",
    )
    run.add_argument(
        "--mapping", metavar="NAME|FILE", help="a saved mapping, or a JSON/TOML file of column → field"
    )
    run.add_argument("--save-mapping", metavar="NAME", help="save the mapping used under NAME for next time")
    run.add_argument(
        "--bad-cells",
        choices=("reject", "blank"),
        default="reject",
        help="a row with a cell that cannot be read (a bad date, email, amount): reject the row "
        "(default) or import it with that field empty; either way the cell is reported",
    )
    run.add_argument("--dry-run", action="store_true", help="show the plan; write nothing")
    run.add_argument("--json", action="store_true", help="print the plan or the result as JSON")
    commands.add_parser("mappings", parents=[common], help="list the saved CSV column mappings")
    batches = commands.add_parser("imports", parents=[common], help="list imports, or undo one")
    batches.add_argument("undo", nargs="?", choices=["undo"], help="undo the import ID")
    batches.add_argument("id", nargs="?", type=int, metavar="ID")


def _fields_help() -> str:
    """The fields a mapping file can name, per target, for `crm-tui import --help`."""
    import textwrap

    from crm_tui.io.csv_fields import FIELDS, KINDS

    lines = ["fields a mapping (--mapping FILE, TOML or JSON) can send a column to:"]
    for target, fields in FIELDS.items():
        named = [
            f"{name}[:{'|'.join(KINDS[target][name])}]" if name in KINDS[target] else name for name in fields
        ]
        lines += textwrap.wrap(
            f"{target}: {', '.join(named)}, ignore", width=100, initial_indent="  ", subsequent_indent="    "
        )
    lines += ["", 'example: target = "leads"  [columns]  "Телефон" = "phone:work"  "ID" = "ignore"']
    return "\n".join(lines)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when a person is watching; nothing when piped."""
    if not (enabled and sys.stderr.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Reading", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def run_import(args: argparse.Namespace, target: str) -> int:
    from crm_tui.cli import EXIT_OK, EXIT_PARTIAL, _error, _open
    from crm_tui.db.engine import session_scope
    from crm_tui.gc_pause import collector_paused
    from crm_tui.services.file_import import detect_kind, plan_as_json, plan_file
    from crm_tui.services.import_apply import apply_plan
    from crm_tui.services.import_plan import Action

    paths = [Path(name).expanduser() for name in args.files]
    engine = _open(target)
    options = _options(engine, args)
    for path in paths:
        options.check(detect_kind(path))  # every file must be readable before anything is written
    results, rejected = [], False
    for path in paths:
        with session_scope(engine) as session, _progress(True) as progress, collector_paused():
            plan = plan_file(session, path, progress, options)
            batch_id = None
            if not args.dry_run:
                batch_id = apply_plan(session, plan, progress).id
            else:
                session.rollback()
        if args.save_mapping and plan.mapping is not None:  # saved even by a dry run
            _save_mapping(engine, args.save_mapping, plan.mapping)
        rejected = rejected or plan.count(Action.REJECT) > 0
        results.append(plan_as_json(plan, batch_id))
        if not args.json:
            _print_plan(plan, batch_id, args.dry_run)
    if args.json:
        json.dump(results, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    if rejected:
        things = "cards" if all(result["kind"] == "vcard" for result in results) else "records"
        _error(
            f"some {things} were rejected (listed above); the others were imported"
            if not args.dry_run
            else f"some {things} would be rejected (listed above)"
        )
        return EXIT_PARTIAL
    return EXIT_OK


def _save_mapping(engine: Engine, name: str, mapping: Mapping) -> None:
    from crm_tui.db.engine import session_scope
    from crm_tui.services.mappings import save_mapping

    with session_scope(engine) as session:
        save_mapping(session, name, mapping)
    print(f"Mapping saved as {name!r}: crm-tui import FILE --mapping {name!r}", file=sys.stderr)


def _options(engine: Engine, args: argparse.Namespace) -> ImportOptions:
    from crm_tui.db.engine import session_scope
    from crm_tui.services.file_import import ImportOptions
    from crm_tui.services.import_plan import BadCells
    from crm_tui.services.mappings import load_mapping

    mapping = None
    if args.mapping:
        with session_scope(engine) as session:
            mapping = load_mapping(session, args.mapping)
    return ImportOptions(into=args.into, mapping=mapping, bad_cells=BadCells(args.bad_cells))


def _print_plan(plan: ImportPlan, batch_id: int | None, dry_run: bool) -> None:
    from crm_tui.services.import_plan import Action, describe_counts

    if plan.mapping is not None:
        print(f"{plan.file}: {describe_mapping(plan.mapping)}")
    counts = describe_counts(plan.counts, done=not dry_run)
    tail = (
        " (dry run: nothing written)"
        if dry_run
        else f" · import {batch_id} (undo: crm-tui imports undo {batch_id})"
    )
    print(f"{plan.file}: {counts}{tail}")
    for planned in plan.records:
        where = planned.where
        if planned.action is Action.REJECT:
            print(f"  {where}: rejected: {_without_place(planned.reason, where)}")
        for warning in dict.fromkeys(planned.warnings):  # the same warning once
            print(f"  {where}: {_without_place(warning, where)}")


def _without_place(message: str, where: str) -> str:
    """Messages about a row's cells name the row themselves; the listing says it once, in front."""
    return message.replace(f"{where}, ", "").replace(f"{where}: ", "")


def run_imports(args: argparse.Namespace, target: str) -> int:
    from crm_tui.cli import EXIT_OK, UsageError, _open
    from crm_tui.dates import to_local
    from crm_tui.db.engine import session_scope
    from crm_tui.services.import_apply import list_batches, undo_batch
    from crm_tui.services.import_plan import describe_counts

    engine = _open(target)
    if args.undo:
        if args.id is None:
            raise UsageError("say which import to undo: crm-tui imports undo ID (see crm-tui imports)")
        with session_scope(engine) as session:
            batch = undo_batch(session, args.id)
            created = sum(len(ids) for ids in batch.created_ids.values())
            changed = len(batch.changed or {})
        print(f"Import {args.id} undone: {created} records removed, {changed} records restored.")
        return EXIT_OK
    with session_scope(engine) as session:
        batches = list_batches(session)
        if not batches:
            print("No imports yet.")
        for batch in batches:
            when = to_local(batch.started_at).strftime("%Y-%m-%d %H:%M")
            counts = describe_counts(batch.counts, done=True)
            print(f"{batch.id:>4}  {when}  {batch.status:<8} {batch.file}  {counts}")
    return EXIT_OK


def run_mappings(args: argparse.Namespace, target: str) -> int:
    from crm_tui.cli import EXIT_OK, _open
    from crm_tui.db.engine import session_scope
    from crm_tui.services.mappings import load_mapping, saved_mappings

    with session_scope(_open(target)) as session:
        names = saved_mappings(session)
        if not names:
            print("No saved mappings yet (crm-tui import FILE.csv --save-mapping NAME saves one).")
        for name in names:
            print(f"{name}: {describe_mapping(load_mapping(session, name))}")
    return EXIT_OK
