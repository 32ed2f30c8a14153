"""The stages editor's services: add, rename, set probability and rotting limit, reorder,
delete (moving the deals first), and the list with each stage's deal count."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, func, select

from crm_tui.db.models import Deal, Event, Stage
from crm_tui.errors import NotFound, ValidationError
from crm_tui.services import deals, lead_triage, leads, pipeline, stages
from crm_tui.services.deals import DealCreate
from crm_tui.services.stages import KEEP, stage_by_name

LATER = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DEFAULT_ORDER = ["New", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]


def _names(session: Session) -> list[str]:
    session.flush()
    return [stage.name for stage in stages.list_stages(session)]


def _id(session: Session, name: str) -> int:
    stage_id = stage_by_name(session, name).id
    assert stage_id is not None
    return stage_id


def _deal(session: Session, stage: str, title: str = "deal") -> int:
    deal = deals.create_deal(session, DealCreate(title=title, stage_id=_id(session, stage)))
    assert deal.id is not None
    return deal.id


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


# --- add ------------------------------------------------------------------------------------


def test_a_new_stage_goes_after_the_last_open_one(session: Session) -> None:
    added = stages.add_stage(session, "  Demo  given ", probability=60, rot_days=10)
    assert (added.name, added.probability, added.rot_days, added.kind) == ("Demo given", 60, 10, "open")
    assert _names(session) == ["New", "Qualified", "Proposal", "Negotiation", "Demo given", "Won", "Lost"]
    assert [stage.position for stage in stages.list_stages(session)] == list(range(7))
    assert [column.name for column in pipeline.board_columns(session)][-1] == "Demo given"


def test_numbers_may_come_as_typed_into_the_form(session: Session) -> None:
    added = stages.add_stage(session, "Demo", probability=" 40% ", rot_days=" 5 ")
    assert (added.probability, added.rot_days) == (40, 5)
    blank = stages.add_stage(session, "Trial", probability="", rot_days="")
    assert (blank.probability, blank.rot_days) == (0, None)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "proposal"}, "name"),  # another stage's name in another letter case
        ({"name": "WON"}, "name"),
        ({"probability": 101}, "probability"),
        ({"probability": -1}, "probability"),
        ({"probability": "half"}, "probability"),
        ({"probability": True}, "probability"),
        ({"rot_days": 0}, "rot_days"),
        ({"rot_days": "two weeks"}, "rot_days"),
    ],
)
def test_add_refuses_bad_values_and_adds_nothing(session: Session, fields: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        stages.add_stage(session, **({"name": "Demo"} | fields))
    assert caught.value.field == field
    assert _names(session) == DEFAULT_ORDER


# --- update ---------------------------------------------------------------------------------


def test_update_changes_only_what_is_given(session: Session) -> None:
    proposal = _id(session, "Proposal")
    stages.update_stage(session, proposal, name="Offer sent")
    stage = session.get(Stage, proposal)
    assert (stage.name, stage.probability, stage.rot_days) == ("Offer sent", 50, 14)
    stages.update_stage(session, proposal, probability=55)
    assert (stage.probability, stage.rot_days) == (55, 14)
    stages.update_stage(session, proposal, rot_days=30)
    assert stage.rot_days == 30
    stages.update_stage(session, proposal, name="Offer sent", rot_days=KEEP)
    assert stage.rot_days == 30
    stages.update_stage(session, proposal, rot_days=None)
    assert stage.rot_days is None
    stages.update_stage(session, proposal, rot_days="21")
    assert stage.rot_days == 21
    stages.update_stage(session, proposal, rot_days="")
    assert stage.rot_days is None


def test_renaming_in_another_letter_case_is_allowed(session: Session) -> None:
    stages.update_stage(session, _id(session, "New"), name="NEW")
    assert _names(session)[0] == "NEW"


def test_rename_the_outcomes_but_they_never_rot(session: Session) -> None:
    won = _id(session, "Won")
    stages.update_stage(session, won, name="Signed")
    assert session.get(Stage, won).name == "Signed"
    with pytest.raises(ValidationError) as caught:
        stages.update_stage(session, won, rot_days=5)
    assert caught.value.field == "rot_days"


def test_update_checks_everything_before_changing_anything(session: Session) -> None:
    new = _id(session, "New")
    with pytest.raises(ValidationError) as caught:
        stages.update_stage(session, new, name="Fresh", probability=200)
    assert caught.value.field == "probability"
    assert session.get(Stage, new).name == "New"
    with pytest.raises(ValidationError, match="there is a stage named 'Qualified' already"):
        stages.update_stage(session, new, name="qualified")
    with pytest.raises(NotFound):
        stages.update_stage(session, 999, name="x")


# --- reorder --------------------------------------------------------------------------------


def test_move_among_the_open_stages(session: Session) -> None:
    stages.move_stage(session, _id(session, "Proposal"), -1)
    assert _names(session) == ["New", "Proposal", "Qualified", "Negotiation", "Won", "Lost"]
    stages.move_stage(session, _id(session, "New"), +1)
    assert _names(session) == ["Proposal", "New", "Qualified", "Negotiation", "Won", "Lost"]
    assert [column.name for column in pipeline.board_columns(session)] == [
        "Proposal",
        "New",
        "Qualified",
        "Negotiation",
    ]


def test_moving_past_an_end_does_nothing(session: Session) -> None:
    stages.move_stage(session, _id(session, "New"), -1)
    stages.move_stage(session, _id(session, "Negotiation"), +1)
    assert _names(session) == DEFAULT_ORDER


def test_the_outcomes_stay_at_the_end(session: Session) -> None:
    with pytest.raises(ValidationError, match="stays after the open stages"):
        stages.move_stage(session, _id(session, "Won"), -1)
    assert _names(session) == DEFAULT_ORDER


def test_new_deals_go_to_the_stage_moved_first(session: Session) -> None:
    stages.move_stage(session, _id(session, "Qualified"), -1)
    deal = deals.create_deal(session, DealCreate(title="x"))
    assert deal.stage_id == _id(session, "Qualified")


# --- counts ---------------------------------------------------------------------------------


def test_summaries_count_live_deals_per_stage(session: Session) -> None:
    _deal(session, "New")
    _deal(session, "New")
    _deal(session, "Won")
    gone = _deal(session, "Proposal")
    deals.archive_deal(session, gone)
    summaries = [(stage.name, count) for stage, count in stages.stage_summaries(session)]
    assert summaries == [
        ("New", 2),
        ("Qualified", 0),
        ("Proposal", 0),
        ("Negotiation", 0),
        ("Won", 1),
        ("Lost", 0),
    ]
    assert stages.stage_deal_count(session, _id(session, "New")) == 2
    assert stages.stage_deal_count(session, _id(session, "Proposal")) == 0


# --- delete ---------------------------------------------------------------------------------


def test_an_empty_stage_is_deleted(session: Session) -> None:
    assert stages.delete_stage(session, _id(session, "Qualified")) == 0
    assert _names(session) == ["New", "Proposal", "Negotiation", "Won", "Lost"]
    assert [stage.position for stage in stages.list_stages(session)] == list(range(5))


def test_a_stage_with_deals_needs_a_target(session: Session) -> None:
    _deal(session, "Proposal")
    _deal(session, "Proposal")
    with pytest.raises(ValidationError) as caught:
        stages.delete_stage(session, _id(session, "Proposal"))
    assert caught.value.field == "stage"
    assert caught.value.message == "Proposal has 2 deals: move them to another stage first"
    assert _names(session) == DEFAULT_ORDER


def test_deleting_moves_the_deals_with_an_event_each(session: Session, clock) -> None:
    first = _deal(session, "Proposal", "first")
    second = _deal(session, "Proposal", "second")
    stay = _deal(session, "New", "stays")
    proposal, negotiation = _id(session, "Proposal"), _id(session, "Negotiation")
    clock(LATER.isoformat())
    assert stages.delete_stage(session, proposal, move_deals_to=negotiation) == 2
    session.expire_all()
    for deal_id in (first, second):
        deal = session.get(Deal, deal_id)
        assert deal.stage_id == negotiation
        assert deal.stage_entered_at.replace(tzinfo=UTC) == LATER
        (event,) = session.exec(
            select(Event).where(Event.entity_id == deal_id, Event.kind == "stage_changed")
        ).all()
        assert event.text == "stage: Proposal → Negotiation (Proposal deleted)"
        assert (event.payload["from_id"], event.payload["to_id"]) == (proposal, negotiation)
        assert event.at.replace(tzinfo=UTC) == LATER
    assert session.get(Deal, stay).stage_id == _id(session, "New")
    assert _names(session) == ["New", "Qualified", "Negotiation", "Won", "Lost"]
    assert [(c.name, c.count) for c in pipeline.board_columns(session)][-1] == ("Negotiation", 2)


def test_archived_deals_follow_to_the_nearest_stage(session: Session) -> None:
    archived = _deal(session, "Proposal", "old")
    deals.archive_deal(session, archived)
    assert stages.delete_stage(session, _id(session, "Proposal")) == 0
    session.expire_all()
    assert session.get(Deal, archived).stage_id == _id(session, "Qualified")


@pytest.mark.parametrize(
    ("stage", "target", "message"),
    [
        ("Won", None, "Won is the won outcome: it cannot be deleted"),
        ("Lost", "New", "Lost is the lost outcome: it cannot be deleted"),
        ("Proposal", "Proposal", "the deals cannot stay in Proposal: it is being deleted"),
        ("Proposal", "Won", "Won closes deals: pick an open stage"),
    ],
)
def test_deletion_refused(session: Session, stage: str, target: str | None, message: str) -> None:
    deal_id = _deal(session, stage)
    events = _count(session, Event)
    with pytest.raises(ValidationError) as caught:
        stages.delete_stage(session, _id(session, stage), _id(session, target) if target else None)
    assert caught.value.message == message
    assert _names(session) == DEFAULT_ORDER
    assert session.get(Deal, deal_id).stage_id == _id(session, stage)
    assert _count(session, Event) == events


def test_a_missing_target(session: Session) -> None:
    _deal(session, "Proposal")
    with pytest.raises(ValidationError, match="no stage with id 999"):
        stages.delete_stage(session, _id(session, "Proposal"), 999)


def test_the_last_open_stage_stays(session: Session) -> None:
    for name in ("Qualified", "Proposal", "Negotiation"):
        stages.delete_stage(session, _id(session, name))
    with pytest.raises(ValidationError, match="New is the only open stage"):
        stages.delete_stage(session, _id(session, "New"))
    assert _names(session) == ["New", "Won", "Lost"]


def test_lead_conversion_offers_the_first_open_stage_after_edits(session: Session) -> None:
    stages.add_stage(session, "Demo")
    stages.move_stage(session, _id(session, "Demo"), -4)
    stages.delete_stage(session, _id(session, "Qualified"))
    assert [stage.name for stage in stages.open_stages(session)] == ["Demo", "New", "Proposal", "Negotiation"]
    lead = leads.create_lead(session, leads.lead_from_fields({"name": "Anna", "company": "Acme"}))
    assert lead_triage.conversion_form(session, lead.id or 0).stage_name == "Demo"
