"""`crm-tui leads`: the inbox on the command line, as text or JSON records."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from crm_tui import cli
from crm_tui.db.engine import session_scope
from crm_tui.db.models import Lead, LeadStatus
from crm_tui.services import leads
from crm_tui.services.records import lead_records

# The conftest's frozen clock, where every command here runs.
NOW = "2026-11-20T09:00:00+00:00"




@pytest.fixture
def inbox(engine: Engine, clock: Callable[[str], None]) -> dict[str, int]:
    """Five leads made on different days, one per status, plus an archived one."""
    made = [
        ("old", "2026-11-10T09:00:00+00:00", "Website", None),
        ("working", "2026-11-15T09:00:00+00:00", "Referral", LeadStatus.WORKING),
        ("disqualified", "2026-11-16T09:00:00+00:00", "Cold call", LeadStatus.DISQUALIFIED),
        ("converted", "2026-11-17T09:00:00+00:00", None, LeadStatus.CONVERTED),
        ("archived", "2026-11-18T09:00:00+00:00", "Website", None),
        ("fresh", "2026-11-19T19:00:00+00:00", "Выставка", None),
    ]
    ids: dict[str, int] = {}
    with session_scope(engine) as session:
        for name, moment, source, status in made:
            clock(moment)
            fields = {"name": f"Lead {name}", "company": "Вектор", "source": source}
            lead = leads.create_lead(session, leads.lead_from_fields(fields))
            assert lead.id is not None
            ids[name] = lead.id
            if status is not None:
                reason = "spam" if status is LeadStatus.DISQUALIFIED else None
                leads.set_status(session, lead.id, status, reason=reason)
        leads.archive_lead(session, ids["archived"])
    clock(NOW)
    return ids


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["leads", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_lists_open_leads_newest_first_with_the_export_s_fields(
    database: str, inbox: dict[str, int], engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--json", "--db", database)
    assert code == cli.EXIT_OK, err
    records = json.loads(out)
    assert [record["id"] for record in records] == [inbox["fresh"], inbox["working"], inbox["old"]]
    assert [record["status"] for record in records] == ["new", "working", "new"]
    # The same records `crm-tui export leads` and `add-lead` print, field for field.
    with session_scope(engine) as session:
        fresh = session.get(Lead, inbox["fresh"])
        assert fresh is not None
        expected = json.loads(json.dumps(lead_records(session, [fresh])[0], default=str))
    assert records[0] == expected
    assert records[0]["title"] == "Lead fresh · Вектор"
    assert records[0]["source"] == "Выставка"
    assert records[0]["created_at"].startswith("2026-11-19T19:00:00")


@pytest.mark.parametrize(
    ("status", "names"),
    [
        ("new", ["fresh", "old"]),
        ("working", ["working"]),
        ("disqualified", ["disqualified"]),
        ("converted", ["converted"]),
        # Every status, archived leads still left out.
        ("all", ["fresh", "converted", "disqualified", "working", "old"]),
    ],
)
def test_status_filter(
    database: str,
    inbox: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    status: str,
    names: list[str],
) -> None:
    code, out, err = run(capsys, "--status", status, "--json", "--db", database)
    assert code == cli.EXIT_OK, err
    assert [record["id"] for record in json.loads(out)] == [inbox[name] for name in names]


def test_the_status_choices_are_the_lead_statuses_and_all() -> None:
    assert set(cli.LEAD_STATUS_CHOICES) == {status.value for status in LeadStatus} | {"all"}


def test_text_is_one_line_per_lead_with_id_status_title_source_and_age(
    database: str, inbox: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--status", "all", "--db", database)
    assert code == cli.EXIT_OK, err
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 5
    assert all(len(line) <= 80 for line in lines)
    fresh, converted, disqualified, working, old = (line.split() for line in lines)
    assert fresh == [str(inbox["fresh"]), "new", "Lead", "fresh", "·", "Вектор", "Выставка", "14h"]
    assert converted == [str(inbox["converted"]), "converted", "Lead", "converted", "·", "Вектор", "3d"]
    assert disqualified[1] == "disqualified" and disqualified[-3:] == ["Cold", "call", "4d"]
    assert working[1] == "working" and working[-2:] == ["Referral", "5d"]
    assert old[1] == "new" and old[-2:] == ["Website", "10d"]


def test_a_long_title_is_cut_in_text_but_whole_in_json(
    database: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    title = "A very long lead title that goes on well past its column"
    with session_scope(engine) as session:
        leads.create_lead(session, leads.lead_from_fields({"title": title, "name": "Anna"}))
    _, out, _ = run(capsys, "--db", database)
    assert "A very long lead title that goes on… " in out
    assert title not in out
    _, out, _ = run(capsys, "--json", "--db", database)
    assert json.loads(out)[0]["title"] == title


def test_every_lead_is_listed_once_across_pages(
    database: str, inbox: dict[str, int], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_LEADS_PAGE", 2)
    _, out, _ = run(capsys, "--status", "all", "--json", "--db", database)
    ids = [record["id"] for record in json.loads(out)]
    assert ids == [inbox[name] for name in ("fresh", "converted", "disqualified", "working", "old")]
    _, out, _ = run(capsys, "--status", "all", "--db", database)
    assert [int(line.split()[0]) for line in out.splitlines()] == ids


def test_an_empty_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = str(tmp_path / "empty" / "crm.sqlite3")
    code, out, err = run(capsys, "--json", "--db", database)
    assert code == cli.EXIT_OK, err
    assert json.loads(out) == []

    code, out, err = run(capsys, "--db", database)
    assert code == cli.EXIT_OK
    assert out == ""
    assert err == "No open leads.\n"

    code, out, err = run(capsys, "--status", "converted", "--db", database)
    assert (code, out, err) == (cli.EXIT_OK, "", "No converted leads.\n")
    code, out, err = run(capsys, "--status", "all", "--db", database)
    assert (code, out, err) == (cli.EXIT_OK, "", "No leads.\n")


def test_a_bad_status_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "crm.sqlite3"
    with pytest.raises(SystemExit) as exited:
        cli.main(["leads", "--status", "open", "--db", str(database)])
    assert exited.value.code == cli.EXIT_USAGE
    assert "invalid choice: 'open'" in capsys.readouterr().err
    assert not database.exists()  # refused before anything was opened
