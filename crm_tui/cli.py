"""The command line: `crm-tui` opens the app; subcommands serve scripts and web-form hooks.

Public contract (scripts rely on it): subcommand names, options, JSON record fields and exit
codes — 0 ok, 2 bad usage or unreadable input (nothing written), 3 partly applied (some records
rejected, each named on stderr). Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, TextIO

from crm_tui import __version__
from crm_tui.cli_backup import add_backup_commands, run_backup, run_backups, run_restore
from crm_tui.cli_copy import add_copy_command, run_copy
from crm_tui.cli_imports import add_import_commands, run_import, run_imports, run_mappings
from crm_tui.errors import BUSY_MESSAGE, CrmError, is_database_busy
from crm_tui.paths import resolve_database, shown_target
from crm_tui.users import set_current_user
from crm_tui.vocabulary import DEFAULT_CSV_ENCODING, EXPORT_FORMATS, EXPORT_KINDS

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from crm_tui.db.models import Stage
    from crm_tui.services.deals import DealRow
    from crm_tui.services.leads import LeadRow

# `crm-tui leads --status`: a lead status, or every lead whatever its status.
LEAD_STATUS_CHOICES = ("new", "working", "disqualified", "converted", "all")
# `crm-tui deals --status`: the kinds of stage a deal can be in.
DEAL_STATUS_CHOICES = ("open", "won", "lost")

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3


class UsageError(CrmError):
    """Bad usage or unreadable input: exit code 2, nothing written."""


def _global_options(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=default,
        help="database file or URL (default: $CRM_TUI_DB, else the per-user data folder)",
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        default=default,
        help="who you are: events are signed and new leads, deals, activities and contacts owned "
        "by NAME; --mine and the app's M filter by it (default: $CRM_TUI_USER, else your login)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm-tui",
        description="A CRM for one salesperson, in the terminal. Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"crm-tui {__version__}")
    _global_options(parser, None)
    # Subcommands accept --db and --user too (crm-tui search x --db f) without overriding the global ones.
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", parents=[common], help="fill the database with realistic sample data")
    demo.add_argument(
        "--size", type=int, default=200, help="number of contacts (default 200); the rest scales"
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    demo.add_argument("--force", action="store_true", help="add demo data even if the database holds records")

    search = commands.add_parser("search", parents=[common], help="find contacts, companies, leads and deals")
    search.add_argument("text", help="words to look for (any letter case, any alphabet; prefixes match)")
    search.add_argument("--json", action="store_true", help="print full JSON records")
    search.add_argument("--limit", type=int, default=50)

    export = commands.add_parser("export", parents=[common], help="write records out")
    export.add_argument("kind", choices=EXPORT_KINDS)
    export.add_argument("--format", choices=EXPORT_FORMATS, default="json")
    export.add_argument(
        "--vcard-version", choices=("3.0", "4.0"), default="3.0", help="vCard version (default 3.0)"
    )
    export.add_argument(
        "--delimiter", default=",", choices=(",", ";", "\t", "tab"), help="CSV cell separator (default ,)"
    )
    export.add_argument(
        "--encoding",
        default=DEFAULT_CSV_ENCODING,
        help=f"CSV file encoding with -o (default {DEFAULT_CSV_ENCODING}, so Excel reads it); e.g. cp1251",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument(
        "--all",
        action="store_true",
        help="with activities --format ics: done activities too (default: the open ones)",
    )

    add_lead = commands.add_parser(
        "add-lead",
        parents=[common],
        help="add a lead (from a script or a web form)",
        description="Add one lead from options, or many from JSON (an object or an array of objects "
        "with keys name, company, email, phone, source, note, value, title).",
    )
    add_lead.add_argument("--name", help="the person's name")
    add_lead.add_argument("--company")
    add_lead.add_argument("--email")
    add_lead.add_argument("--phone")
    add_lead.add_argument("--source", help="where the lead came from (Website, Referral, …)")
    add_lead.add_argument("--note")
    add_lead.add_argument("--value", help="expected value, e.g. 150000 or 150 000,50")
    add_lead.add_argument("--title")
    add_lead.add_argument(
        "--json", metavar="FILE", help="read leads as JSON from FILE, or '-' for standard input"
    )

    today = commands.add_parser(
        "today", parents=[common], help="the Today list: overdue, today, tomorrow and this week's work"
    )
    today.add_argument("--json", action="store_true", help="print JSON records (one per activity)")
    today.add_argument(
        "--lists",
        action="store_true",
        help="with --json: also the deals with no next step and the forgotten clients "
        "(records with a `list` field)",
    )
    _mine_option(today, "only my activities, my deals and my clients")

    add_task = commands.add_parser(
        "add-task",
        parents=[common],
        help="plan a call, meeting, email or task from one line",
        description="Plan an activity from one line typed the way you would say it: "
        "'call Olga tomorrow 10:00', 'meeting with Acme fri 15:00', 'позвонить Ольге завтра в 10'. "
        "The first word may name the kind (call, meeting, email, task; позвонить, встреча, письмо, "
        "задача; a task otherwise); the date (and a time after it) may stand anywhere; the rest is "
        "the title, kept as typed.",
    )
    add_task.add_argument("text", help="what to do and when, in one quoted line")
    add_task.add_argument(
        "--contact", metavar="NAME", help="link the contact with this name (any letter case) or id"
    )
    add_task.add_argument("--deal", type=int, metavar="ID", help="link the deal with this id")
    add_task.add_argument("--json", action="store_true", help="print the activity's JSON record")

    leads = commands.add_parser("leads", parents=[common], help="list leads, newest first")
    leads.add_argument(
        "--status",
        choices=LEAD_STATUS_CHOICES,
        help="only leads in this status, or all (default: the open ones, new and working)",
    )
    leads.add_argument("--json", action="store_true", help="print full JSON records")
    _mine_option(leads, "only the leads I own")
    _add_deal_commands(commands, common)

    duplicates = commands.add_parser(
        "duplicates",
        parents=[common],
        help="list likely duplicate contacts",
        description="Contacts that are likely one person: the same email (any letter case), the same "
        "phone, or a similar name at the same company. Merge them with: crm-tui merge ID ID.",
    )
    duplicates.add_argument("--json", action="store_true", help="print JSON records")
    duplicates.add_argument("--limit", type=int, default=500, help="at most this many pairs (default 500)")

    merge = commands.add_parser(
        "merge",
        parents=[common],
        help="merge two contacts into one, or undo the last merge",
        description="Merge the contact OTHER_ID into SURVIVOR_ID: the survivor keeps its fields "
        "(and fills its empty ones from the other), takes the other's emails, phones, addresses, "
        "tags, deals, activities, leads and timeline; the other is archived. A snapshot is taken "
        "first, and crm-tui merge --undo takes the last merge back.",
    )
    merge.add_argument("ids", nargs="*", type=int, metavar="ID", help="SURVIVOR_ID OTHER_ID")
    merge.add_argument(
        "--take",
        metavar="FIELDS",
        help="fields to take from the other, comma-separated (default: those empty on the "
        "survivor); '' takes none. Fields: first_name, middle_name, last_name, company_id, title, "
        "birthday, notes, source, next_contact_on, next_contact_goal, is_client",
    )
    merge.add_argument("--undo", action="store_true", help="undo the last merge not undone yet")
    _add_report_command(commands, common)
    add_import_commands(commands, common)
    add_backup_commands(commands, common)
    add_copy_command(commands, common)
    return parser


def _mine_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--mine", action="store_true", help=f"{what} (owned by --user, else my login)")


def _owner(args: argparse.Namespace) -> str | None:
    """`--mine`: the current user's name, for the services' owner filter; None is everyone."""
    from crm_tui.users import current_user

    return current_user() if args.mine else None


def _add_report_command(commands: Any, common: argparse.ArgumentParser) -> None:
    from crm_tui.services.reports import REPORT_KEYS

    report = commands.add_parser(
        "report",
        parents=[common],
        help="a report: funnel, forecast, wonlost, sources, activity or health",
        description="A report of the app's Reports mode for a period (this month unless told), "
        "as text, JSON or CSV.",
    )
    report.add_argument("kind", choices=REPORT_KEYS, metavar="KIND", help=", ".join(REPORT_KEYS))
    report.add_argument(
        "--period", help="this-month, last-month, this-quarter or this-year (default: this-month)"
    )
    report.add_argument(
        "--from", dest="first", metavar="DATE", help="the first day (2026-10-01, 1.10.2026, --from=-30d)"
    )
    report.add_argument("--to", dest="last", metavar="DATE", help="the last day (default: today)")
    shape = report.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print the report as one JSON object")
    shape.add_argument("--csv", action="store_true", help="print the report as CSV (what the app's x saves)")


def _add_deal_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    deals = commands.add_parser(
        "deals",
        parents=[common],
        help="list deals in pipeline order",
        description="Deals in pipeline order (stage, then longest in it first). Without options: "
        "the open ones; --stage NAME lists one stage's deals, whatever its kind.",
    )
    deals.add_argument("--stage", metavar="NAME", help="only deals in this stage (any letter case)")
    deals.add_argument(
        "--status", choices=DEAL_STATUS_CHOICES, help="only open, won or lost deals (default: open)"
    )
    deals.add_argument("--json", action="store_true", help="print full JSON records")
    _mine_option(deals, "only the deals I own")

    deal = commands.add_parser("deal", parents=[common], help="act on one deal")
    actions = deal.add_subparsers(dest="deal_command", metavar="ACTION", required=True)
    move = actions.add_parser(
        "move",
        parents=[common],
        help="move a deal to another stage",
        description="Move deal ID to STAGE (a name, any letter case). A won stage marks it won; a "
        "lost stage needs --reason. A won or lost deal goes back to an open stage only by "
        "reopening it in the app. Every move is written to the deal's timeline.",
    )
    move.add_argument("id", type=int, metavar="ID", help="the deal's id (crm-tui deals lists them)")
    move.add_argument("stage", metavar="STAGE", help="the stage's name")
    move.add_argument("--reason", metavar="TEXT", help="why the deal was lost (for a lost stage)")
    move.add_argument("--json", action="store_true", help="print the deal's JSON record after the move")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # First, before any record is made: everything from here on is signed with this name.
    set_current_user(args.user)
    target = resolve_database(args.db)
    try:
        if args.command is None:
            return _run_app(target)
        handler = {
            "demo": _demo,
            "search": _search,
            "export": _export,
            "add-lead": _add_lead,
            "today": _today,
            "add-task": _add_task,
            "leads": _leads,
            "deals": _deals,
            "deal": _deal,
            "duplicates": _duplicates,
            "merge": _merge,
            "report": _report,
            "import": run_import,
            "imports": run_imports,
            "mappings": run_mappings,
            "backup": run_backup,
            "backups": run_backups,
            "restore": run_restore,
            "copy": run_copy,
        }[args.command]
        return handler(args, target)
    except CrmError as error:
        _error(str(error))
        return EXIT_USAGE
    except BrokenPipeError:
        # `crm-tui export … | head`: the reader went away; that is not an error.
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        with suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:
        _error(f"{error.filename or shown_target(target)}: {error.strerror or error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the promise: one clear line, never a traceback
        if is_database_busy(error):
            _error(BUSY_MESSAGE)
            return EXIT_USAGE
        _error(f"unexpected error: {type(error).__name__}: {_first_line(error)} (please report it)")
        return EXIT_INTERNAL


def _report(args: argparse.Namespace, target: str) -> int:
    from crm_tui.cli_report import run_report

    run_report(args, _open(target))
    return EXIT_OK


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def _error(message: str) -> None:
    print(f"crm-tui: {message}", file=sys.stderr)


def _open(target: str) -> Engine:
    from crm_tui.db.schema import open_database

    return open_database(target)


def _run_app(target: str) -> int:
    engine = _open(target)
    from crm_tui.ui.app import CrmApp

    CrmApp(engine, database=target).run()
    return EXIT_OK


def _demo(args: argparse.Namespace, target: str) -> int:
    from crm_tui.db.engine import session_scope
    from crm_tui.services import demo

    if args.size < 1:
        raise UsageError("--size must be at least 1")
    engine = _open(target)
    with session_scope(engine) as session:
        if not demo.database_is_empty(session) and not args.force:
            raise UsageError(
                f"{shown_target(target)} already holds records; add --force to add demo data anyway"
            )
        counts = demo.generate(session, demo.DemoSize.for_size(args.size), seed=args.seed)
    summary = ", ".join(f"{count:,} {kind}" for kind, count in counts.items())
    print(f"Demo data added to {shown_target(target)}: {summary}.")
    print("Open it with: crm-tui" + ("" if args.db is None else f" --db {shown_target(args.db)}"))
    return EXIT_OK


def _search(args: argparse.Namespace, target: str) -> int:
    from crm_tui.paths import sqlite_file

    file = sqlite_file(target)
    if not args.json and file is not None:
        from crm_tui.services.quick_search import quick_search

        quick = quick_search(file, args.text, args.limit)
        if quick is not None:
            return _print_hits(args.text, quick)
    from crm_tui.db.engine import session_scope
    from crm_tui.services.records import records_by_id
    from crm_tui.services.search import search

    engine = _open(target)
    with session_scope(engine) as session:
        hits = search(session, args.text, limit=args.limit)
        if args.json:
            records: list[dict[str, Any]] = []
            for hit in hits:
                record = records_by_id(session, hit.kind, [hit.id])
                records.extend({"kind": hit.kind.value} | item for item in record)
            _write_json_lines(sys.stdout, records)
            return EXIT_OK
    return _print_hits(args.text, hits)


def _print_hits(text: str, hits: Sequence[Any]) -> int:
    """One line per record found: kind, id, title — detail."""
    if not hits:
        print(f"No matches for {text!r}.", file=sys.stderr)
    for hit in hits:
        detail = f" — {hit.detail}" if hit.detail else ""
        print(f"{hit.kind!s:<8} {hit.id:>7}  {hit.title}{detail}")
    return EXIT_OK


def _write_json_lines(stream: TextIO | IO[str], records: Iterable[dict[str, Any]]) -> None:
    from crm_tui.services.exports import write_json_array

    write_json_array(stream, records)


def _export(args: argparse.Namespace, target: str) -> int:
    from crm_tui.db.engine import session_scope
    from crm_tui.services.exports import ExportOptions, check_format, export_to_file, write_export

    check_format(args.kind, args.format)
    if args.all and args.format != "ics":
        raise UsageError("--all is for export activities --format ics (the other formats hold every record)")
    try:
        codecs.lookup(args.encoding)
    except LookupError as error:
        raise UsageError(f"--encoding {args.encoding}: no such text encoding") from error
    delimiter = "\t" if args.delimiter == "tab" else args.delimiter
    options = ExportOptions(args.format, args.vcard_version, delimiter, args.encoding, include_done=args.all)
    engine = _open(target)
    with session_scope(engine) as session:
        if not args.output:
            write_export(session, sys.stdout, args.kind, options)
            return EXIT_OK
        destination = export_to_file(session, Path(args.output), args.kind, options)
    print(f"Exported {args.kind} to {destination}", file=sys.stderr)
    return EXIT_OK


def _lead_inputs(args: argparse.Namespace) -> list[dict[str, Any]]:
    option_fields = {
        key: getattr(args, key)
        for key in ("name", "company", "email", "phone", "source", "note", "value", "title")
        if getattr(args, key) is not None
    }
    if args.json is None:
        if not option_fields:
            raise UsageError("add-lead needs --name, --company, --email or --phone (or --json FILE)")
        return [option_fields]
    if option_fields:
        raise UsageError("use either --json or the field options, not both")
    from crm_tui.services.lead_intake import parse_leads_json, read_leads_file

    if args.json != "-":
        return read_leads_file(Path(args.json))
    try:
        text = sys.stdin.read()
    except UnicodeDecodeError as error:
        raise UsageError(f"standard input: not UTF-8 text ({error.reason} at byte {error.start})") from error
    return parse_leads_json(text, "standard input")


def _add_lead(args: argparse.Namespace, target: str) -> int:
    from crm_tui.db.engine import session_scope
    from crm_tui.services.lead_intake import add_leads
    from crm_tui.services.records import lead_records

    items = _lead_inputs(args)
    engine = _open(target)
    with session_scope(engine) as session:
        result = add_leads(session, items)
        records = lead_records(session, result.created)
    for message in result.rejected:
        _error(message)
    if records:
        if args.json is None:
            print(json.dumps(records[0], ensure_ascii=False))
        else:
            _write_json_lines(sys.stdout, records)
    if result.rejected:
        if not result.created:
            return EXIT_USAGE
        _error(f"{len(result.created)} of {len(items)} leads added, {len(result.rejected)} rejected")
        return EXIT_PARTIAL
    return EXIT_OK


def _today(args: argparse.Namespace, target: str) -> int:
    """The Today list, as the app shows it: one table per section, then the deals with no next
    step and the forgotten clients. Meant for a shell's start-up: only what it needs is imported."""
    from crm_tui.db.engine import session_scope
    from crm_tui.services.today import today_list

    engine = _open(target)
    with session_scope(engine) as session:
        listing = today_list(session, owner=_owner(args))
        if args.json:
            _write_json_lines(sys.stdout, _today_records(session, listing, args.lists))
            return EXIT_OK
    from crm_tui.cli_today import print_today

    print_today(listing, mine=args.mine)
    return EXIT_OK


def _today_records(session: Session, listing: Any, lists: bool) -> Iterator[dict[str, Any]]:
    """One record per item: the activity record every export of activities gives (scripts
    read `today --json` as such), with its section, whether it is overdue, what it belongs to
    and the phone or email at hand. With `lists`, the two generated lists follow, each record
    saying which list it is in."""
    from crm_tui.db.models import Activity
    from crm_tui.services.records import activity_records

    stored = [session.get(Activity, item.row.id) for item in listing.items]
    records = activity_records(session, [activity for activity in stored if activity is not None])
    by_id = {record["id"]: record for record in records}
    for item in listing.items:
        yield by_id[item.row.id] | {
            "list": "activities",
            "section": str(item.section),
            "overdue": item.overdue,
            "regarding": item.row.regarding or None,
            "contact_detail": item.contact_detail or None,
        }
    if not lists:
        return
    for deal in listing.stalled_deals:
        yield {
            "list": "no next step",
            "deal_id": deal.deal_id,
            "title": deal.title,
            "stage": deal.stage,
            "client": deal.client or None,
            "amount": deal.amount,
            "currency": deal.currency,
            "days_in_stage": deal.days_in_stage,
        }
    for client in listing.forgotten:
        yield {
            "list": "forgotten",
            "contact_id": client.contact_id,
            "name": client.name,
            "company": client.company or None,
            "days_untouched": client.days_untouched,
            "reason": client.reason,
        }


def _add_task(args: argparse.Namespace, target: str) -> int:
    from crm_tui.db.engine import session_scope
    from crm_tui.services.records import activity_records
    from crm_tui.services.task_intake import add_task, read_task

    planned = read_task(args.text)  # a line without a date is refused before the database opens
    engine = _open(target)
    with session_scope(engine) as session:
        activity = add_task(session, planned, contact=args.contact, deal_id=args.deal)
        session.flush()
        record = activity_records(session, [activity])[0] if args.json else None
    print(json.dumps(record, ensure_ascii=False, default=str) if record else planned.describe())
    return EXIT_OK


# Leads are read a page at a time, so that a large inbox streams out instead of being held.
_LEADS_PAGE = 1000


def _lead_pages(
    session: Session, statuses: tuple[str, ...] | None, owner: str | None = None
) -> Iterator[Sequence[LeadRow]]:
    from crm_tui.services.leads import list_leads

    offset = 0
    while page := list_leads(session, statuses, offset=offset, limit=_LEADS_PAGE, owner=owner):
        yield page
        offset += len(page)


def _leads(args: argparse.Namespace, target: str) -> int:
    from crm_tui.dates import humanize_age
    from crm_tui.db.engine import session_scope
    from crm_tui.db.models import EntityKind
    from crm_tui.services.leads import OPEN_STATUSES
    from crm_tui.services.records import records_by_id

    statuses = OPEN_STATUSES if args.status is None else None if args.status == "all" else (args.status,)
    engine = _open(target)
    printed = False
    with session_scope(engine) as session:
        if args.json:
            records = (
                record
                for page in _lead_pages(session, statuses, _owner(args))
                for record in records_by_id(session, EntityKind.LEAD, [row.id for row in page])
            )
            _write_json_lines(sys.stdout, records)
            return EXIT_OK
        for page in _lead_pages(session, statuses, _owner(args)):
            for row in page:
                title, source, age = _clip(row.title, 36), _clip(row.source, 16), humanize_age(row.created_at)
                print(f"{row.id:>7}  {row.status:<12} {title:<36} {source:<16} {age:>4}")
            printed = True
    if not printed:
        which = "open " if args.status is None else "" if args.status == "all" else f"{args.status} "
        print(f"No {which}leads{' of yours' if args.mine else ''}.", file=sys.stderr)
    return EXIT_OK


# Deals are read a page at a time too.
_DEALS_PAGE = 1000


def _stage_named(session: Session, name: str) -> Stage:
    """The stage a person named on the command line, or a usage error listing the stages."""
    from crm_tui.errors import ValidationError
    from crm_tui.services.stages import stage_by_name

    try:
        return stage_by_name(session, name)
    except ValidationError as error:
        raise UsageError(error.message) from error


def _deal_pages(
    session: Session, status: str | None, stage_id: int | None, owner: str | None = None
) -> Iterator[Sequence[DealRow]]:
    from crm_tui.services.deals import list_deals
    from crm_tui.services.pipeline import BoardFilter

    # A stage named without a status lists that stage's deals, even won or lost ones.
    open_only = stage_id is None
    mine = BoardFilter(owner=owner) if owner is not None else None
    offset = 0
    while page := list_deals(
        session, open_only, offset=offset, limit=_DEALS_PAGE, status=status, stage_id=stage_id, wanted=mine
    ):
        yield page
        offset += len(page)


def _deals(args: argparse.Namespace, target: str) -> int:
    from crm_tui.db.engine import session_scope
    from crm_tui.db.models import EntityKind
    from crm_tui.services.records import records_by_id

    engine = _open(target)
    with session_scope(engine) as session:
        stage = _stage_named(session, args.stage) if args.stage else None
        pages = _deal_pages(session, args.status, stage.id if stage else None, _owner(args))
        if args.json:
            records = (
                record
                for page in pages
                for record in records_by_id(session, EntityKind.DEAL, [row.id for row in page])
            )
            _write_json_lines(sys.stdout, records)
            return EXIT_OK
        rows = [row for page in pages for row in page]
    if not rows:
        which = f"{args.status} " if args.status else "" if stage else "open "
        where = f" in {stage.name}" if stage else ""
        print(f"No {which}deals{' of yours' if args.mine else ''}{where}.", file=sys.stderr)
        return EXIT_OK
    _print_deals(rows)
    return EXIT_OK


def _print_deals(rows: Sequence[DealRow]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from crm_tui.dates import days_since
    from crm_tui.money import format_money

    cells = [
        (
            str(row.id),
            row.title,
            row.stage,
            row.company or row.contact,
            format_money(row.amount, row.currency),
            str(days_since(row.stage_entered_at)),
            row.expected_close_on.isoformat() if row.expected_close_on else "",
        )
        for row in rows
    ]
    # One line per deal, so the output greps and pipes: the numbers and the stage keep their
    # full width, the title and the client share what is left and are cut with an ellipsis
    # (--json carries them whole).
    table = Table(box=None, header_style="bold")
    for position, (header, justify) in enumerate(_DEAL_COLUMNS):
        widest = max(len(header), *(len(row[position]) for row in cells))
        cut = header in ("Title", "Client")
        # Rich narrows only the columns that may wrap: these two may, and their cells then
        # cut themselves on one line instead of wrapping.
        table.add_column(
            header,
            justify=justify,
            no_wrap=not cut,
            min_width=min(widest, 10) if cut else widest,
            max_width=36 if cut else None,
        )
    for row in cells:
        table.add_row(*(Text(cell, no_wrap=True, overflow="ellipsis") for cell in row))
    Console(highlight=False).print(table)


_DEAL_COLUMNS: tuple[tuple[str, Literal["left", "right"]], ...] = (
    ("ID", "right"),
    ("Title", "left"),
    ("Stage", "left"),
    ("Client", "left"),
    ("Amount", "right"),
    ("Days", "right"),
    ("Close by", "left"),
)


def _deal(args: argparse.Namespace, target: str) -> int:
    """`deal move ID STAGE`: the only action so far (argparse requires one)."""
    from crm_tui.db.engine import session_scope
    from crm_tui.db.models import EntityKind, StageKind
    from crm_tui.services.deals import move_deal_to
    from crm_tui.services.records import records_by_id
    from crm_tui.services.settings import lost_reasons
    from crm_tui.services.versions import locked_deal

    with session_scope(_open(target)) as session:
        # Locked from here to the commit: what is checked is what gets moved, whoever else is
        # moving it (an unknown id is named before the stage is looked up).
        locked_deal(session, args.id)
        stage = _stage_named(session, args.stage)
        reason = (args.reason or "").strip()
        if stage.kind == StageKind.LOST and not reason:
            choices = ", ".join(lost_reasons(session))
            raise UsageError(f"moving a deal to {stage.name} needs --reason TEXT (e.g. {choices})")
        if stage.kind != StageKind.LOST and args.reason is not None:
            raise UsageError(f"--reason is for a lost stage; {stage.name} is {stage.kind}")
        move = move_deal_to(session, args.id, stage.id or 0, reason or None)
        session.flush()
        record = records_by_id(session, EntityKind.DEAL, [args.id])[0] if args.json else None
    print(json.dumps(record, ensure_ascii=False, default=str) if record else move.describe())
    return EXIT_OK


def _clip(text: str, width: int) -> str:
    """Text cut to its column's width; the JSON output carries it whole."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _duplicates(args: argparse.Namespace, target: str) -> int:
    from dataclasses import asdict

    from crm_tui.db.engine import session_scope
    from crm_tui.services.contact_match import find_duplicates

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    engine = _open(target)
    with session_scope(engine) as session:
        pairs = find_duplicates(session, limit=args.limit)
    if args.json:
        _write_json_lines(sys.stdout, (asdict(pair) for pair in pairs))
        return EXIT_OK
    if not pairs:
        print("No likely duplicates.")
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table("First", "Second", "Why", box=None, header_style="bold")
    for pair in pairs:
        table.add_row(
            Text(f"#{pair.first_id} {pair.first_name}"),
            Text(f"#{pair.second_id} {pair.second_name}"),
            Text(pair.why),
        )
    Console(highlight=False).print(table)
    return EXIT_OK


def _merge(args: argparse.Namespace, target: str) -> int:
    from crm_tui.db.engine import session_scope
    from crm_tui.services import merge

    if args.undo:
        if args.ids or args.take is not None:
            raise UsageError("merge --undo takes no ids and no --take")
        with session_scope(_open(target)) as session:
            print(merge.undo_merge(session).message)
        return EXIT_OK
    if len(args.ids) != 2:
        raise UsageError("merge needs two contact ids: SURVIVOR_ID OTHER_ID (or --undo)")
    survivor_id, other_id = args.ids
    with session_scope(_open(target)) as session:
        if args.take is None:
            take = merge.merge_preview(session, survivor_id, other_id).suggested
        else:
            take = {name.strip() for name in args.take.split(",") if name.strip()}
        result = merge.merge_contacts(session, survivor_id, other_id, take)
    taken = f" Took {', '.join(result.taken)}." if result.taken else ""
    print(f"{result.message}{taken} Moved {result.moved.describe()}. Undo: crm-tui merge --undo")
    return EXIT_OK
