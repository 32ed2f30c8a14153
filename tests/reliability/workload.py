"""Work the reliability tests run in a separate process, to kill it or to run it beside another.

    python tests/reliability/workload.py convert DB        convert every new lead, one per unit of work
    python tests/reliability/workload.py merge DB PAIRS    merge each pair of PAIRS (a JSON file)
    python tests/reliability/workload.py writer DB PREFIX N [PAUSE]
                                                           `crm-tui add-lead` N times in this process
    python tests/reliability/workload.py spawner DB PREFIX N [PAUSE]
                                                           `crm-tui add-lead` N times, a process each
    python tests/reliability/workload.py hold DB SECONDS   hold a write transaction (BEGIN IMMEDIATE)

Each prints `ready` once it has opened the database, then one line per unit of work done
(after its commit), so a test can kill it at a chosen moment of its run.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import sqlite3
import sys
import time
from pathlib import Path


def say(line: str) -> None:
    print(line, flush=True)


def convert(db: str) -> int:
    from sqlmodel import col, select

    from crm_tui.db.engine import session_scope
    from crm_tui.db.models import Lead
    from crm_tui.db.schema import open_database
    from crm_tui.services.lead_triage import ConversionRequest, convert_lead

    engine = open_database(db)
    with session_scope(engine) as session:
        waiting = list(session.exec(select(Lead).where(Lead.status == "new").order_by(col(Lead.id))))
    say("ready")
    for lead in waiting:
        first, _, last = lead.person_name.partition(" ")
        request = ConversionRequest(
            lead_id=lead.id or 0,
            first_name=first,
            last_name=last,
            email=lead.email or "",
            phone=lead.phone or "",
            company_name=lead.company_name,  # a new company each time: the names differ
            create_deal=True,
            deal_title=lead.title,
            deal_amount="125000",
        )
        with session_scope(engine) as session:
            convert_lead(session, request)
        say(f"converted {lead.id}")
    return 0


def merge(db: str, pairs_file: str) -> int:
    from crm_tui.db.engine import session_scope
    from crm_tui.db.models import Contact
    from crm_tui.db.schema import open_database
    from crm_tui.services.merge import merge_contacts

    engine = open_database(db)
    pairs = json.loads(Path(pairs_file).read_text())
    say("ready")
    for survivor_id, other_id in pairs:
        with session_scope(engine) as session:
            other = session.get(Contact, other_id)
            if other is None or other.archived_at is not None:
                continue  # merged by an earlier run
            merge_contacts(session, survivor_id, other_id, {"title", "notes"})
        say(f"merged {survivor_id} {other_id}")
    return 0


def writer(db: str, prefix: str, count: int, pause: float) -> int:
    """`crm-tui add-lead --name "PREFIX i"` COUNT times, each call the command line's own `main`
    with a database opened afresh (as a separate `crm-tui` process would), without paying
    for an interpreter's start each time. Prints every call's stderr; exits 1 if any failed."""
    from crm_tui.cli import main

    rng = random.Random(prefix)
    failed = 0
    say("ready")
    for number in range(1, count + 1):
        errors, output = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(output):
            code = main(["--db", db, "add-lead", "--name", f"{prefix} {number}", "--source", "Website"])
        if errors.getvalue():
            sys.stderr.write(errors.getvalue())
        if code != 0:
            failed += 1
            say(f"failed {number}: exit {code}")
        else:
            say(f"added {number}")
        time.sleep(rng.uniform(0, pause))
    return 1 if failed else 0


def spawner(db: str, prefix: str, count: int, pause: float) -> int:
    """`crm-tui add-lead --name "PREFIX i"` COUNT times, each in a process of its own."""
    import subprocess

    rng = random.Random(prefix)
    failed = 0
    say("ready")
    for number in range(1, count + 1):
        name = f"{prefix} {number}"
        command = [
            sys.executable,
            "-m",
            "crm_tui",
            "--db",
            db,
            "add-lead",
            "--name",
            name,
            "--source",
            "Website",
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        sys.stderr.write(done.stderr)
        if done.returncode != 0:
            failed += 1
            say(f"failed {number}: exit {done.returncode}")
        else:
            say(f"added {number}")
        time.sleep(rng.uniform(0, pause))
    return 1 if failed else 0


def hold(db: str, seconds: float) -> int:
    """Take the write lock as a busy writer does, keep it `seconds`, then commit."""
    connection = sqlite3.connect(db, isolation_level=None, timeout=10)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE setting SET value = value WHERE key = 'currency'")
    say("holding")
    time.sleep(seconds)
    connection.execute("COMMIT")
    connection.close()
    say("released")
    return 0


def main(argv: list[str]) -> int:
    mode, db, *rest = argv
    if mode == "convert":
        return convert(db)
    if mode == "merge":
        return merge(db, rest[0])
    if mode == "writer":
        return writer(db, rest[0], int(rest[1]), float(rest[2]) if len(rest) > 2 else 0.0)
    if mode == "spawner":
        return spawner(db, rest[0], int(rest[1]), float(rest[2]) if len(rest) > 2 else 0.0)
    if mode == "hold":
        return hold(db, float(rest[0]))
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
