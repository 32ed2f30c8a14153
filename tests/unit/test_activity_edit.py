"""Today's changes to one activity and their undo: delete and restore, the edit form and its
checks, a reschedule typed in words, done and reopened, the next step after a call. The clock
is Friday 20 November 2026, 09:00 UTC, in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import Session, col, select

from crm_tui.db.models import Activity, Contact, Deal, Event
from crm_tui.errors import ValidationError
from crm_tui.services import activities, activity_edit, contacts, deals
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.deals import DealCreate


@pytest.fixture
def anna(session: Session) -> Contact:
    return contacts.create_contact(session, ContactCreate(first_name="Anna", company_name="Acme"))


@pytest.fixture
def deal(session: Session, anna: Contact) -> Deal:
    return deals.create_deal(session, DealCreate(title="Order", contact_id=anna.id))


@pytest.fixture
def call(session: Session, deal: Deal) -> Activity:
    return activities.create_activity(
        session,
        ActivityCreate(
            kind="call", title="Call Anna", deal_id=deal.id, due_on=date(2026, 11, 20), due_time=time(14, 30)
        ),
    )


def texts(session: Session, activity_id: int) -> list[str]:
    session.flush()
    found = session.exec(select(Event).order_by(col(Event.id))).all()
    return [event.text for event in found if (event.payload or {}).get("activity_id") == activity_id]


def test_delete_and_restore_with_the_same_id_and_links(session: Session, call: Activity, deal: Deal) -> None:
    call_id = call.id or 0
    before = activity_edit.delete_activity(session, call_id)
    session.expire_all()
    assert session.get(Activity, call_id) is None
    restored = activity_edit.restore_activity(session, before)
    assert restored.id == call_id
    assert (restored.deal_id, restored.contact_id, restored.company_id) == (
        deal.id,
        deal.contact_id,
        deal.company_id,
    )
    assert activities.local_due(restored) == (date(2026, 11, 20), time(14, 30))
    assert texts(session, call_id)[-2:] == ["Call deleted: Call Anna", "Call restored: Call Anna"]
    with pytest.raises(ValidationError, match="here already"):
        activity_edit.restore_activity(session, before)


def test_restore_is_refused_when_its_deal_is_gone(session: Session, call: Activity, deal: Deal) -> None:
    before = activity_edit.delete_activity(session, call.id or 0)
    session.delete(deal)
    session.flush()
    with pytest.raises(ValidationError, match=r"deal .* was deleted since"):
        activity_edit.restore_activity(session, before)


def test_edit_form_round_trip_and_move(session: Session, call: Activity) -> None:
    call_id = call.id or 0
    form = activity_edit.activity_form(session, call_id)
    assert form == {
        "kind": "call",
        "title": "Call Anna",
        "due": "20.11.2026",
        "time": "14:30",
        "repeat": "",
        "remind": "",
        "notes": "",
    }
    saved = activity_edit.save_activity_form(
        session, call_id, form | {"kind": "Meeting", "due": "mon", "time": "10:00", "notes": " bring slides "}
    )
    assert (saved.kind, saved.notes) == ("meeting", "bring slides")
    assert activities.local_due(saved) == (date(2026, 11, 23), time(10))
    assert any("moved" in text for text in texts(session, call_id))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "lunch", "not one of"),
        ("title", "  ", "required"),
        ("due", "someday", "Try: tomorrow 9:30"),
        ("due", "", "a date is required"),
        ("time", "25:00", "not a time"),
    ],
)
def test_edit_refuses_a_bad_value_and_changes_nothing(
    session: Session, call: Activity, field: str, value: str, message: str
) -> None:
    call_id = call.id or 0
    form = activity_edit.activity_form(session, call_id)
    with pytest.raises(ValidationError, match=message) as refused:
        activity_edit.save_activity_form(session, call_id, form | {"title": "Changed", field: value})
    assert refused.value.field == field
    session.expire_all()
    assert activity_edit.activity_form(session, call_id) == form


def test_reschedule_in_words_and_a_bad_date(session: Session, call: Activity) -> None:
    call_id = call.id or 0
    moved, before = activity_edit.reschedule(session, call_id, "tomorrow 10:00")
    assert activities.local_due(moved) == (date(2026, 11, 21), time(10))
    with pytest.raises(ValidationError, match=r"'whenever' is not a date\. Try: .*next week") as refused:
        activity_edit.reschedule(session, call_id, "whenever")
    assert refused.value.field == "when"
    assert activities.local_due(session.get(Activity, call_id)) == (date(2026, 11, 21), time(10))  # type: ignore[arg-type]
    back = activity_edit.undo_change(session, before)
    assert activities.local_due(back) == (date(2026, 11, 20), time(14, 30))


def test_snooze_then_undo(session: Session, call: Activity) -> None:
    snoozed, before = activity_edit.snooze(session, call.id or 0)
    assert activities.local_due(snoozed) == (date(2026, 11, 21), time(14, 30))
    assert activities.local_due(activity_edit.undo_change(session, before)) == (
        date(2026, 11, 20),
        time(14, 30),
    )


def test_done_twice_is_refused_and_undo_reopens(session: Session, call: Activity, anna: Contact) -> None:
    call_id = call.id or 0
    before = activity_edit.mark_done(session, call_id, "agreed on a demo")
    assert call.done_at is not None and anna.last_touch_at is not None
    with pytest.raises(ValidationError, match="done already"):
        activity_edit.mark_done(session, call_id, "again")
    reopened = activity_edit.undo_change(session, before)
    assert (reopened.done_at, reopened.outcome) == (None, None)
    assert anna.last_touch_at is None  # the completion's touch taken back
    assert activities.local_due(reopened) == (date(2026, 11, 20), time(14, 30))
    # The timeline keeps the call and says it was reopened.
    assert texts(session, call_id)[-2:] == ["Call: Call Anna — agreed on a demo", "Call reopened: Call Anna"]


def test_undo_of_done_keeps_a_later_touch(session: Session, call: Activity, anna: Contact) -> None:
    before = activity_edit.mark_done(session, call.id or 0, "agreed")
    later = datetime(2026, 11, 20, 10, tzinfo=UTC)
    contacts.touch(session, anna.id or 0, later)
    activity_edit.undo_change(session, before)
    assert anna.last_touch_at == later


def test_undo_of_a_repeating_task_moves_it_back(session: Session, anna: Contact) -> None:
    weekly = activities.create_activity(
        session,
        ActivityCreate(title="Report", contact_id=anna.id, due_on=date(2026, 11, 20), recurrence="weekly"),
    )
    before = activity_edit.mark_done(session, weekly.id or 0)
    assert (weekly.done_at, weekly.due_on) == (None, date(2026, 11, 27))
    back = activity_edit.undo_change(session, before)
    assert (back.done_at, back.due_on) == (None, date(2026, 11, 20))


def test_next_step_after_a_call(session: Session, call: Activity, anna: Contact, deal: Deal) -> None:
    before = activity_edit.mark_done(session, call.id or 0, "interested")
    said = activity_edit.schedule_next_step(session, before, "tue 11:00", "send the offer")
    assert said == "Next step planned for Tue 24.11 11:00: send the offer"
    follow_up = session.exec(select(Activity).where(Activity.title == "send the offer")).one()
    assert (follow_up.kind, follow_up.deal_id, follow_up.contact_id) == ("call", deal.id, anna.id)
    assert activities.local_due(follow_up) == (date(2026, 11, 24), time(11))
    assert anna.next_contact_on == date(2026, 11, 24)
    assert anna.next_contact_goal == "11:00 send the offer"
    with pytest.raises(ValidationError, match="Try"):
        activity_edit.schedule_next_step(session, before, "when pigs fly", "")


def test_next_step_without_a_person_is_a_follow_up(session: Session) -> None:
    task = activities.create_activity(session, ActivityCreate(kind="email", title="Mail the list"))
    before = activity_edit.mark_done(session, task.id or 0)
    activity_edit.schedule_next_step(session, before, "+2d", "")
    follow_up = session.exec(select(Activity).where(Activity.title == "Follow up: Mail the list")).one()
    assert (follow_up.kind, follow_up.due_on, follow_up.due_at) == ("task", date(2026, 11, 22), None)
