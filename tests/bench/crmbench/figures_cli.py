"""Figures of the command line: search (and khard beside it), vCard and CSV import."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from crmbench import khard
from crmbench.context import Context, alternate, alternate_words
from crmbench.measure import PROBES, fresh_copy, run
from crmbench.results import NO_BUDGET, Budget, Result
from crmbench.stats import Stats

# DESIGN.md, "Budgets".
CLI_SEARCH = Budget("max", 0.5)
VCARD_IMPORT = Budget("ratio", 1.3)
CSV_IMPORT = Budget("ratio", 2.0)

# `crm-tui import` exits 3 when some records were rejected: still a finished import to time.
IMPORT_OK = (0, 3)


def cli_search(ctx: Context) -> Result:
    data = ctx.dataset
    words = [data.words["cyrillic"], data.words["latin"]]
    measured, baseline = alternate_words(
        words,
        ctx.repeats,
        lambda word: run([*ctx.crm_tui, "--db", str(data.db), "search", word])[0],
        lambda word: run([*ctx.crm_tui, "--db", str(data.empty_db), "search", word])[0],
    )
    return Result(
        "cli_search",
        f"crm-tui search ({' / '.join(words)})",
        measured=Stats(measured, "s", "benchmark DB"),
        baseline=Stats(baseline, "s", "empty DB"),
        budget=CLI_SEARCH,
        method="Wall time of `crm-tui --db DB search WORD` in a subprocess (interpreter start "
        "included), both words, on the benchmark and the empty database in turn.",
        details={"hits": {word: _hits(ctx, word) for word in words}},
    ).judge()


def khard_list(ctx: Context) -> Result:
    """crm-tui search next to `khard list` over the same contacts (no budget: a comparison)."""
    data = ctx.dataset
    command = khard.khard_command(ctx.tools)
    config = khard.write_config(data.vdir, ctx.work)
    contacts_db = ctx.once("contacts_db", lambda: _import_contacts(ctx))
    words = [data.words["cyrillic"], data.words["latin"]]
    # khard reads every card on each call (seconds at 10,000): the import figures' run count.
    measured, baseline = alternate_words(
        words,
        ctx.import_repeats,
        lambda word: run([*ctx.crm_tui, "--db", str(contacts_db), "search", word])[0],
        lambda word: run([str(command), "-c", str(config), "list", word])[0],
    )
    return Result(
        "khard_list",
        f"crm-tui search vs khard list, same {data.cards:,} contacts",
        measured=Stats(measured, "s", "crm-tui search"),
        baseline=Stats(baseline, "s", "khard list"),
        budget=NO_BUDGET,
        method="`khard list WORD` over a vdir of the benchmark's vCards (one file per card), "
        "next to `crm-tui search WORD` on a database holding just those cards (imported from "
        "contacts.vcf); a ratio under 1 means crm-tui answers faster.",
        details={"khard": khard.version(command)},
    ).judge()


def vcard_import(ctx: Context) -> Result:
    data = ctx.dataset
    fresh = ctx.work / "vcard-import.sqlite3"
    measured, baseline = alternate(
        ctx.import_repeats,
        lambda: _timed_import(ctx, fresh, [str(data.vcf)]),
        lambda: run([sys.executable, str(PROBES / "vobject_parse.py"), str(data.vcf)])[0],
        warmup=False,  # the files are fresh from the data set build or an earlier figure
    )
    # The last import is the database khard_list compares against: the same cards.
    ctx.shared.setdefault("contacts_db", fresh)
    return Result(
        "vcard_import",
        f"vCard import, {data.cards:,} cards",
        measured=Stats(measured, "s", "crm-tui import"),
        baseline=Stats(baseline, "s", "vobject.readComponents"),
        budget=VCARD_IMPORT,
        method="`crm-tui --db FRESH import contacts.vcf` into a new empty database each run, vs "
        "a script that parses every card of the file with vobject.readComponents; both wall "
        "times of a subprocess.",
        details={"contacts_after_import": _count(fresh, "contact")},
    ).judge()


def csv_import(ctx: Context) -> Result:
    data = ctx.dataset
    ours = ctx.work / "csv-import.sqlite3"
    theirs = ctx.work / "csv-baseline.sqlite3"
    rows = data.counts.get("leads", 0)

    def baseline() -> float:
        fresh_copy(data.template_db, theirs)
        script = str(PROBES / "csv_executemany.py")
        return run([sys.executable, script, str(data.csv), str(theirs)])[0]

    measured, base = alternate(
        ctx.import_repeats,
        lambda: _timed_import(ctx, ours, [str(data.csv), "--into", "leads"]),
        baseline,
        warmup=False,
    )
    return Result(
        "csv_import",
        f"CSV import, {rows:,} leads",
        measured=Stats(measured, "s", "crm-tui import"),
        baseline=Stats(base, "s", "csv + Core executemany"),
        budget=CSV_IMPORT,
        method="`crm-tui --db FRESH import leads.csv --into leads` into a new empty database each "
        "run, vs a script that reads the file with csv.reader and inserts its rows into the "
        "lead table of a new empty database with one Core executemany.",
        details={"leads_after_import": _count(ours, "lead"), "leads_after_baseline": _count(theirs, "lead")},
    ).judge()


def _timed_import(ctx: Context, fresh: Path, args: list[str]) -> float:
    fresh_copy(ctx.dataset.template_db, fresh)
    return run([*ctx.crm_tui, "--db", str(fresh), "import", *args], ok=IMPORT_OK)[0]


def _import_contacts(ctx: Context) -> Path:
    """A database of just the vCard file's contacts, for khard_list when vcard_import did not run."""
    fresh = ctx.work / "contacts-only.sqlite3"
    _timed_import(ctx, fresh, [str(ctx.dataset.vcf)])
    return fresh


def _hits(ctx: Context, word: str) -> int:
    _, out = run([*ctx.crm_tui, "--db", str(ctx.dataset.db), "search", word])
    return len(out.splitlines())


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as connection:
        count: int = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return count
