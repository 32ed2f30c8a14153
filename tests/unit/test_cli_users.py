"""`crm-tui --user NAME` (who signs the events and owns what is made) and `--mine` on the
listing commands (today, leads, deals), on both engines."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from crm_tui import cli
from crm_tui.db.engine import session_scope
from crm_tui.db.models import Activity, Event, Lead
from crm_tui.services import activities, deals, leads
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.deals import DealCreate
from crm_tui.services.stages import stage_by_name
from crm_tui.users import current_user, set_current_user
from tests.cli_kit import run
from tests.users import TEST_USER


def test_help_tells_about_user_and_mine(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "--user NAME" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["today", "--help"])
    assert "--mine" in capsys.readouterr().out


@pytest.mark.parametrize("where", ["before", "after"])
def test_user_signs_the_events_and_owns_the_lead(
    database: str, engine: Engine, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    lead = ["add-lead", "--name", "Olga", "--db", database]
    args = ["--user", "anna", *lead] if where == "before" else [*lead, "--user", "anna"]
    code, out, _ = run(capsys, *args)
    assert code == 0
    record = json.loads(out)
    assert record["owner"] == "anna"
    with session_scope(engine) as session:
        stored = session.get(Lead, record["id"])
        assert stored is not None and stored.owner == "anna"
        actors = session.exec(select(Event.actor).where(Event.entity_kind == "lead")).all()
    assert actors == ["anna"]
    # The name lasts for that one run: the next command is the default user's again.
    run(capsys, "add-lead", "--name", "Vera", "--db", database)
    assert current_user() == TEST_USER


def test_a_task_planned_with_user_is_theirs_and_its_event_too(
    database: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "--user", "boris", "--db", database, "add-task", "call Olga tomorrow", "--json"
    )
    assert code == 0 and json.loads(out)["owner"] == "boris"
    with session_scope(engine) as session:
        assert session.exec(select(Activity.owner)).all() == ["boris"]
    code, out, _ = run(capsys, "--db", database, "export", "events")
    assert {record["actor"] for record in json.loads(out)} == {"boris"}


def test_without_user_the_default_signs(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", database, "add-lead", "--name", "Olga")
    assert code == 0 and json.loads(out)["owner"] == TEST_USER


@pytest.fixture
def shared(engine: Engine) -> None:
    """A lead, a deal (with no next step) and an overdue call of the tester's; the same of anna's."""
    with session_scope(engine) as session:
        stage_id = stage_by_name(session, "New").id
        for owner in (TEST_USER, "anna"):
            set_current_user(owner)
            leads.create_lead(session, leads.lead_from_fields({"name": f"{owner}'s lead"}))
            deals.create_deal(session, DealCreate(title=f"{owner}'s deal", stage_id=stage_id))
            activities.create_activity(
                session, ActivityCreate(kind="call", title=f"{owner}'s call", due_on=date(2026, 11, 19))
            )
    set_current_user(None)


def test_today_mine_lists_my_activities_and_my_deals(
    database: str, shared: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--db", database, "today", "--json", "--lists", "--mine")
    assert code == 0
    records = json.loads(out)
    assert [(record["list"], record.get("title")) for record in records] == [
        ("activities", f"{TEST_USER}'s call"),
        ("no next step", f"{TEST_USER}'s deal"),
    ]
    assert records[0]["owner"] == TEST_USER
    code, out, _ = run(capsys, "--user", "anna", "--db", database, "today", "--mine")
    assert "anna's call" in out and "anna's deal" in out
    assert f"{TEST_USER}'s" not in out
    assert "1 overdue (mine)" in out
    code, out, _ = run(capsys, "--db", database, "today", "--json")
    assert len(json.loads(out)) == 2  # everyone's without --mine


def test_leads_and_deals_mine(database: str, shared: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--user", "anna", "--db", database, "leads", "--mine", "--json")
    assert code == 0 and [record["name"] for record in json.loads(out)] == ["anna's lead"]
    code, out, _ = run(capsys, "--db", database, "leads", "--mine")
    assert f"{TEST_USER}'s lead" in out and "anna" not in out
    code, out, _ = run(capsys, "--db", database, "deals", "--json", "--mine")
    assert [record["title"] for record in json.loads(out)] == [f"{TEST_USER}'s deal"]
    code, out, _ = run(capsys, "--user", "anna", "--db", database, "deals", "--mine")
    assert "anna's deal" in out and TEST_USER not in out
    code, out, _ = run(capsys, "--db", database, "deals", "--json")
    assert len(json.loads(out)) == 2
    code, _, err = run(capsys, "--user", "nobody", "--db", database, "deals", "--mine")
    assert code == 0 and err == "No open deals of yours.\n"
