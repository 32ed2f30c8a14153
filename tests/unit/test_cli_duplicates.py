"""`crm-tui duplicates` and `crm-tui merge`: text, JSON, exit codes, one-line errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Contact
from crm_tui.services import contacts
from crm_tui.services.contacts import ContactCreate, EmailIn
from tests.cli_kit import run


@pytest.fixture
def twins(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        first = contacts.create_contact(
            session,
            ContactCreate(first_name="Пётр", last_name="Иванов", emails=[EmailIn(value="p@romashka.ru")]),
        )
        second = contacts.create_contact(
            session,
            ContactCreate(
                first_name="петр", last_name="иванов", title="CEO", emails=[EmailIn(value="P@Romashka.RU")]
            ),
        )
        return first.id or 0, second.id or 0




def test_duplicates_as_a_table(
    capsys: pytest.CaptureFixture[str], database: str, twins: tuple[int, int]
) -> None:
    code, out, err = run(capsys, "duplicates", "--db", database)
    assert (code, err) == (0, "")
    header, row = out.splitlines()
    assert header.split() == ["First", "Second", "Why"]
    assert row.split() == ["#1", "Пётр", "Иванов", "#2", "петр", "иванов", "same", "email", "p@romashka.ru"]


def test_duplicates_as_json(
    capsys: pytest.CaptureFixture[str], database: str, twins: tuple[int, int]
) -> None:
    code, out, _ = run(capsys, "duplicates", "--json", "--db", database)
    assert code == 0
    assert json.loads(out) == [
        {
            "first_id": twins[0],
            "first_name": "Пётр Иванов",
            "second_id": twins[1],
            "second_name": "петр иванов",
            "why": "same email p@romashka.ru",
        }
    ]


def test_no_duplicates(capsys: pytest.CaptureFixture[str], database: str) -> None:
    assert run(capsys, "duplicates", "--db", database) == (0, "No likely duplicates.\n", "")
    assert run(capsys, "duplicates", "--json", "--db", database) == (0, "[\n]\n", "")


def test_merge_then_undo(
    capsys: pytest.CaptureFixture[str], database: str, engine: Engine, twins: tuple[int, int]
) -> None:
    survivor, other = twins
    code, out, err = run(capsys, "merge", str(survivor), str(other), "--db", database)
    assert (code, err) == (0, "")
    # Without --take, the survivor's empty fields are filled from the other.
    assert out == (
        "Merged петр иванов into Пётр Иванов. Took title. Moved 1 event. Undo: crm-tui merge --undo\n"
    )
    with session_scope(engine) as session:
        kept, archived = session.get(Contact, survivor), session.get(Contact, other)
        assert kept is not None and kept.title == "CEO"
        assert archived is not None and archived.archived_at is not None
    assert run(capsys, "duplicates", "--db", database)[1] == "No likely duplicates.\n"

    code, out, _ = run(capsys, "merge", "--undo", "--db", database)
    assert (code, out) == (0, "Merge undone: петр иванов and Пётр Иванов are separate again.\n")
    with session_scope(engine) as session:
        kept, back = session.get(Contact, survivor), session.get(Contact, other)
        assert kept is not None and kept.title is None
        assert back is not None and back.archived_at is None
    assert run(capsys, "merge", "--undo", "--db", database) == (2, "", "crm-tui: No merge to undo.\n")


def test_merge_taking_chosen_fields_only(
    capsys: pytest.CaptureFixture[str], database: str, engine: Engine, twins: tuple[int, int]
) -> None:
    survivor, other = twins
    code, out, _ = run(capsys, "merge", str(survivor), str(other), "--take", "first_name", "--db", database)
    assert code == 0 and "Took first name." in out
    with session_scope(engine) as session:
        kept = session.get(Contact, survivor)
        assert kept is not None and (kept.full_name, kept.title) == ("петр Иванов", None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["merge", "1"], "crm-tui: merge needs two contact ids: SURVIVOR_ID OTHER_ID (or --undo)\n"),
        (["merge", "1", "1"], "crm-tui: contact: a contact cannot be merged with itself\n"),
        (["merge", "1", "7"], "crm-tui: contact: no contact with id 7\n"),
        (["merge", "1", "2", "--take", "colour"], "crm-tui: take: not fields a merge can take: colour"),
        (["merge", "1", "2", "--undo"], "crm-tui: merge --undo takes no ids and no --take\n"),
        (["duplicates", "--limit", "0"], "crm-tui: --limit must be at least 1\n"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str], database: str, twins: tuple[int, int], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args, "--db", database)
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1
