"""Concurrent users: every change of a deal or a lead bumps its version, a change made on a
version someone else has changed since is refused (RecordChanged) with nothing written, and two
sessions racing for the same deal or lead end with one winner (services/versions.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Contact, Deal, EntityKind, Event, Lead, LeadStatus
from crm_tui.db.schema import open_database
from crm_tui.errors import CrmError, RecordChanged, ValidationError
from crm_tui.services import deals, lead_triage, leads
from crm_tui.services.deals import DealCreate
from crm_tui.services.lead_triage import ConversionRequest
from crm_tui.services.pipeline import stage_cards
from crm_tui.services.stages import open_stages


def _deal(engine: Engine, title: str = "Big deal") -> tuple[int, int]:
    """A new deal in the first open stage: (its id, its version)."""
    with session_scope(engine) as session:
        deal = deals.create_deal(session, DealCreate(title=title, amount=100_000))
        assert deal.id is not None
        return deal.id, deal.version


def _lead(engine: Engine, name: str = "Olga Morozova") -> tuple[int, int]:
    with session_scope(engine) as session:
        lead = leads.create_lead(session, leads.lead_from_fields({"name": name, "company": "Acme"}))
        assert lead.id is not None
        return lead.id, lead.version


def _stored_deal(engine: Engine, deal_id: int) -> tuple[str, int, int]:
    """(stage name, version, stage_changed events) of a deal, read fresh."""
    with session_scope(engine) as session:
        deal = session.get(Deal, deal_id)
        assert deal is not None
        stage = deals.get_stage(session, deal.stage_id).name
        moves = session.exec(
            select(func.count()).where(
                Event.entity_kind == EntityKind.DEAL.value,
                col(Event.entity_id) == deal_id,
                Event.kind == "stage_changed",
            )
        ).one()
        return stage, deal.version, moves


def _stage_names(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return [stage.name for stage in open_stages(session)]


def _count(engine: Engine, model: Any) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


# ---------------------------------------------------------------- one session after another


def test_every_change_of_a_deal_bumps_its_version(engine: Engine) -> None:
    deal_id, version = _deal(engine)
    assert version == 1
    seen = [version]

    def change(operation: Callable[[Session], Any]) -> None:
        with session_scope(engine) as session:
            operation(session)
        seen.append(_stored_deal(engine, deal_id)[1])

    change(lambda session: deals.move_to_adjacent(session, deal_id, 1, seen_version=seen[-1]))
    change(lambda session: deals.update_deal(session, deal_id, {"amount": 5}, seen_version=seen[-1]))
    change(lambda session: deals.win_deal(session, deal_id, 7, seen_version=seen[-1]))
    change(lambda session: deals.reopen_deal(session, deal_id, seen_version=seen[-1]))
    change(lambda session: deals.lose_deal(session, deal_id, "price", seen_version=seen[-1]))
    change(lambda session: deals.archive_deal(session, deal_id, seen_version=seen[-1]))
    assert seen == sorted(set(seen)), f"each change gives a newer version: {seen}"


def test_every_change_of_a_lead_bumps_its_version(engine: Engine) -> None:
    lead_id, version = _lead(engine)
    seen = [version]

    def change(operation: Callable[[Session], Any]) -> None:
        with session_scope(engine) as session:
            operation(session)
            lead = session.get(Lead, lead_id)
            assert lead is not None
        seen.append(lead.version)

    change(lambda session: leads.update_lead(session, lead_id, {"notes": "hot"}, seen[-1]))
    change(lambda session: lead_triage.mark_working(session, [lead_id], {lead_id: seen[-1]}))
    change(lambda session: lead_triage.disqualify(session, [lead_id], "Spam", {lead_id: seen[-1]}))
    change(lambda session: leads.set_status(session, lead_id, LeadStatus.NEW, seen_version=seen[-1]))
    change(
        lambda session: lead_triage.convert_lead(
            session, ConversionRequest(lead_id=lead_id, first_name="Olga", seen_version=seen[-1])
        )
    )
    assert seen == sorted(set(seen)), f"each change gives a newer version: {seen}"


def test_a_move_on_a_stale_version_is_refused_and_writes_nothing(engine: Engine) -> None:
    deal_id, seen = _deal(engine)
    stages = _stage_names(engine)
    # Someone else moves it on two stages after this person's board was read.
    with session_scope(engine) as session:
        deals.move_to_adjacent(session, deal_id, 1)
        deals.move_to_adjacent(session, deal_id, 1)
    before = _stored_deal(engine, deal_id)
    assert before[0] == stages[2]

    with pytest.raises(RecordChanged) as refused, session_scope(engine) as session:
        deals.move_to_adjacent(session, deal_id, 1, seen_version=seen)
    assert str(refused.value) == f"“Big deal” was changed by someone else (now in {stages[2]}) — reloaded"
    assert (refused.value.kind, refused.value.record_id) == ("deal", deal_id)
    assert _stored_deal(engine, deal_id) == before, "not moved, no event, no new version"

    # Won, lost and edit are refused alike; with the version the board now shows, it moves.
    for operation in (
        lambda session: deals.win_deal(session, deal_id, 1, seen_version=seen),
        lambda session: deals.lose_deal(session, deal_id, "price", seen_version=seen),
        lambda session: deals.update_deal(session, deal_id, {"title": "Mine"}, seen_version=seen),
    ):
        with pytest.raises(RecordChanged), session_scope(engine) as session:
            operation(session)
    assert _stored_deal(engine, deal_id) == before
    with session_scope(engine) as session:
        card = next(
            card for card in stage_cards(session, _stage_id(session, stages[2])) if card.id == deal_id
        )
        deals.move_to_adjacent(session, deal_id, 1, seen_version=card.version)
    assert _stored_deal(engine, deal_id)[0] == stages[3]


def _stage_id(session: Session, name: str) -> int:
    return next(stage.id or 0 for stage in open_stages(session) if stage.name == name)


def test_a_deal_archived_meanwhile_says_so(engine: Engine) -> None:
    deal_id, seen = _deal(engine)
    with session_scope(engine) as session:
        deals.archive_deal(session, deal_id)
    with pytest.raises(RecordChanged, match="now archived"), session_scope(engine) as session:
        deals.move_to_adjacent(session, deal_id, 1, seen_version=seen)


def test_lead_decisions_on_a_stale_version_are_refused_whole(engine: Engine) -> None:
    first, first_seen = _lead(engine, "Olga Morozova")
    second, second_seen = _lead(engine, "Ivan Petrov")
    with session_scope(engine) as session:
        lead_triage.mark_working(session, [second])
    with pytest.raises(RecordChanged) as refused, session_scope(engine) as session:
        lead_triage.disqualify(session, [first, second], "Spam", {first: first_seen, second: second_seen})
    assert "“Ivan Petrov · Acme” was changed by someone else (now working)" in str(refused.value)
    with session_scope(engine) as session:
        statuses = {lead.id: lead.status for lead in session.exec(select(Lead))}
    assert statuses == {first: LeadStatus.NEW.value, second: LeadStatus.WORKING.value}

    with pytest.raises(RecordChanged), session_scope(engine) as session:
        lead_triage.convert_lead(
            session, ConversionRequest(lead_id=second, first_name="Ivan", seen_version=second_seen)
        )
    assert _count(engine, Contact) == 0


def test_the_conversion_form_carries_the_version_it_was_filled_from(engine: Engine) -> None:
    lead_id, _ = _lead(engine)
    with session_scope(engine) as session:
        request = lead_triage.conversion_defaults(session, lead_id)
    with session_scope(engine) as session:
        leads.update_lead(session, lead_id, {"notes": "called, wants a quote"})
    with pytest.raises(RecordChanged), session_scope(engine) as session:
        lead_triage.convert_lead(session, request)
    with session_scope(engine) as session:
        request = lead_triage.conversion_defaults(session, lead_id)
        assert lead_triage.convert_lead(session, request).contact_id


def test_the_orm_version_check_catches_a_change_made_on_an_old_copy(engine: Engine) -> None:
    """A service that skipped the lock still cannot overwrite: the mapper's version counter
    matches the version it read, and session_scope says so as RecordChanged."""
    deal_id, _ = _deal(engine)
    changed = pytest.raises(RecordChanged, match="a deal was changed by someone else")
    with changed, session_scope(engine) as session:
        stale = session.get(Deal, deal_id)
        assert stale is not None
        with session_scope(engine) as other:
            deals.update_deal(other, deal_id, {"title": "Theirs"})
        stale.title = "Mine"
    with session_scope(engine) as session:
        assert deals.get_deal(session, deal_id).title == "Theirs"


# ---------------------------------------------------------------- two sessions at once


@pytest.fixture
def two_engines(database_target: str, engine: Engine) -> Iterator[tuple[Engine, Engine]]:
    """Two independent connections to the test's database, as two people's apps would have
    (`engine` created and seeded it)."""
    first, second = open_database(database_target), open_database(database_target)
    yield first, second
    first.dispose()
    second.dispose()


def _race(engines: tuple[Engine, Engine], operation: Callable[[Session], Any]) -> list[Any]:
    """Run `operation` in two threads, each in its own session on its own engine, started
    together; what each returned or raised."""
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def run(index: int) -> None:
        try:
            with session_scope(engines[index]) as session:
                barrier.wait(timeout=30)
                outcomes[index] = operation(session)
        except Exception as error:  # what the test looks at
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racer never finished"
    return outcomes


def test_two_people_moving_the_same_deal_one_wins_the_other_is_told(
    engine: Engine, two_engines: tuple[Engine, Engine]
) -> None:
    deal_id, seen = _deal(engine)
    stages = _stage_names(engine)
    outcomes = _race(
        two_engines, lambda session: deals.move_to_adjacent(session, deal_id, 1, seen_version=seen)
    )
    won = [outcome for outcome in outcomes if isinstance(outcome, deals.StageMove)]
    told = [outcome for outcome in outcomes if isinstance(outcome, RecordChanged)]
    assert (len(won), len(told)) == (1, 1), outcomes
    assert str(told[0]) == f"“Big deal” was changed by someone else (now in {stages[1]}) — reloaded"
    assert _stored_deal(engine, deal_id) == (stages[1], seen + 1, 1), "moved once, one event"


def test_two_people_moving_different_ways_the_database_holds_the_winner(
    engine: Engine, two_engines: tuple[Engine, Engine]
) -> None:
    deal_id, _ = _deal(engine)
    with session_scope(engine) as session:
        deals.move_to_adjacent(session, deal_id, 1)
    stages = _stage_names(engine)
    seen = _stored_deal(engine, deal_id)[1]
    steps = iter([1, -1])
    lock = threading.Lock()

    def move(session: Session) -> deals.StageMove:
        with lock:
            step = next(steps)
        return deals.move_to_adjacent(session, deal_id, step, seen_version=seen)

    outcomes = _race(two_engines, move)
    won = [outcome for outcome in outcomes if isinstance(outcome, deals.StageMove)]
    assert len(won) == 1 and sum(isinstance(outcome, RecordChanged) for outcome in outcomes) == 1, outcomes
    assert _stored_deal(engine, deal_id)[0] == won[0].to_stage
    assert won[0].to_stage in (stages[0], stages[2])


def test_two_moves_without_a_seen_version_are_both_made_in_turn(
    engine: Engine, two_engines: tuple[Engine, Engine]
) -> None:
    """The command line has no seen version: each move is made on the deal as the other left
    it (never one lost over the other)."""
    deal_id, seen = _deal(engine)
    stages = _stage_names(engine)
    outcomes = _race(two_engines, lambda session: deals.move_to_adjacent(session, deal_id, 1))
    assert all(isinstance(outcome, deals.StageMove) for outcome in outcomes), outcomes
    assert sorted((move.from_stage, move.to_stage) for move in outcomes) == [
        (stages[0], stages[1]),
        (stages[1], stages[2]),
    ]
    assert _stored_deal(engine, deal_id) == (stages[2], seen + 2, 2)


def test_two_people_converting_the_same_lead_make_one_contact_and_one_deal(
    engine: Engine, two_engines: tuple[Engine, Engine]
) -> None:
    """The race noted before row versions: both read "not converted yet" before either wrote.
    The conversion now locks the lead first, so the second finds it converted."""
    lead_id, _ = _lead(engine)
    request = ConversionRequest(lead_id=lead_id, first_name="Olga", create_deal=True, deal_title="Acme pilot")
    outcomes = _race(two_engines, lambda session: lead_triage.convert_lead(session, request))
    converted = [outcome for outcome in outcomes if isinstance(outcome, lead_triage.Conversion)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, CrmError)]
    assert (len(converted), len(refused)) == (1, 1), outcomes
    assert isinstance(refused[0], ValidationError)
    assert str(refused[0]) == f"lead: lead {lead_id} is converted already"
    assert (_count(engine, Contact), _count(engine, Deal)) == (1, 1)
    with session_scope(engine) as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        assert (lead.status, lead.contact_id, lead.deal_id) == (
            LeadStatus.CONVERTED.value,
            converted[0].contact_id,
            converted[0].deal_id,
        )


def test_two_people_deciding_on_the_same_lead_with_what_they_saw(
    engine: Engine, two_engines: tuple[Engine, Engine]
) -> None:
    lead_id, seen = _lead(engine)
    decisions = iter(
        [
            lambda session: lead_triage.disqualify(session, [lead_id], "Spam", {lead_id: seen}),
            lambda session: lead_triage.mark_working(session, [lead_id], {lead_id: seen}),
        ]
    )
    lock = threading.Lock()

    def decide(session: Session) -> Any:
        with lock:
            decision = next(decisions)
        return decision(session)

    outcomes = _race(two_engines, decide)
    told = [outcome for outcome in outcomes if isinstance(outcome, RecordChanged)]
    assert len(told) == 1 and sum(isinstance(o, lead_triage.TriageUndo) for o in outcomes) == 1, outcomes
    with session_scope(engine) as session:
        status = leads.get_lead(session, lead_id).status
    assert f"(now {status})" in str(told[0])


def test_merging_or_linking_a_lead_changed_meanwhile_is_refused(engine: Engine) -> None:
    from crm_tui.services import contacts
    from crm_tui.services.lead_matches import link_to_contact, merge_lead

    duplicate, seen = _lead(engine, "Olga Morozova")
    kept, _ = _lead(engine, "Olga M.")
    with session_scope(engine) as session:
        contact = contacts.create_contact(session, contacts.ContactCreate(first_name="Olga"))
        contact_id = contact.id or 0
        leads.update_lead(session, duplicate, {"notes": "someone else's note"})
    with pytest.raises(RecordChanged), session_scope(engine) as session:
        merge_lead(session, duplicate, kept, seen_version=seen)
    with pytest.raises(RecordChanged), session_scope(engine) as session:
        link_to_contact(session, duplicate, contact_id, seen_version=seen)
    with session_scope(engine) as session:
        lead = leads.get_lead(session, duplicate)
        assert (lead.archived_at, lead.contact_id, lead.notes) == (None, None, "someone else's note")
