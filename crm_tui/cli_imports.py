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
    from crm_tui.services.import_plan import ImportPlan


def add_import_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    run = commands.add_parser(
        "import",
        parents=[common],
        help="import contacts from vCard files",
        description="Import vCard files (2.1, 3.0, 4.0; recognised by content). Existing contacts are "
        "matched by UID, email, phone or name and company: filled in, never duplicated.",
    )
    run.add_argument("files", nargs="+", metavar="FILE")
    run.add_argument("--dry-run", action="store_true", help="show the plan; write nothing")
    run.add_argument("--json", action="store_true", help="print the plan or the result as JSON")
    batches = commands.add_parser("imports", parents=[common], help="list imports, or undo one")
    batches.add_argument("undo", nargs="?", choices=["undo"], help="undo the import ID")
    batches.add_argument("id", nargs="?", type=int, metavar="ID")


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
    from crm_tui.services.file_import import detect_kind, plan_as_json, plan_file
    from crm_tui.services.import_apply import apply_plan
    from crm_tui.services.import_plan import Action

    paths = [Path(name).expanduser() for name in args.files]
    for path in paths:
        detect_kind(path)  # every file must be readable before anything is written
    engine = _open(target)
    results, rejected = [], False
    for path in paths:
        with session_scope(engine) as session, _progress(True) as progress:
            plan = plan_file(session, path, progress)
            batch_id = None
            if not args.dry_run:
                batch_id = apply_plan(session, plan, progress).id
            else:
                session.rollback()
        rejected = rejected or plan.count(Action.REJECT) > 0
        results.append(plan_as_json(plan, batch_id))
        if not args.json:
            _print_plan(plan, batch_id, args.dry_run)
    if args.json:
        json.dump(results, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    if rejected:
        _error(
            "some cards were rejected (listed above); the others were imported"
            if not args.dry_run
            else "some cards would be rejected (listed above)"
        )
        return EXIT_PARTIAL
    return EXIT_OK


def _print_plan(plan: ImportPlan, batch_id: int | None, dry_run: bool) -> None:
    from crm_tui.services.import_plan import Action, describe_counts

    counts = describe_counts(plan.counts, done=not dry_run)
    tail = (
        " (dry run: nothing written)"
        if dry_run
        else f" · import {batch_id} (undo: crm-tui imports undo {batch_id})"
    )
    print(f"{plan.file}: {counts}{tail}")
    for planned in plan.records:
        if planned.action is Action.REJECT:
            print(f"  {planned.where}: rejected: {planned.reason}")
        for warning in dict.fromkeys(planned.warnings):  # the same warning once
            print(f"  {planned.where}: {warning}")


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
        print(f"Import {args.id} undone: {created} records removed, {changed} contacts restored.")
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
