"""`crm-tui deals` and `crm-tui deal move`: the pipeline on the command line, as a table or
JSON records; bad input exits 2 with one line and changes nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from crm_tui import cli
from crm_tui.db.engine import session_scope
from crm_tui.db.models import CompanyBase, Deal, Event
from crm_tui.services import companies, contacts, deals
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.deals import DealCreate
from crm_tui.services.records import deal_records
from crm_tui.services.stages import get_stage, stage_by_name
from tests.cli_kit import run

# The conftest's frozen clock, where every command here runs.
NOW = "2026-11-20T09:00:00+00:00"




def _stage(session: Session, name: str) -> int:
    stage_id = stage_by_name(session, name).id
    assert stage_id is not None
    return stage_id


@pytest.fixture
def pipeline(engine: Engine, clock: Callable[[str], None]) -> dict[str, int]:
    """Deals in several stages, made on different days; one won, one lost, one archived."""
    made = [
        ("Acme renewal", "Proposal", "2026-11-10T09:00:00+00:00", 150_000_00, "RUB"),
        ("Вектор pilot", "New", "2026-11-15T09:00:00+00:00", 4_800_50, "USD"),
        ("Old lead", "New", "2026-11-05T09:00:00+00:00", 0, "RUB"),
        ("Signed", "Negotiation", "2026-11-01T09:00:00+00:00", 90_000_00, "RUB"),
        ("Gone", "Qualified", "2026-11-02T09:00:00+00:00", 10_00, "RUB"),
        ("Archived", "New", "2026-11-03T09:00:00+00:00", 10_00, "RUB"),
    ]
    ids: dict[str, int] = {}
    with session_scope(engine) as session:
        acme = companies.create_company(session, CompanyBase(name="Acme"))
        anna = contacts.create_contact(session, ContactCreate(first_name="Анна", last_name="Петрова"))
        for title, stage, moment, amount, currency in made:
            clock(moment)
            client = {"company_id": acme.id} if title == "Acme renewal" else {"contact_id": anna.id}
            deal = deals.create_deal(
                session,
                DealCreate(
                    title=title, stage_id=_stage(session, stage), amount=amount, currency=currency, **client
                ),
            )
            assert deal.id is not None
            ids[title] = deal.id
        clock("2026-11-18T09:00:00+00:00")
        deals.win_deal(session, ids["Signed"])
        deals.lose_deal(session, ids["Gone"], "price")
        deals.archive_deal(session, ids["Archived"])
    clock(NOW)
    return ids




def _stored(engine: Engine, deal_id: int) -> tuple[str, str | None, int]:
    """(stage name, lost reason, stage_changed events) of a deal, read fresh."""
    with session_scope(engine) as session:
        deal = session.get(Deal, deal_id)
        assert deal is not None
        moves = session.exec(
            select(func.count()).where(
                col(Event.entity_id) == deal_id, Event.entity_kind == "deal", Event.kind == "stage_changed"
            )
        ).one()
        return get_stage(session, deal.stage_id).name, deal.lost_reason, moves


# --- deals ----------------------------------------------------------------------------------


def test_json_lists_open_deals_in_pipeline_order_with_the_export_s_fields(
    database: str, pipeline: dict[str, int], engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "deals", "--json", "--db", database)
    assert code == cli.EXIT_OK, err
    records = json.loads(out)
    assert [record["title"] for record in records] == ["Old lead", "Вектор pilot", "Acme renewal"]
    with session_scope(engine) as session:
        acme = session.get(Deal, pipeline["Acme renewal"])
        assert acme is not None
        expected = json.loads(json.dumps(deal_records(session, [acme])[0], default=str))
    assert records[2] == expected
    assert (records[2]["stage"], records[2]["status"], records[2]["company"]) == ("Proposal", "open", "Acme")
    assert records[1]["amount"] == 4800.5


@pytest.mark.parametrize(
    ("options", "titles"),
    [
        (["--status", "won"], ["Signed"]),
        (["--status", "lost"], ["Gone"]),
        (["--status", "open"], ["Old lead", "Вектор pilot", "Acme renewal"]),
        (["--stage", "new"], ["Old lead", "Вектор pilot"]),
        (["--stage", "WON"], ["Signed"]),  # a closed stage named: its deals, no --status needed
        (["--stage", "Won", "--status", "open"], []),
    ],
)
def test_status_and_stage_filters(
    database: str,
    pipeline: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    titles: list[str],
) -> None:
    code, out, err = run(capsys, "deals", *options, "--json", "--db", database)
    assert code == cli.EXIT_OK, err
    assert [record["title"] for record in json.loads(out)] == titles


def test_text_is_a_table_of_id_title_stage_client_amount_days_and_close(
    database: str, pipeline: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "deals", "--db", database)
    assert (code, err) == (cli.EXIT_OK, "")
    header, *lines = out.splitlines()
    assert header.split() == ["ID", "Title", "Stage", "Client", "Amount", "Days", "Close", "by"]
    assert len(lines) == 3
    # (split() also splits the amounts' thousands, at their narrow no-break space.)
    old, vector, acme = lines
    assert old.split() == [
        str(pipeline["Old lead"]),
        "Old",
        "lead",
        "New",
        "Анна",
        "Петрова",
        "0",
        "RUB",
        "15",
    ]
    assert vector.split()[:4] == [str(pipeline["Вектор pilot"]), "Вектор", "pilot", "New"]
    assert re.search(r"  4\u202f800\.50 USD +5 *$", vector)
    assert acme.split()[:5] == [str(pipeline["Acme renewal"]), "Acme", "renewal", "Proposal", "Acme"]
    assert re.search(r"  150\u202f000 RUB +10 *$", acme)


def test_every_deal_is_listed_once_across_pages(
    database: str,
    pipeline: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli, "_DEALS_PAGE", 2)
    _, out, _ = run(capsys, "deals", "--json", "--db", database)
    assert [record["title"] for record in json.loads(out)] == ["Old lead", "Вектор pilot", "Acme renewal"]
    _, out, _ = run(capsys, "deals", "--db", database)
    assert len(out.splitlines()) == 4


def test_an_empty_pipeline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = str(tmp_path / "empty" / "crm.sqlite3")
    assert run(capsys, "deals", "--json", "--db", database)[:2] == (cli.EXIT_OK, "[\n]\n")
    assert run(capsys, "deals", "--db", database) == (cli.EXIT_OK, "", "No open deals.\n")
    assert run(capsys, "deals", "--status", "won", "--db", database) == (cli.EXIT_OK, "", "No won deals.\n")
    assert run(capsys, "deals", "--stage", "proposal", "--db", database) == (
        cli.EXIT_OK,
        "",
        "No deals in Proposal.\n",
    )


def test_an_unknown_stage_names_the_stages(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "deals", "--stage", "Demo", "--db", database)
    assert (code, out) == (cli.EXIT_USAGE, "")
    assert err == (
        "crm-tui: no stage named 'Demo' (stages: New, Qualified, Proposal, Negotiation, Won, Lost)\n"
    )


def test_a_bad_status_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "crm.sqlite3"
    with pytest.raises(SystemExit) as exited:
        cli.main(["deals", "--status", "closed", "--db", str(database)])
    assert exited.value.code == cli.EXIT_USAGE
    assert "invalid choice: 'closed'" in capsys.readouterr().err
    assert not database.exists()


# --- deal move ------------------------------------------------------------------------------


def test_move_prints_the_move_and_writes_it(
    database: str, pipeline: dict[str, int], engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    deal_id = pipeline["Acme renewal"]
    code, out, err = run(capsys, "deal", "move", str(deal_id), "negotiation", "--db", database)
    assert (code, out, err) == (cli.EXIT_OK, "Acme renewal: Proposal → Negotiation\n", "")
    assert _stored(engine, deal_id) == ("Negotiation", None, 1)
    with session_scope(engine) as session:
        deal = session.get(Deal, deal_id)
        assert deal is not None
        assert deal.stage_entered_at.isoformat().startswith("2026-11-20T09:00:00")


def test_move_to_won_closes_the_deal_and_json_prints_its_record(
    database: str, pipeline: dict[str, int], engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    deal_id = pipeline["Вектор pilot"]
    code, out, err = run(capsys, "deal", "move", str(deal_id), "Won", "--json", "--db", database)
    assert code == cli.EXIT_OK, err
    record = json.loads(out)
    assert (record["id"], record["stage"], record["status"]) == (deal_id, "Won", "won")
    assert record["closed_at"].startswith("2026-11-20T09:00:00")


def test_move_to_lost_with_a_reason(
    database: str, pipeline: dict[str, int], engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    deal_id = pipeline["Old lead"]
    code, out, err = run(
        capsys, "deal", "move", str(deal_id), "lost", "--reason", "no budget", "--db", database
    )
    assert (code, out, err) == (cli.EXIT_OK, "Old lead: New → Lost\n", "")
    assert _stored(engine, deal_id) == ("Lost", "no budget", 1)


@pytest.mark.parametrize(
    ("deal", "arguments", "message"),
    [
        (None, ["999", "Proposal"], "crm-tui: no deal with id 999\n"),
        (
            "Old lead",
            ["Demo"],
            "crm-tui: no stage named 'Demo' (stages: New, Qualified, Proposal, Negotiation, Won, Lost)\n",
        ),
        (
            "Old lead",
            ["Lost"],
            "crm-tui: moving a deal to Lost needs --reason TEXT "
            "(e.g. price, competitor, no budget, no decision, timing, other)\n",
        ),
        ("Old lead", ["Lost", "--reason", "  "], None),
        (
            "Old lead",
            ["Proposal", "--reason", "price"],
            "crm-tui: --reason is for a lost stage; Proposal is open\n",
        ),
        ("Old lead", ["New"], "crm-tui: stage: “Old lead” is already in New\n"),
        (
            "Signed",
            ["Proposal"],
            "crm-tui: deal: “Signed” is won: reopen it in the app (r on its card) "
            "before moving it to Proposal\n",
        ),
        ("Archived", ["Proposal"], "crm-tui: deal: “Archived” is archived: an archived deal cannot move\n"),
    ],
)
def test_bad_moves_exit_2_and_change_nothing(
    database: str,
    pipeline: dict[str, int],
    engine: Engine,
    capsys: pytest.CaptureFixture[str],
    deal: str | None,
    arguments: list[str],
    message: str | None,
) -> None:
    deal_id = pipeline[deal] if deal else None
    before = _stored(engine, deal_id) if deal_id else None
    with session_scope(engine) as session:
        events = session.exec(select(func.count()).select_from(Event)).one()
    args = [str(deal_id), *arguments] if deal_id else arguments
    code, out, err = run(capsys, "deal", "move", *args, "--db", database)
    assert (code, out) == (cli.EXIT_USAGE, "")
    if message is not None:
        assert err == message
    assert len(err.splitlines()) == 1
    if deal_id:
        assert _stored(engine, deal_id) == before
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Event)).one() == events


def test_deal_needs_an_action(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["deal", "--db", database])
    assert exited.value.code == cli.EXIT_USAGE
    with pytest.raises(SystemExit) as exited:
        cli.main(["deal", "move", "seven", "New", "--db", database])
    assert exited.value.code == cli.EXIT_USAGE
    assert "invalid int value: 'seven'" in capsys.readouterr().err
