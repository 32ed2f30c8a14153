"""A crash at any moment loses at most the unit of work in flight, never the file.

Each test runs the real work in a separate process — `crm-tui import` of a large file, a loop
of lead conversions, a loop of contact merges — and kills it with SIGKILL (no clean-up, no
rollback, as a power cut of the process would) at points drawn from a fixed-seed generator.
After each kill the database file passes SQLite's integrity check, opens again, and holds
every unit of work whole or not at all; then the same work runs to its end on it.

`pytest --slow` tries many more kill points on larger files.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from sqlmodel import Session

from crm_tui.db.engine import session_scope
from crm_tui.db.schema import open_database
from crm_tui.services import contacts, deals, leads
from tests.reliability.kit import (
    assert_intact,
    kill_after_lines,
    new_database,
    run,
    run_import,
    scalar,
    table_counts,
    workload_command,
    write_leads_csv,
    write_vcards,
)

# ---------------------------------------------------------------- an import


@pytest.fixture(scope="module")
def import_files(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, tuple[Path, int]]:
    """Each kind of file with the number of records in it."""
    slow = bool(request.config.getoption("--slow"))
    folder = tmp_path_factory.mktemp("import-files")
    rows, cards = (20_000, 3_000) if slow else (3_000, 600)
    return {
        "csv": (write_leads_csv(folder / "leads.csv", rows, seed=11), rows),
        "vcard": (write_vcards(folder / "contacts.vcf", cards, seed=12), cards),
    }


IMPORT_OPTIONS = {"csv": ("--into", "leads"), "vcard": ()}
IMPORTED_TABLE = {"csv": "lead", "vcard": "contact"}


@pytest.mark.parametrize("kind", ["csv", "vcard"])
def test_an_import_killed_at_any_point_leaves_the_whole_batch_or_none_of_it(
    kind: str, import_files: dict[str, tuple[Path, int]], tmp_path: Path, slow: bool
) -> None:
    (file, records), options, table = import_files[kind], IMPORT_OPTIONS[kind], IMPORTED_TABLE[kind]

    # One full run: the database before and after, and how long the write transaction lasts.
    full_db = new_database(tmp_path / "full" / "crm.sqlite3")
    before = table_counts(full_db)
    full = run_import(full_db, file, *options)
    assert full.returncode == 0, full.stderr
    after = table_counts(full_db)
    assert after[table] - before[table] == records
    assert after["importbatch"] == before["importbatch"] + 1

    rng = random.Random(f"import-{kind}")
    points = 12 if slow else 3
    outcomes = []
    for number in range(points):
        db = new_database(tmp_path / f"kill-{number}" / "crm.sqlite3")
        # One point drawn in each of `points` equal parts of the write transaction and a little
        # after its commit: spread over the whole of it, most before the commit.
        moment = (number + rng.random()) / points * 1.15 * full.write_seconds
        killed = run_import(db, file, *options, kill_after=moment)
        where = f"{kind} import killed {moment:.2f} s into its writes (WAL {killed.wal_bytes:,} bytes)"

        assert_intact(db)
        counts = table_counts(db)
        assert counts in (before, after), (
            f"{where}: half an import: {counts} (before {before}, after {after})"
        )
        outcome = "whole" if counts == after else "none"
        if outcome == "whole":
            assert scalar(db, "SELECT count(*) FROM importbatch WHERE status = 'applied'") == 1, where
        outcomes.append((killed.killed, outcome))

        if slow or number == points - 1:
            # The database works on: the same import again, to its end.
            again = run_import(db, file, *options)
            assert again.returncode == 0, f"{where}; then: {again.stderr}"
            assert "Traceback" not in again.stderr
            assert table_counts(db)[table] == after[table], where  # nothing twice
            assert_intact(db)
    # At least one kill came inside the write transaction (else the test tested nothing).
    assert (True, "none") in outcomes, outcomes


# ---------------------------------------------------------------- lead conversions


def _leads_to_convert(db: Path, count: int, seed: int) -> None:
    from faker import Faker

    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    engine = open_database(str(db))
    with session_scope(engine) as session:
        for number in range(count):
            fields = {
                "name": f"{fake.first_name()} {fake.last_name()}",
                "company": f"{fake.company()} {number}",
                "email": f"convert{number}@example.com",
                "phone": f"+7 905 {number:07d}",
                "note": fake.sentence(),
                "value": "125000",
            }
            leads.create_lead(session, leads.lead_from_fields(fields))
    engine.dispose()


CONVERTED = "SELECT count(*) FROM lead WHERE status = 'converted'"


def assert_conversions_whole(db: Path) -> int:
    """Every converted lead has its contact, company and deal (and its three `converted`
    events); every other lead has none, and nothing was made for it. Returns the number
    converted."""
    converted = scalar(db, CONVERTED)
    assert (
        scalar(
            db,
            "SELECT count(*) FROM lead l JOIN contact c ON c.id = l.contact_id "
            "JOIN company o ON o.id = l.company_id AND o.id = c.company_id "
            "JOIN deal d ON d.id = l.deal_id AND d.lead_id = l.id AND d.contact_id = c.id "
            "WHERE l.status = 'converted' AND l.converted_at IS NOT NULL",
        )
        == converted
    )
    unconverted_with_links = (
        "SELECT count(*) FROM lead WHERE status <> 'converted' "
        "AND (contact_id IS NOT NULL OR company_id IS NOT NULL OR deal_id IS NOT NULL "
        "OR converted_at IS NOT NULL)"
    )
    assert scalar(db, unconverted_with_links) == 0
    # Nothing stray: the conversions made every contact, company and deal there is.
    for table in ("contact", "company", "deal"):
        assert scalar(db, f"SELECT count(*) FROM {table}") == converted, table
    assert scalar(db, "SELECT count(*) FROM event WHERE kind = 'converted'") == 3 * converted
    return converted


def test_lead_conversions_killed_midway_are_each_all_or_nothing(tmp_path: Path, slow: bool) -> None:
    points = 12 if slow else 3
    most = 10  # conversions let through before a kill
    db = new_database(tmp_path / "convert" / "crm.sqlite3")
    total = points * most + 10
    _leads_to_convert(db, total, seed=21)
    rng = random.Random("convert")
    done = 0
    for _ in range(points):
        let_through = rng.randint(1, most)
        fraction = rng.random()  # of one conversion's time, after the last one reported
        killed = kill_after_lines(workload_command("convert", db), "converted", let_through, fraction)
        assert killed.killed and "Traceback" not in killed.stderr, killed.stderr
        assert_intact(db)
        converted = assert_conversions_whole(db)
        # Those reported done were committed; the one in flight is there whole or not at all.
        assert converted - done in (len(killed.done), len(killed.done) + 1)
        done = converted

    finished = run(workload_command("convert", db))
    assert finished.returncode == 0, finished.stderr
    assert assert_conversions_whole(db) == total
    assert_intact(db)


# ---------------------------------------------------------------- contact merges

OTHER_ROWS = 40  # emails and phones of each contact merged away: a merge of some length


def _pairs_to_merge(db: Path, count: int) -> list[tuple[int, int]]:
    engine = open_database(str(db))
    pairs = []
    with session_scope(engine) as session:
        for number in range(count):
            survivor = _contact(
                session, f"Survivor{number}", [f"s{number}@example.com"], [f"+7 906 {number:07d}"]
            )
            other = _contact(
                session,
                f"Other{number}",
                [f"o{number}-{row}@example.org" for row in range(OTHER_ROWS)],
                [f"+7 907 {number:03d}{row:04d}" for row in range(OTHER_ROWS)],
            )
            for deal in range(3):
                deals.create_deal(session, deals.DealCreate(title=f"Deal {number}.{deal}", contact_id=other))
            pairs.append((survivor, other))
    engine.dispose()
    return pairs


def _contact(session: Session, name: str, emails: list[str], phones: list[str]) -> int:
    created = contacts.create_contact(
        session,
        contacts.ContactCreate(
            first_name=name,
            last_name="Merge",
            title=f"{name}'s title",
            emails=[contacts.EmailIn(value=value) for value in emails],
            phones=[contacts.PhoneIn(value=value) for value in phones],
        ),
    )
    assert created.id is not None
    return created.id


SAME_TITLE = "SELECT (SELECT title FROM contact WHERE id = ?) = (SELECT title FROM contact WHERE id = ?)"


def merged_pairs(db: Path, pairs: list[tuple[int, int]]) -> int:
    """Each pair merged fully or not at all; returns how many are merged."""
    merged = 0
    for survivor, other in pairs:
        where = f"merge of #{other} into #{survivor}"
        owned = {
            table: (
                scalar(db, f"SELECT count(*) FROM {table} WHERE contact_id = ?", survivor),
                scalar(db, f"SELECT count(*) FROM {table} WHERE contact_id = ?", other),
            )
            for table in ("contactemail", "contactphone", "deal")
        }
        archived = scalar(db, "SELECT archived_at IS NOT NULL FROM contact WHERE id = ?", other)
        events = scalar(db, "SELECT count(*) FROM event WHERE kind = 'merged' AND entity_id = ?", survivor)
        if archived:
            merged += 1
            assert owned == {
                "contactemail": (1 + OTHER_ROWS, 0),
                "contactphone": (1 + OTHER_ROWS, 0),
                "deal": (3, 0),
            }, where
            assert events == 1, where
            merged_into = "SELECT json_extract(extra, '$.merged_into') FROM contact WHERE id = ?"
            assert scalar(db, merged_into, other) == survivor, where
            assert scalar(db, SAME_TITLE, survivor, other) == 1, where  # the title it took
        else:
            assert owned == {
                "contactemail": (1, OTHER_ROWS),
                "contactphone": (1, OTHER_ROWS),
                "deal": (0, 3),
            }, where
            assert events == 0, where
            assert scalar(db, SAME_TITLE, survivor, other) == 0, where
    return merged


def test_contact_merges_killed_midway_are_each_all_or_nothing(tmp_path: Path, slow: bool) -> None:
    points = 12 if slow else 3
    most = 4
    db = new_database(tmp_path / "merge" / "crm.sqlite3")
    pairs = _pairs_to_merge(db, points * most + 3)
    pairs_file = tmp_path / "pairs.json"
    pairs_file.write_text(json.dumps(pairs))
    rng = random.Random("merge")
    done = 0
    for _ in range(points):
        let_through = rng.randint(1, most)
        fraction = rng.random()
        killed = kill_after_lines(
            workload_command("merge", db, str(pairs_file)),
            "merged",
            let_through,
            fraction,
        )
        assert killed.killed and "Traceback" not in killed.stderr, killed.stderr
        assert_intact(db)
        merged = merged_pairs(db, pairs)
        assert merged - done in (len(killed.done), len(killed.done) + 1)
        done = merged

    finished = run(workload_command("merge", db, str(pairs_file)))
    assert finished.returncode == 0, finished.stderr
    assert merged_pairs(db, pairs) == len(pairs)
    assert_intact(db)
