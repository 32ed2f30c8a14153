"""Merging two contacts, and taking a merge back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Activity, Contact, ContactAddress, ContactEmail, ContactPhone, Deal, Event, Lead
from crm_tui.errors import CrmError, ValidationError
from crm_tui.services import activities, contacts, deals, events, leads, merge, search
from crm_tui.services.contacts import AddressIn, ContactCreate, EmailIn, PhoneIn
from crm_tui.services.lead_matches import merge_lead


@dataclass
class Pair:
    survivor: int
    other: int
    deal: int
    activity: int
    lead: int
    note: int


@pytest.fixture
def pair(session: Session) -> Pair:
    """Anna twice: the second with more to say, a deal, a task, a lead and a note of her own."""
    survivor = contacts.create_contact(
        session,
        ContactCreate(
            first_name="Anna",
            last_name="Petrova",
            company_name="Romashka",
            title="CEO",
            emails=[EmailIn(value="anna@romashka.ru")],
            phones=[PhoneIn(value="+7 912 345-67-89")],
            tags=["VIP"],
        ),
    )
    other = contacts.create_contact(
        session,
        ContactCreate(
            first_name="Anna",
            middle_name="Ivanovna",
            last_name="Petrova-Smirnova",
            title="Founder",
            birthday=date(1985, 3, 8),
            notes="Met at the fair",
            emails=[EmailIn(value="ANNA@romashka.ru"), EmailIn(value="anna@home.example", is_primary=True)],
            phones=[PhoneIn(value="8 912 345 67 89"), PhoneIn(value="+7 495 123-45-67")],
            addresses=[AddressIn(city="Moscow", street="Tverskaya 1")],
            tags=["vip", "Partner"],
        ),
    )
    assert survivor.id is not None and other.id is not None
    deal = deals.create_deal(session, deals.DealCreate(title="Licences", contact_id=other.id))
    activity = activities.create_activity(
        session, activities.ActivityCreate(title="Call Anna", contact_id=other.id, due_on=date(2026, 11, 23))
    )
    lead = leads.create_lead(
        session, leads.lead_from_fields({"name": "Anna P.", "email": "anna@home.example"})
    )
    lead.contact_id = other.id
    note = events.add_note(session, contacts.subject(other), "Prefers email")
    session.flush()
    return Pair(survivor.id, other.id, deal.id or 0, activity.id or 0, lead.id or 0, note.id or 0)


def owner(session: Session, model: type, record_id: int) -> int | None:
    record = session.get(model, record_id)
    assert record is not None
    return record.contact_id  # type: ignore[attr-defined]


def values(session: Session, model: type, contact_id: int) -> list[str]:
    column = ContactEmail.value if model is ContactEmail else ContactPhone.value
    return sorted(session.exec(select(column).where(model.contact_id == contact_id)).all())  # type: ignore[attr-defined]


def found_ids(session: Session, text: str) -> set[int]:
    return {hit.id for hit in search.search(session, text) if hit.kind.value == "contact"}


# ---------------------------------------------------------------- preview


def test_preview_shows_both_sides_and_what_moves(session: Session, pair: Pair) -> None:
    preview = merge.merge_preview(session, pair.survivor, pair.other)
    fields = {row.name: row for row in preview.fields}
    assert [row.name for row in preview.fields] == list(merge.MERGE_FIELDS)
    assert (fields["title"].survivor_value, fields["title"].other_value) == ("CEO", "Founder")
    assert (fields["company_id"].survivor_value, fields["company_id"].other_value) == ("Romashka", "—")
    assert fields["is_client"].survivor_value == "no"
    # Empty on the survivor, filled on the other: worth taking.
    assert preview.suggested == {"middle_name", "birthday", "notes"}
    assert preview.moving == merge.MoveCounts(
        emails=1, phones=1, addresses=1, tags=1, deals=1, activities=1, leads=1, events=4
    )
    assert preview.moving.describe() == (
        "1 email, 1 phone, 1 address, 1 tag, 1 deal, 1 activity, 1 lead, 4 events"
    )
    children = {row.name: row for row in preview.children}
    assert children["emails"].other_value == "anna@home.example, ANNA@romashka.ru"
    assert children["deals"].survivor_value == "—" and children["deals"].other_value == "1"


# ---------------------------------------------------------------- merge


def test_merge_moves_everything_to_the_survivor_and_archives_the_other(
    session: Session, pair: Pair, backups_folder: Path
) -> None:
    result = merge.merge_contacts(session, pair.survivor, pair.other, {"title", "birthday"})
    survivor, other = session.get(Contact, pair.survivor), session.get(Contact, pair.other)
    assert survivor is not None and other is not None
    # The fields chosen from the other, the rest the survivor's own.
    assert (survivor.title, survivor.birthday, survivor.notes) == ("Founder", date(1985, 3, 8), None)
    assert (survivor.full_name, survivor.company_id) == ("Anna Petrova", 1)
    # Emails and phones it lacked; the same address in other letters and the same number
    # written otherwise stay behind; its own primary email stays primary.
    assert values(session, ContactEmail, pair.survivor) == ["anna@home.example", "anna@romashka.ru"]
    assert values(session, ContactPhone, pair.survivor) == ["+7 495 123-45-67", "+7 912 345-67-89"]
    assert contacts.emails_of(session, pair.survivor)[0].value == "anna@romashka.ru"
    assert values(session, ContactEmail, pair.other) == ["ANNA@romashka.ru"]
    assert session.exec(select(ContactAddress.contact_id)).all() == [pair.survivor]
    assert contacts.tags_of(session, pair.survivor) == ["Partner", "VIP"]
    assert owner(session, Deal, pair.deal) == pair.survivor
    assert owner(session, Activity, pair.activity) == pair.survivor
    assert owner(session, Lead, pair.lead) == pair.survivor
    # The other's timeline is the survivor's now, its words unchanged.
    note = session.get(Event, pair.note)
    assert note is not None and (note.entity_id, note.contact_id, note.text) == (
        pair.survivor,
        pair.survivor,
        "Prefers email",
    )
    assert other.archived_at is not None and other.extra["merged_into"] == pair.survivor
    [merged] = session.exec(select(Event).where(Event.kind == "merged")).all()
    assert merged.id == result.event_id and merged.entity_id == pair.survivor
    assert merged.text == (
        "Merged with Anna Ivanovna Petrova-Smirnova (#2): took title, birthday; "
        "moved 1 email, 1 phone, 1 address, 1 tag, 1 deal, 1 activity, 1 lead, 4 events"
    )
    assert result.message == "Merged Anna Ivanovna Petrova-Smirnova into Anna Petrova."
    assert list(backups_folder.glob("*before-merge*"))
    # The search finds the survivor by what it took, and the archived contact no longer.
    assert found_ids(session, "anna@home.example") == {pair.survivor}
    assert found_ids(session, "Smirnova") == set()


def test_taking_a_name_renames_the_survivor(session: Session, pair: Pair) -> None:
    merge.merge_contacts(session, pair.survivor, pair.other, {"middle_name", "last_name"})
    survivor = session.get(Contact, pair.survivor)
    assert survivor is not None
    assert (survivor.full_name, survivor.full_name_fold, survivor.last_name_fold) == (
        "Anna Ivanovna Petrova-Smirnova",
        "anna ivanovna petrova-smirnova",
        "petrova-smirnova",
    )
    assert found_ids(session, "Smirnova") == {pair.survivor}


def test_merge_refuses_what_it_cannot_do(session: Session, pair: Pair) -> None:
    with pytest.raises(ValidationError, match="cannot be merged with itself"):
        merge.merge_contacts(session, pair.survivor, pair.survivor, set())
    with pytest.raises(ValidationError, match="no contact with id 99"):
        merge.merge_contacts(session, pair.survivor, 99, set())
    with pytest.raises(ValidationError, match="not fields a merge can take: colour, uid"):
        merge.merge_contacts(session, pair.survivor, pair.other, {"uid", "colour", "title"})
    contacts.archive_contact(session, pair.other)
    with pytest.raises(ValidationError, match="is archived"):
        merge.merge_contacts(session, pair.survivor, pair.other, set())
    with pytest.raises(ValidationError, match="is archived"):
        merge.merge_preview(session, pair.other, pair.survivor)
    assert session.exec(select(Event).where(Event.kind == "merged")).all() == []


def test_merge_refuses_to_leave_the_survivor_without_a_name(session: Session) -> None:
    named = contacts.create_contact(session, ContactCreate(first_name="Anna"))
    unnamed = contacts.create_contact(session, ContactCreate(emails=[EmailIn(value="x@y.example")]))
    with pytest.raises(ValidationError, match="needs a first or last name"):
        merge.merge_contacts(session, named.id or 0, unnamed.id or 0, {"first_name"})


# ---------------------------------------------------------------- undo


def test_undo_restores_both_contacts_as_they_were(session: Session, pair: Pair) -> None:
    before = {
        "survivor": session.get(Contact, pair.survivor).model_dump(),  # type: ignore[union-attr]
        "other": session.get(Contact, pair.other).model_dump(),  # type: ignore[union-attr]
    }
    emails = {key: values(session, ContactEmail, key) for key in (pair.survivor, pair.other)}
    phones = {key: values(session, ContactPhone, key) for key in (pair.survivor, pair.other)}
    primary = [(email.value, email.is_primary) for email in contacts.emails_of(session, pair.other)]
    result = merge.merge_contacts(session, pair.survivor, pair.other, {"title", "last_name", "birthday"})
    assert merge.last_merge(session) == merge.MergeRecord(
        result.event_id,
        pair.survivor,
        pair.other,
        "Anna Petrova-Smirnova",
        "Anna Ivanovna Petrova-Smirnova",
        session.get(Event, result.event_id).at,  # type: ignore[union-attr]
    )

    undone = merge.undo_merge(session)
    assert undone.notes == []
    assert (
        undone.message == "Merge undone: Anna Ivanovna Petrova-Smirnova and Anna Petrova are separate again."
    )
    ignored = {"updated_at"}
    for key, contact_id in (("survivor", pair.survivor), ("other", pair.other)):
        now = session.get(Contact, contact_id).model_dump()  # type: ignore[union-attr]
        assert {k: v for k, v in now.items() if k not in ignored} == {
            k: v for k, v in before[key].items() if k not in ignored
        }
    assert {key: values(session, ContactEmail, key) for key in emails} == emails
    assert {key: values(session, ContactPhone, key) for key in phones} == phones
    assert [(email.value, email.is_primary) for email in contacts.emails_of(session, pair.other)] == primary
    assert session.exec(select(ContactAddress.contact_id)).all() == [pair.other]
    assert contacts.tags_of(session, pair.survivor) == ["VIP"]
    assert contacts.tags_of(session, pair.other) == ["Partner", "VIP"]
    for model, record_id in ((Deal, pair.deal), (Activity, pair.activity), (Lead, pair.lead)):
        assert owner(session, model, record_id) == pair.other
    note = session.get(Event, pair.note)
    assert note is not None and (note.entity_id, note.contact_id) == (pair.other, pair.other)
    undo_events = session.exec(select(Event).where(Event.kind == "undone").order_by(col(Event.id))).all()
    assert [(event.entity_id, event.payload["undoes_merge"]) for event in undo_events] == [
        (pair.survivor, result.event_id),
        (pair.other, result.event_id),
    ]
    assert found_ids(session, "Smirnova") == {pair.other}

    assert merge.last_merge(session) is None
    with pytest.raises(CrmError, match="No merge to undo"):
        merge.undo_merge(session)
    with pytest.raises(CrmError, match="was already undone"):
        merge.undo_merge(session, result.event_id)


def test_undo_keeps_what_was_changed_since_the_merge(session: Session, pair: Pair) -> None:
    merge.merge_contacts(session, pair.survivor, pair.other, {"title"})
    contacts.update_contact(session, pair.survivor, {"title": "Chair"})
    deals.create_deal(session, deals.DealCreate(title="New deal", contact_id=pair.survivor))
    moved_deal = session.get(Deal, pair.deal)
    assert moved_deal is not None
    moved_deal.contact_id = None  # unlinked by hand since
    undone = merge.undo_merge(session)
    survivor = session.get(Contact, pair.survivor)
    assert survivor is not None and survivor.title == "Chair"
    assert undone.notes == [
        "kept title (changed since the merge)",
        "1 of the moved deals stayed with Anna Petrova (changed since the merge)",
    ]
    assert "Kept title (changed since the merge)." in undone.message


def test_undo_takes_the_latest_merge_first_and_skips_lead_merges(session: Session, pair: Pair) -> None:
    third = contacts.create_contact(session, ContactCreate(first_name="Anna", last_name="P."))
    first = merge.merge_contacts(session, pair.survivor, pair.other, set())
    second = merge.merge_contacts(session, pair.survivor, third.id or 0, set())
    one = leads.create_lead(session, leads.lead_from_fields({"name": "X", "email": "x@y.example"}))
    two = leads.create_lead(session, leads.lead_from_fields({"name": "X", "email": "x@y.example"}))
    merge_lead(session, two.id or 0, one.id or 0)  # a lead's merge: not ours to undo
    assert merge.undo_merge(session).merge_event_id == second.event_id
    assert merge.last_merge(session).event_id == first.event_id  # type: ignore[union-attr]
    assert merge.undo_merge(session).merge_event_id == first.event_id
    assert merge.last_merge(session) is None


def test_undo_refuses_when_the_survivor_was_merged_away_since(session: Session, pair: Pair) -> None:
    third = contacts.create_contact(session, ContactCreate(first_name="Anna", last_name="P."))
    first = merge.merge_contacts(session, pair.survivor, pair.other, set())
    merge.merge_contacts(session, third.id or 0, pair.survivor, set())
    with pytest.raises(CrmError, match="archived or merged since: undo that first"):
        merge.undo_merge(session, first.event_id)
    with pytest.raises(CrmError, match="No merge of contacts with event id 999"):
        merge.undo_merge(session, 999)


def test_the_latest_touch_stays_and_undo_puts_the_survivors_back(engine: Engine) -> None:
    # Each step in its own session, as in the app: timestamps come back from SQLite naive.
    with session_scope(engine) as session:
        one = contacts.create_contact(session, ContactCreate(first_name="Anna"))
        two = contacts.create_contact(session, ContactCreate(first_name="Anna", last_name="P."))
        contacts.touch(session, one.id or 0, datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
        contacts.touch(session, two.id or 0, datetime(2026, 11, 15, 9, 0, tzinfo=UTC))
        ids = one.id or 0, two.id or 0
    with session_scope(engine) as session:
        merge.merge_contacts(session, *ids, set())
    with session_scope(engine) as session:
        survivor = session.get(Contact, ids[0])
        assert survivor is not None and survivor.last_touch_at is not None
        assert survivor.last_touch_at.replace(tzinfo=UTC) == datetime(2026, 11, 15, 9, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        merge.undo_merge(session)
    with session_scope(engine) as session:
        survivor = session.get(Contact, ids[0])
        assert survivor is not None and survivor.last_touch_at is not None
        assert survivor.last_touch_at.replace(tzinfo=UTC) == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
