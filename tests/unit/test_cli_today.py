"""`crm-tui today`, `crm-tui add-task` and `crm-tui export activities --format ics`: the
Today list in the shell, planning from one line, and a calendar file; bad input exits 2 with
one line and writes nothing."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Callable
from datetime import date, time
from pathlib import Path

import pytest
import vobject
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from crm_tui import cli
from crm_tui.db.engine import session_scope
from crm_tui.db.models import Activity, CompanyBase, Deal
from crm_tui.services import activities, companies, contacts, deals
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.contacts import ContactCreate, PhoneIn
from crm_tui.services.deals import DealCreate
from crm_tui.services.stages import stage_by_name
from tests.cli_kit import run
from tests.users import TEST_USER

# The conftest's frozen clock: Friday 20 November 2026, 09:00 UTC; TZ=UTC.






@pytest.fixture
def agenda(engine: Engine, clock: Callable[[str], None]) -> dict[str, int]:
    """An overdue call, a timed meeting today, an untimed task tomorrow, one later this week;
    a deal with no next step and a client untouched for long."""
    ids: dict[str, int] = {}
    with session_scope(engine) as session:
        clock("2026-09-01T09:00:00+00:00")
        acme = companies.create_company(session, CompanyBase(name="ООО Ромашка"))
        olga = contacts.create_contact(
            session,
            ContactCreate(
                first_name="Olga",
                last_name="Petrova",
                company_id=acme.id,
                phones=[PhoneIn(value="+7 912 345-67-89")],
            ),
        )
        boris = contacts.create_contact(
            session, ContactCreate(first_name="Boris", last_name="Old", is_client=True)
        )
        stage = stage_by_name(session, "New")
        stalled = deals.create_deal(
            session,
            DealCreate(title="Licences", stage_id=stage.id or 0, amount=150_000_00, contact_id=boris.id),
        )
        clock("2026-11-20T09:00:00+00:00")
        for name, kind, title, day, at, contact in [
            ("late", "call", "Call Olga", date(2026, 11, 18), None, olga.id),
            ("demo", "meeting", "Demo at Ромашка", date(2026, 11, 20), time(14, 30), olga.id),
            ("tomorrow", "task", "Send the contract", date(2026, 11, 21), None, None),
            ("week", "email", "Follow up", date(2026, 11, 22), time(10, 0), None),
        ]:
            activity = activities.create_activity(
                session, ActivityCreate(kind=kind, title=title, due_on=day, due_time=at, contact_id=contact)
            )
            ids[name] = activity.id or 0
        ids["olga"], ids["boris"], ids["stalled"] = olga.id or 0, boris.id or 0, stalled.id or 0
    return ids


def _activity_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(Activity)).one()


# --- today ----------------------------------------------------------------------------------


def test_today_prints_a_table_per_section_then_the_generated_lists(
    database: str, agenda: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--db", database, "today")
    assert (code, err) == (cli.EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0].startswith("Today, Fri 20.11.2026 — 1 overdue · 1 today · 1 tomorrow · 1 this week")
    headings = [line.split(" · ")[0] for line in lines if re.fullmatch(r"[A-Z][\w ]+ · \d+", line)]
    assert headings == [
        "Overdue",
        "Today",
        "Tomorrow",
        "This week",
        "Deals with no next step",
        "Forgotten clients",
    ]
    text = "\n".join(lines)
    overdue = text.split("Overdue · 1", 1)[1].split("Today · 1", 1)[0]
    assert "Wed 18.11" in overdue and "Call Olga" in overdue and "+7 912 345-67-89" in overdue
    today = text.split("Today · 1", 1)[1].split("Tomorrow · 1", 1)[0]
    assert "14:30" in today and "Demo at Ромашка" in today and "Olga Petrova · ООО Ромашка" in today
    tomorrow = text.split("Tomorrow · 1", 1)[1].split("This week · 1", 1)[0]
    assert "any time" in tomorrow and "Send the contract" in tomorrow
    assert "Sun 22.11 10:00" in text.split("This week · 1", 1)[1]
    stalled = text.split("Deals with no next step · 1", 1)[1].split("Forgotten clients", 1)[0]
    assert "Licences" in stalled and "150" in stalled
    assert "Boris Old" in text.split("Forgotten clients · ", 1)[1]
    assert all(len(line) <= 80 for line in lines)  # one line per row, cut to the terminal


def test_today_on_an_empty_database_says_nothing_is_due(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--db", database, "today")
    assert code == cli.EXIT_OK
    assert "nothing due" in out and "Nothing overdue" in out


def test_today_json_gives_one_record_per_item_then_the_two_lists(
    database: str, agenda: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "today", "--json", "--lists", "--db", database)
    assert (code, err) == (cli.EXIT_OK, "")
    records = json.loads(out)
    items = [record for record in records if record["list"] == "activities"]
    assert [(item["section"], item["title"]) for item in items] == [
        ("overdue", "Call Olga"),
        ("today", "Demo at Ромашка"),
        ("tomorrow", "Send the contract"),
        ("this week", "Follow up"),
    ]
    demo = items[1]
    assert demo | {"company_id": None} == {
        "list": "activities",
        "section": "today",
        "id": agenda["demo"],
        "kind": "meeting",
        "title": "Demo at Ромашка",
        "due_on": "2026-11-20",
        "due_time": "14:30",
        "due_at": "2026-11-20T14:30:00+00:00",
        "repeat": None,
        "remind_minutes": None,
        "done": False,
        "done_at": None,
        "outcome": None,
        "notes": None,
        "contact": "Olga Petrova",
        "contact_id": agenda["olga"],
        "company_id": None,
        "deal_id": None,
        "lead_id": None,
        "owner": TEST_USER,
        "regarding": "Olga Petrova · ООО Ромашка",
        "contact_detail": "+7 912 345-67-89",
        "overdue": False,
    }
    assert items[0]["overdue"] is True and items[0]["due_time"] is None and items[0]["due_at"] is None
    stalled = [record for record in records if record["list"] == "no next step"]
    assert [(deal["deal_id"], deal["title"]) for deal in stalled] == [(agenda["stalled"], "Licences")]
    forgotten = [record for record in records if record["list"] == "forgotten"]
    assert agenda["boris"] in [client["contact_id"] for client in forgotten]


def test_today_json_speaks_local_time_and_keeps_the_moment_in_utc(
    database: str, agenda: dict[str, int], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time as clock_module

    monkeypatch.setenv("TZ", "Europe/Moscow")
    clock_module.tzset()
    _, out, _ = run(capsys, "today", "--json", "--db", database)
    demo = next(record for record in json.loads(out) if record.get("id") == agenda["demo"])
    assert (demo["due_on"], demo["due_time"], demo["due_at"]) == (
        "2026-11-20",
        "17:30",
        "2026-11-20T14:30:00+00:00",
    )


# --- add-task -------------------------------------------------------------------------------


def test_add_task_plans_and_says_so(
    database: str, engine: Engine, agenda: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "add-task", "call Olga tomorrow 10:00", "--contact", "olga", "--db", database
    )
    assert (code, err) == (cli.EXIT_OK, "")
    assert out == "Call planned: call Olga — Sat 21.11 10:00\n"
    with session_scope(engine) as session:
        activity = session.exec(select(Activity).order_by(Activity.id.desc())).first()  # type: ignore[union-attr]
        assert activity is not None
        assert (activity.kind, activity.title, activity.contact_id) == ("call", "call Olga", agenda["olga"])


def test_add_task_json_prints_the_activity_record(
    database: str, agenda: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "add-task",
        "встреча с Ольгой пт 15:00",
        "--deal",
        str(agenda["stalled"]),
        "--json",
        "--db",
        database,
    )
    assert (code, err) == (cli.EXIT_OK, "")
    record = json.loads(out)
    assert (record["kind"], record["title"], record["due_on"], record["due_time"]) == (
        "meeting",
        "встреча с Ольгой",
        "2026-11-27",
        "15:00",
    )
    assert record["deal_id"] == agenda["stalled"]
    assert record["contact_id"] == agenda["boris"]  # the deal's person


def test_add_task_by_contact_id(
    database: str, agenda: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "add-task", "email offer +2d", "--contact", str(agenda["boris"]), "--json", "--db", database
    )
    assert code == cli.EXIT_OK
    assert json.loads(out)["contact_id"] == agenda["boris"]


def test_an_ambiguous_contact_exits_2_listing_the_candidates(
    database: str, engine: Engine, agenda: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    with session_scope(engine) as session:
        other = contacts.create_contact(session, ContactCreate(first_name="Olga", last_name="Ivanova"))
        other_id = other.id
    before = _activity_count(engine)
    code, out, err = run(capsys, "add-task", "call Olga tomorrow", "--contact", "OLGA", "--db", database)
    assert (code, out) == (cli.EXIT_USAGE, "")
    assert err.count("\n") == 1 and err.startswith("crm-tui: contact: 'OLGA' matches several contacts")
    assert f"#{agenda['olga']} Olga Petrova" in err and f"#{other_id} Olga Ivanova" in err
    assert _activity_count(engine) == before


def test_an_unknown_contact_exits_2(
    database: str, engine: Engine, agenda: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    before = _activity_count(engine)
    code, _, err = run(capsys, "add-task", "call Zed tomorrow", "--contact", "Zed", "--db", database)
    assert code == cli.EXIT_USAGE and "no contact named 'Zed'" in err
    code, _, err = run(capsys, "add-task", "call Zed tomorrow", "--deal", "9999", "--db", database)
    assert code == cli.EXIT_USAGE and "no deal with id 9999" in err
    assert _activity_count(engine) == before


def test_a_line_without_a_date_exits_2_with_the_accepted_forms(
    database: str, engine: Engine, agenda: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    before = _activity_count(engine)
    code, out, err = run(capsys, "add-task", "call Olga at some point", "--db", database)
    assert (code, out) == (cli.EXIT_USAGE, "")
    assert err.startswith("crm-tui: date: no date in 'call Olga at some point'")
    assert "tomorrow" in err and "+3d" in err and "15.12" in err and err.count("\n") == 1
    assert "Traceback" not in err
    assert _activity_count(engine) == before


def test_a_bad_date_touches_no_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "never.sqlite3"
    code, _, err = run(capsys, "add-task", "call Olga 31.02", "--db", str(target))
    assert code == cli.EXIT_USAGE and "'31.02' is not a date" in err
    assert not target.exists()


# --- export activities --format ics ---------------------------------------------------------


def test_export_activities_as_ics_to_a_file(
    database: str, agenda: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "tasks.ics"
    code, out, err = run(
        capsys, "export", "activities", "--format", "ics", "-o", str(target), "--db", database
    )
    assert (code, out) == (cli.EXIT_OK, "")
    assert "Exported activities to" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    calendar = vobject.readOne(target.read_text(encoding="utf-8"))
    assert [event.summary.value for event in calendar.vevent_list] == ["Meeting: Demo at Ромашка"]
    assert sorted(todo.summary.value for todo in calendar.vtodo_list) == [
        "Call: Call Olga",
        "Email: Follow up",
        "Task: Send the contract",
    ]
    assert calendar.vevent.dtstart.value.isoformat() == "2026-11-20T14:30:00+00:00"


def test_export_ics_to_standard_output_and_with_done_ones(
    database: str, engine: Engine, agenda: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    with session_scope(engine) as session:
        activities.complete_activity(session, agenda["late"], "talked")
    _, out, _ = run(capsys, "export", "activities", "--format", "ics", "--db", database)
    assert out.count("BEGIN:VTODO") + out.count("BEGIN:VEVENT") == 3
    code, out, _ = run(capsys, "export", "activities", "--format", "ics", "--all", "--db", database)
    assert code == cli.EXIT_OK
    done = [todo for todo in vobject.readOne(out).vtodo_list if todo.summary.value == "Call: Call Olga"]
    assert done[0].status.value == "COMPLETED"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "contacts", "--format", "ics"], "iCalendar holds activities only"),
        (
            ["export", "activities", "--format", "json", "--all"],
            "--all is for export activities --format ics",
        ),
    ],
)
def test_ics_misuse_exits_2(
    database: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args, "--db", database)
    assert (code, out) == (cli.EXIT_USAGE, "")
    assert message in err


def test_the_deal_fixture_is_open(engine: Engine, agenda: dict[str, int]) -> None:
    with session_scope(engine) as session:
        deal = session.get(Deal, agenda["stalled"])
        assert deal is not None and deal.closed_at is None
