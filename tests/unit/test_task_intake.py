"""Reading a task from one typed line: its kind, its title as typed, its local day and time;
finding the contact a name means; planning it (times stored in UTC)."""

from __future__ import annotations

import time as clock_module
from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import Session, func, select

from crm_tui.db.models import Activity
from crm_tui.errors import ValidationError
from crm_tui.services import contacts
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.task_intake import PlannedTask, add_task, find_contact, kind_of, read_task

# The conftest's frozen clock: Friday 20 November 2026, 09:00 UTC (the local time: TZ=UTC).
NOW = datetime(2026, 11, 20, 9, 0)


@pytest.mark.parametrize(
    ("line", "kind", "title", "day", "at"),
    [
        ("call Olga tomorrow 10:00", "call", "call Olga", date(2026, 11, 21), time(10, 0)),
        ("Call Olga tomorrow at 3pm", "call", "Call Olga", date(2026, 11, 21), time(15, 0)),
        (
            "meeting with Acme fri 15:00 about price",
            "meeting",
            "meeting with Acme about price",
            date(2026, 11, 27),
            time(15, 0),
        ),
        ("email Bob +3d", "email", "email Bob", date(2026, 11, 23), None),
        ("send the contract 15.12", "task", "send the contract", date(2026, 12, 15), None),
        ("task: renew licences 2026-12-01", "task", "task: renew licences", date(2026, 12, 1), None),
        ("позвонить Ольге завтра в 10", "call", "позвонить Ольге", date(2026, 11, 21), time(10, 0)),
        ("Встреча в офисе послезавтра 14:30", "meeting", "Встреча в офисе", date(2026, 11, 22), time(14, 30)),
        ("письмо Ивану через 2 дня", "email", "письмо Ивану", date(2026, 11, 22), None),
        ("звонок Анне пт", "call", "звонок Анне", date(2026, 11, 27), None),
        ("задача обновить карточку next week", "task", "задача обновить карточку", date(2026, 11, 23), None),
        # The date may come first; the kind is still the title's first word.
        ("tomorrow 9:30 call Olga", "call", "call Olga", date(2026, 11, 21), time(9, 30)),
        ("  call   Olga ,  tomorrow  ", "call", "call Olga", date(2026, 11, 21), None),
    ],
)
def test_a_line_gives_kind_title_day_and_time(
    line: str, kind: str, title: str, day: date, at: time | None
) -> None:
    assert read_task(line, NOW) == PlannedTask(kind, title, day, at)


def test_the_default_clock_is_the_frozen_one() -> None:
    assert read_task("call Olga tomorrow 10:00") == PlannedTask(
        "call", "call Olga", date(2026, 11, 21), time(10)
    )


def test_describe_says_what_was_planned_and_when() -> None:
    planned = read_task("call Olga tomorrow 10:00", NOW)
    assert planned.describe() == "Call planned: call Olga — Sat 21.11 10:00"
    assert read_task("задача отчёт 15.12", NOW).describe() == "Task planned: задача отчёт — Tue 15.12"


@pytest.mark.parametrize(
    ("word", "kind"),
    [("Call", "call"), ("ПОЗВОНИТЬ", "call"), ("meeting", "meeting"), ("email,", "email"), ("Buy", "task")],
)
def test_the_first_word_names_the_kind(word: str, kind: str) -> None:
    assert kind_of(f"{word} something") == kind


def test_a_line_without_a_date_is_refused_with_the_accepted_forms() -> None:
    with pytest.raises(ValidationError) as caught:
        read_task("call Olga", NOW)
    assert caught.value.field == "date"
    message = caught.value.message
    assert "no date in 'call Olga'" in message
    for form in ("tomorrow", "+3d", "15.12", "2026-12-15", "10:00", "завтра"):
        assert form in message
    assert "\n" not in message  # one line on the command line


def test_a_date_that_is_no_date_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        read_task("call Olga 31.02", NOW)
    assert "'31.02' is not a date" in caught.value.message


def test_a_time_that_is_no_time_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        read_task("call Olga tomorrow 25:00", NOW)
    assert "'25:00' is not a time" in caught.value.message


@pytest.mark.parametrize("line", ["", "   ", "tomorrow 10:00"])
def test_a_line_with_nothing_to_do_is_refused(line: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read_task(line, NOW)
    assert caught.value.field == "title"


# --- the contact ----------------------------------------------------------------------------


@pytest.fixture
def people(session: Session) -> dict[str, int]:
    names = [
        ("Olga", "Petrova"),
        ("Olga", "Ivanova"),
        ("Ольга", "Смирнова"),
        ("Борис", "Ельцов"),
        ("Old", "Gone"),
    ]
    ids: dict[str, int] = {}
    for first, last in names:
        contact = contacts.create_contact(session, ContactCreate(first_name=first, last_name=last))
        assert contact.id is not None
        ids[f"{first} {last}"] = contact.id
    contacts.archive_contact(session, ids["Old Gone"])
    session.flush()
    return ids


def test_a_full_name_in_any_letter_case_finds_its_contact(session: Session, people: dict[str, int]) -> None:
    assert find_contact(session, "olga petrova").id == people["Olga Petrova"]
    assert find_contact(session, "ОЛЬГА").id == people["Ольга Смирнова"]
    assert find_contact(session, "ельцов").id == people["Борис Ельцов"]
    assert find_contact(session, "ivan").id == people["Olga Ivanova"]


def test_an_id_finds_its_contact(session: Session, people: dict[str, int]) -> None:
    assert find_contact(session, str(people["Olga Ivanova"])).id == people["Olga Ivanova"]


def test_several_matches_are_listed_with_their_ids(session: Session, people: dict[str, int]) -> None:
    with pytest.raises(ValidationError) as caught:
        find_contact(session, "olga")
    message = caught.value.message
    assert f"#{people['Olga Petrova']} Olga Petrova" in message
    assert f"#{people['Olga Ivanova']} Olga Ivanova" in message
    assert "matches several contacts" in message and "--contact" in message


def test_no_match_says_so_and_offers_near_ones(session: Session, people: dict[str, int]) -> None:
    with pytest.raises(ValidationError) as caught:
        find_contact(session, "Olga Sidorova")
    assert "no contact named 'Olga Sidorova'" in caught.value.message
    assert "Olga Petrova" in caught.value.message  # a word in common
    with pytest.raises(ValidationError, match=r"no contact named 'Zed'$"):
        find_contact(session, "Zed")


def test_archived_contacts_are_not_found(session: Session, people: dict[str, int]) -> None:
    with pytest.raises(ValidationError, match="no contact named"):
        find_contact(session, "Old Gone")
    with pytest.raises(ValidationError, match="no contact with id"):
        find_contact(session, str(people["Old Gone"]))


# --- planning -------------------------------------------------------------------------------


def _activities(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Activity)).one()


def test_add_task_plans_it_linked_to_the_contact(session: Session, people: dict[str, int]) -> None:
    planned = read_task("call Olga tomorrow 10:00", NOW)
    activity = add_task(session, planned, contact="olga petrova")
    assert (activity.kind, activity.title, activity.due_on) == ("call", "call Olga", date(2026, 11, 21))
    assert activity.contact_id == people["Olga Petrova"]
    assert activity.due_at is not None
    assert activity.due_at.replace(tzinfo=UTC) == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def test_the_local_time_is_stored_as_its_utc_moment(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Moscow")
    clock_module.tzset()
    activity = add_task(session, read_task("call Olga tomorrow 10:00"))
    assert activity.due_at is not None
    # 10:00 in Moscow (UTC+3) is 07:00 UTC.
    assert activity.due_at.replace(tzinfo=UTC) == datetime(2026, 11, 21, 7, 0, tzinfo=UTC)


def test_an_ambiguous_contact_writes_nothing(session: Session, people: dict[str, int]) -> None:
    before = _activities(session)
    with pytest.raises(ValidationError):
        add_task(session, read_task("call Olga tomorrow", NOW), contact="olga")
    assert _activities(session) == before
