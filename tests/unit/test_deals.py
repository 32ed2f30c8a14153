"""Deals: create, move through stages (won and lost close them), update, archive, totals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, func, select

from crm_tui.db.models import CompanyBase, Deal, Event
from crm_tui.errors import NotFound, ValidationError
from crm_tui.money import format_amounts
from crm_tui.services import companies, contacts, deals
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.deals import DealCreate
from crm_tui.services.events import EventKind
from crm_tui.services.stages import stage_by_name

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _stage(session: Session, name: str) -> int:
    return stage_by_name(session, name).id


def _deal(session: Session, **fields) -> Deal:
    return deals.create_deal(session, DealCreate(**({"title": "Website redesign"} | fields)))


# --- create ---------------------------------------------------------------------------------


def test_new_deal_goes_to_the_first_open_stage(session: Session, events_of) -> None:
    deal = _deal(session, amount=150_000_00, notes="  ")
    stored = session.get(Deal, deal.id)
    assert stored.stage_id == _stage(session, "New")
    assert (stored.amount, stored.currency, stored.notes) == (150_000_00, "RUB", None)
    assert stored.stage_entered_at == NOW
    assert stored.closed_at is None
    assert [(e.kind, e.text, e.payload) for e in events_of("deal", deal.id)] == [
        (EventKind.CREATED, "Deal created: Website redesign (New)", {"stage": "New"})
    ]


def test_deal_takes_the_company_of_its_contact(session: Session, events_of) -> None:
    anna = contacts.create_contact(session, ContactCreate(first_name="Anna", company_name="Acme"))
    deal = _deal(session, contact_id=anna.id, currency="eur")
    assert (deal.contact_id, deal.company_id, deal.currency) == (anna.id, anna.company_id, "EUR")
    (created,) = events_of("deal", deal.id)
    assert (created.contact_id, created.company_id) == (anna.id, anna.company_id)


def test_deal_created_in_a_won_stage_is_closed(session: Session) -> None:
    deal = _deal(session, stage_id=_stage(session, "Won"))
    assert deal.closed_at == NOW


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"amount": -1}, "amount"),
        ({"contact_id": 404}, "contact"),
        ({"company_id": 404}, "company"),
    ],
)
def test_create_deal_refuses_bad_input_and_writes_nothing(session: Session, fields: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _deal(session, **fields)
    assert caught.value.field == field
    assert session.exec(select(func.count()).select_from(Deal)).one() == 0
    assert session.exec(select(func.count()).select_from(Event)).one() == 0


def test_create_deal_in_a_missing_stage(session: Session) -> None:
    with pytest.raises(NotFound):
        _deal(session, stage_id=999)


# --- moving through stages ------------------------------------------------------------------


def test_move_writes_stage_changed_with_from_and_to(session: Session, events_of, clock) -> None:
    deal = _deal(session)
    clock(LATER.isoformat())
    deals.move_deal(session, deal.id, _stage(session, "Proposal"))
    stored = session.get(Deal, deal.id)
    assert stored.stage_id == _stage(session, "Proposal")
    assert stored.stage_entered_at == LATER
    assert stored.closed_at is None
    (moved,) = events_of("deal", deal.id, EventKind.STAGE_CHANGED)
    assert moved.text == "stage: New → Proposal"
    assert moved.payload == {
        "from": "New",
        "to": "Proposal",
        "from_id": _stage(session, "New"),
        "to_id": _stage(session, "Proposal"),
        "reason": None,
    }
    assert moved.at == LATER


def test_moving_to_the_same_stage_does_nothing(session: Session, events_of, clock) -> None:
    deal = _deal(session)
    clock(LATER.isoformat())
    deals.move_deal(session, deal.id, _stage(session, "New"))
    assert events_of("deal", deal.id, EventKind.STAGE_CHANGED) == []
    assert session.get(Deal, deal.id).stage_entered_at == NOW


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_lost_needs_a_reason_and_nothing_changes_without_one(session: Session, events_of, reason) -> None:
    deal = _deal(session)
    with pytest.raises(ValidationError) as caught:
        deals.move_deal(session, deal.id, _stage(session, "Lost"), reason)
    assert caught.value.field == "reason"
    stored = session.get(Deal, deal.id)
    assert (stored.stage_id, stored.closed_at, stored.lost_reason) == (_stage(session, "New"), None, None)
    assert events_of("deal", deal.id, EventKind.STAGE_CHANGED) == []


def test_lost_closes_the_deal_and_keeps_the_reason(session: Session, events_of, clock) -> None:
    deal = _deal(session)
    clock(LATER.isoformat())
    deals.move_deal(session, deal.id, _stage(session, "Lost"), " went with a competitor ")
    stored = session.get(Deal, deal.id)
    assert (stored.closed_at, stored.lost_reason) == (LATER, "went with a competitor")
    (moved,) = events_of("deal", deal.id, EventKind.STAGE_CHANGED)
    assert moved.text == "stage: New → Lost (went with a competitor)"
    assert moved.payload["reason"] == "went with a competitor"


def test_won_closes_the_deal_without_a_reason(session: Session, clock) -> None:
    deal = _deal(session)
    clock(LATER.isoformat())
    deals.move_deal(session, deal.id, _stage(session, "Won"))
    stored = session.get(Deal, deal.id)
    assert (stored.closed_at, stored.lost_reason) == (LATER, None)


def test_reopening_clears_closed_at_and_the_lost_reason(session: Session, events_of) -> None:
    deal = _deal(session)
    deals.move_deal(session, deal.id, _stage(session, "Lost"), "no budget")
    deals.move_deal(session, deal.id, _stage(session, "Negotiation"))
    stored = session.get(Deal, deal.id)
    assert (stored.closed_at, stored.lost_reason) == (None, None)
    assert [e.text for e in events_of("deal", deal.id, EventKind.STAGE_CHANGED)] == [
        "stage: New → Lost (no budget)",
        "stage: Lost → Negotiation",
    ]


def test_reason_is_ignored_for_stages_other_than_lost(session: Session) -> None:
    deal = _deal(session)
    deals.move_deal(session, deal.id, _stage(session, "Won"), "they liked us")
    assert session.get(Deal, deal.id).lost_reason is None


def test_move_to_a_missing_stage_changes_nothing(session: Session) -> None:
    deal = _deal(session)
    with pytest.raises(NotFound):
        deals.move_deal(session, deal.id, 999)
    assert session.get(Deal, deal.id).stage_id == _stage(session, "New")


# --- update and archive ---------------------------------------------------------------------


def test_update_deal_writes_one_event_per_changed_field(session: Session, events_of, clock) -> None:
    deal = _deal(session, amount=100_00)
    clock(LATER.isoformat())
    deals.update_deal(session, deal.id, {"title": "Website redesign", "amount": 250_00, "currency": "RUB"})
    assert [e.payload for e in events_of("deal", deal.id, EventKind.FIELD_CHANGED)] == [
        {"field": "amount", "old": 100_00, "new": 250_00}
    ]
    assert session.get(Deal, deal.id).updated_at == LATER


def test_update_deal_with_nothing_new_writes_nothing(session: Session, events_of) -> None:
    deal = _deal(session)
    deals.update_deal(session, deal.id, {"title": "Website redesign"})
    assert [e.kind for e in events_of("deal", deal.id)] == [EventKind.CREATED]


def test_update_deal_refuses_bad_input(session: Session) -> None:
    deal = _deal(session, amount=100)
    with pytest.raises(ValidationError) as caught:
        deals.update_deal(session, deal.id, {"amount": -5})
    assert caught.value.field == "amount"
    with pytest.raises(ValidationError) as caught:
        deals.update_deal(session, deal.id, {"title": " "})
    assert caught.value.field == "title"
    with pytest.raises(ValueError, match="not deal fields"):
        deals.update_deal(session, deal.id, {"stage_id": 1})
    assert (deal.amount, deal.title) == (100, "Website redesign")


def test_archive_deal_once(session: Session, events_of) -> None:
    deal = _deal(session)
    deals.archive_deal(session, deal.id)
    deals.archive_deal(session, deal.id)
    assert [e.kind for e in events_of("deal", deal.id)] == [EventKind.CREATED, EventKind.ARCHIVED]
    assert deals.count_deals(session) == 0


# --- lists and totals -----------------------------------------------------------------------


def test_stage_totals_count_and_sum_every_stage(session: Session) -> None:
    _deal(session, title="a", amount=100_00)
    _deal(session, title="b", amount=250_00)
    _deal(session, title="c", amount=1_000_00, stage_id=_stage(session, "Proposal"))
    won = _deal(session, title="d", amount=5_000_00)
    deals.move_deal(session, won.id, _stage(session, "Won"))
    gone = _deal(session, title="e", amount=9_999_00)
    deals.archive_deal(session, gone.id)

    totals = {total.name: (total.count, total.amounts) for total in deals.stage_totals(session)}
    assert totals == {
        "New": (2, {"RUB": 350_00}),
        "Qualified": (0, {}),
        "Proposal": (1, {"RUB": 1_000_00}),
        "Negotiation": (0, {}),
        "Won": (1, {"RUB": 5_000_00}),
        "Lost": (0, {}),
    }
    assert [total.name for total in deals.stage_totals(session)][:2] == ["New", "Qualified"]


def test_stage_totals_never_add_up_different_currencies(session: Session) -> None:
    _deal(session, title="roubles", amount=700_000_00)
    _deal(session, title="dollars", amount=4_800_00, currency="USD")
    (new,) = [total for total in deals.stage_totals(session) if total.name == "New"]
    assert (new.count, new.amounts) == (2, {"RUB": 700_000_00, "USD": 4_800_00})
    assert format_amounts(new.amounts) == "700\u202f000 RUB + 4\u202f800 USD"
    assert format_amounts({}) == "0"


def test_list_deals_open_only_in_pipeline_order(session: Session, clock) -> None:
    acme = companies.create_company(session, CompanyBase(name="Acme"))
    anna = contacts.create_contact(session, ContactCreate(first_name="Anna", company_id=acme.id))
    clock("2026-11-01T09:00:00+00:00")
    old_new = _deal(session, title="old", contact_id=anna.id)
    clock("2026-11-10T09:00:00+00:00")
    proposal = _deal(session, title="proposal", stage_id=_stage(session, "Proposal"))
    young_new = _deal(session, title="young")
    won = _deal(session, title="won")
    deals.move_deal(session, won.id, _stage(session, "Won"))

    rows = deals.list_deals(session)
    assert [row.id for row in rows] == [old_new.id, young_new.id, proposal.id]
    assert (rows[0].stage, rows[0].stage_kind, rows[0].contact, rows[0].company) == (
        "New",
        "open",
        "Anna",
        "Acme",
    )
    assert deals.count_deals(session) == 3
    assert deals.count_deals(session, open_only=False) == 4
    assert won.id in [row.id for row in deals.list_deals(session, open_only=False)]
