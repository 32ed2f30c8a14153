"""The duplicates list and the merge screen, by keys only: checked in the database and on the
screen; and their snapshots at 80×24.

The sample data's Пётр Иванов gets a double: the same email in other letters, another phone, a
title of his own, a tag, a deal and a task.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from textual.pilot import Pilot

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Activity, Contact, ContactEmail, ContactPhone, Deal, Event
from crm_tui.services import activities, contacts, deals
from crm_tui.ui.app import CrmApp
from crm_tui.ui.screens.duplicates import DuplicatesScreen
from crm_tui.ui.screens.merge import MergeScreen

from .conftest import settle, shown_text

SIZE = (80, 24)


@pytest.fixture
def double(engine: Engine, sample_ids: dict[str, int]) -> dict[str, int]:
    """A second Пётр Иванов with a deal and a task of his own; returns their ids."""
    with session_scope(engine) as session:
        twin = contacts.create_contact(
            session,
            contacts.ContactCreate(
                first_name="петр",
                last_name="иванов",
                company_name="ООО «Ромашка»",
                title="Генеральный директор",
                birthday=date(1980, 5, 17),
                emails=[
                    contacts.EmailIn(value="P.Ivanov@Romashka.RU"),
                    contacts.EmailIn(value="petr@home.example"),
                ],
                phones=[contacts.PhoneIn(value="+7 495 123-45-67", kind="work")],
                tags=["Partner"],
            ),
        )
        assert twin.id is not None
        deal = deals.create_deal(session, deals.DealCreate(title="Сервисный договор", contact_id=twin.id))
        task = activities.create_activity(
            session,
            activities.ActivityCreate(title="Позвонить Петру", contact_id=twin.id, due_on=date(2026, 11, 23)),
        )
        return {"twin": twin.id, "deal": deal.id or 0, "task": task.id or 0}


def contact(engine: Engine, contact_id: int) -> Contact:
    with session_scope(engine) as session:
        found = session.get(Contact, contact_id)
        assert found is not None
        session.expunge(found)
        return found


def owners(engine: Engine, model: type, ids: list[int]) -> set[int | None]:
    with session_scope(engine) as session:
        return {session.get(model, record_id).contact_id for record_id in ids}  # type: ignore[union-attr]


def emails_of(engine: Engine, contact_id: int) -> list[str]:
    with session_scope(engine) as session:
        return sorted(
            session.exec(select(ContactEmail.value).where(ContactEmail.contact_id == contact_id)).all()
        )


def phones_of(engine: Engine, contact_id: int) -> list[str]:
    with session_scope(engine) as session:
        return sorted(
            session.exec(select(ContactPhone.value).where(ContactPhone.contact_id == contact_id)).all()
        )


def events_of_kind(engine: Engine, kind: str) -> list[Event]:
    with session_scope(engine) as session:
        return list(session.exec(select(Event).where(Event.kind == kind).order_by(col(Event.id))))


async def open_duplicates(pilot: Pilot[None]) -> None:
    await settle(pilot)
    pilot.app.action_duplicates()  # type: ignore[attr-defined]
    await settle(pilot)


async def test_merge_two_contacts_moves_everything_and_u_restores_it(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int], double: dict[str, int]
) -> None:
    ivanov, twin = sample_ids["ivanov"], double["twin"]
    async with app.run_test(size=SIZE) as pilot:
        await open_duplicates(pilot)
        screen = app.screen
        assert isinstance(screen, DuplicatesScreen)
        title = shown_text(screen.query_one("#duplicates-title"))
        assert "Likely duplicate contacts · 1" in title
        listed = shown_text(screen.query_one("#duplicates-table"))
        assert "Пётр Иванов" in listed and "петр иванов" in listed
        assert "same email p.ivanov@romashka.ru" in listed

        await pilot.press("enter")
        await settle(pilot)
        merge = app.screen
        assert isinstance(merge, MergeScreen)
        assert (merge.survivor_id, merge.other_id) == (ivanov, twin)
        # Birthday is empty on the one that stays: the other's is picked already.
        assert merge.take == {"birthday"}
        table = shown_text(merge.query_one("#merge-table"))
        assert "● Директор" in table and "● 1980-05-17" in table
        # Down to Title (First, Middle, Last, Company, Title), take the other's.
        for _ in range(4):
            await pilot.press("j")
        await pilot.press("right")
        assert "● Генеральный директор" in shown_text(merge.query_one("#merge-table"))
        assert "Moves to Пётр Иванов: 1 email, 1 phone, 1 tag, 1 deal, 1 activity" in shown_text(
            merge.query_one("#merge-summary")
        )
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
        assert "No likely duplicates." in shown_text(app.screen.query_one("#duplicates-empty"))

        merged, archived = contact(engine, ivanov), contact(engine, twin)
        assert (merged.title, merged.birthday) == ("Генеральный директор", date(1980, 5, 17))
        assert merged.first_name == "Пётр"  # the survivor's own, not taken
        assert archived.archived_at is not None and archived.extra["merged_into"] == ivanov
        assert emails_of(engine, ivanov) == ["p.ivanov@romashka.ru", "petr@home.example"]
        assert phones_of(engine, ivanov) == ["+7 495 123-45-67", "+7 912 345-67-89"]
        assert owners(engine, Deal, [double["deal"]]) == {ivanov}
        assert owners(engine, Activity, [double["task"]]) == {ivanov}
        assert contacts.tags_of  # (the tags are read in one session below)
        with session_scope(engine) as session:
            assert contacts.tags_of(session, ivanov) == ["Partner", "VIP"]
        [merged_event] = events_of_kind(engine, "merged")
        assert (merged_event.entity_id, merged_event.payload["other_id"]) == (ivanov, twin)

        await pilot.press("u")
        await settle(pilot)
        assert "Merge undone" in " ".join(str(note.message) for note in app._notifications)
        assert "Likely duplicate contacts · 1" in shown_text(app.screen.query_one("#duplicates-title"))

    restored, back = contact(engine, ivanov), contact(engine, twin)
    assert (restored.title, restored.birthday) == ("Директор", None)
    assert back.archived_at is None and "merged_into" not in back.extra
    assert emails_of(engine, ivanov) == ["p.ivanov@romashka.ru"]
    assert emails_of(engine, twin) == ["P.Ivanov@Romashka.RU", "petr@home.example"]
    assert phones_of(engine, twin) == ["+7 495 123-45-67"]
    assert owners(engine, Deal, [double["deal"]]) == {twin}
    assert owners(engine, Activity, [double["task"]]) == {twin}
    with session_scope(engine) as session:
        assert contacts.tags_of(session, ivanov) == ["VIP"]
        assert contacts.tags_of(session, twin) == ["Partner"]
    assert len(events_of_kind(engine, "undone")) == 2  # one on each contact


async def test_s_swaps_which_contact_stays_and_escape_cancels(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int], double: dict[str, int]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_duplicates(pilot)
        await pilot.press("enter")
        await settle(pilot)
        merge = app.screen
        assert isinstance(merge, MergeScreen)
        await pilot.press("s")
        await settle(pilot)
        assert (merge.survivor_id, merge.other_id) == (double["twin"], sample_ids["ivanov"])
        # The birthday chosen before is still the one chosen: now the survivor's own.
        assert "birthday" not in merge.take
        assert "петр иванов #" in shown_text(merge.query_one("#merge-title")).split(" into ")[1]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
    assert contact(engine, double["twin"]).archived_at is None
    assert events_of_kind(engine, "merged") == []


async def test_u_with_no_merge_says_so(app: CrmApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_duplicates(pilot)
        assert "No likely duplicates." in shown_text(app.screen.query_one("#duplicates-empty"))
        await pilot.press("u")
        await settle(pilot)
        assert any("No merge to undo" in str(note.message) for note in app._notifications)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, DuplicatesScreen)


# ---------------------------------------------------------------- snapshots


def pressing(*keys: str):
    async def run_before(pilot: Pilot[None]) -> None:
        await open_duplicates(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.usefixtures("double")
def test_duplicates_list_snapshot(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing())


@pytest.mark.usefixtures("double")
def test_merge_screen_snapshot(snap_compare, app: CrmApp) -> None:
    # On the Title row, the other's title chosen.
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("enter", "j", "j", "j", "j", "right"))
