"""The pipeline board: column totals, card windows, next steps, rotting, and every move with
its event, its timestamps and its undo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, func, select

from crm_tui.db.models import Activity, CompanyBase, Deal, Event, Stage
from crm_tui.errors import ValidationError
from crm_tui.services import activities, companies, contacts, deals, pipeline, settings
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.contacts import subject as contact_subject
from crm_tui.services.deals import DealCreate
from crm_tui.services.events import EventKind, add_note
from crm_tui.services.pipeline import BoardFilter
from crm_tui.services.stages import stage_by_name

# The conftest's frozen clock.
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _stage(session: Session, name: str) -> int:
    stage_id = stage_by_name(session, name).id
    assert stage_id is not None
    return stage_id


def _deal(session: Session, title: str = "Website redesign", stage: str = "New", **fields) -> int:
    deal = deals.create_deal(session, DealCreate(title=title, stage_id=_stage(session, stage), **fields))
    assert deal.id is not None
    return deal.id


def _column(session: Session, name: str, wanted: BoardFilter | None = None) -> pipeline.ColumnTotal:
    (column,) = [c for c in pipeline.board_columns(session, wanted) if c.name == name]
    return column


def _moves(session: Session, deal_id: int) -> list[Event]:
    session.flush()
    return list(
        session.exec(
            select(Event)
            .where(Event.entity_kind == "deal", Event.entity_id == deal_id, Event.kind == "stage_changed")
            .order_by(Event.id)  # type: ignore[arg-type]
        )
    )


# --- columns --------------------------------------------------------------------------------


def test_columns_are_the_open_stages_in_order_with_empty_ones(session: Session) -> None:
    columns = pipeline.board_columns(session)
    assert [(c.name, c.probability, c.rot_days, c.count, c.amounts, c.weighted) for c in columns] == [
        ("New", 10, 7, 0, {}, {}),
        ("Qualified", 25, 14, 0, {}, {}),
        ("Proposal", 50, 14, 0, {}, {}),
        ("Negotiation", 75, 21, 0, {}, {}),
    ]


def test_column_totals_and_weighted_sums_per_currency(session: Session) -> None:
    _deal(session, "a", "Proposal", amount=100_000_00)
    _deal(session, "b", "Proposal", amount=50_001, currency="RUB")
    _deal(session, "c", "Proposal", amount=4_800_00, currency="USD")
    _deal(session, "d", "Negotiation", amount=1_000_00)
    _deal(session, "won", "Won", amount=9_000_00)
    archived = _deal(session, "archived", "Proposal", amount=7_00)
    deals.archive_deal(session, archived)

    proposal = _column(session, "Proposal")
    assert proposal.count == 3
    assert proposal.amounts == {"RUB": 100_500_01, "USD": 4_800_00}
    # 50 % of 10,050,001 minor units is 5,025,000.5: rounded half up.
    assert proposal.weighted == {"RUB": 50_250_01, "USD": 2_400_00}
    negotiation = _column(session, "Negotiation")
    assert (negotiation.count, negotiation.amounts, negotiation.weighted) == (
        1,
        {"RUB": 1_000_00},
        {"RUB": 750_00},
    )
    assert [c.name for c in pipeline.board_columns(session)] == [
        "New",
        "Qualified",
        "Proposal",
        "Negotiation",
    ]


def test_column_totals_follow_the_filter(session: Session) -> None:
    acme = companies.create_company(session, CompanyBase(name="Acme Трейд"))
    anna = contacts.create_contact(
        session, ContactCreate(first_name="Анна", last_name="Ершова", tags=["VIP"])
    )
    bob = contacts.create_contact(session, ContactCreate(first_name="Bob", company_id=acme.id))
    _deal(session, "small", "Proposal", amount=10_00, contact_id=anna.id)
    _deal(session, "big", "Proposal", amount=90_000_00, contact_id=bob.id)
    _deal(session, "mid", "Proposal", amount=500_00)

    def column(**wanted) -> tuple[int, dict[str, int]]:
        total = _column(session, "Proposal", BoardFilter(**wanted))
        return total.count, total.amounts

    assert column() == (3, {"RUB": 90_510_00})
    assert column(contact="ерш") == (1, {"RUB": 10_00})
    assert column(company="трейд") == (1, {"RUB": 90_000_00})
    assert column(tag="vip") == (1, {"RUB": 10_00})
    assert column(min_amount=500_00) == (2, {"RUB": 90_500_00})
    assert column(min_amount=10_00, max_amount=500_00) == (2, {"RUB": 510_00})
    assert column(text="big") == (1, {"RUB": 90_000_00})
    assert column(text="acme", max_amount=1) == (0, {})
    assert column(contact="100%") == (0, {})  # LIKE wildcards typed are plain characters


def test_filter_in_words_and_from_the_form() -> None:
    assert not BoardFilter().narrowed
    assert BoardFilter().describe() == ""
    wanted = pipeline.filter_from_form(
        {"text": " acme ", "tag": "VIP", "min_amount": "10 000", "max_amount": "50000,50", "company": ""}
    )
    assert wanted == BoardFilter(text="acme", tag="VIP", min_amount=10_000_00, max_amount=50_000_50)
    assert wanted.narrowed
    assert wanted.describe() == "“acme” · tag VIP · 10\u202f000–50\u202f000.50"
    assert BoardFilter(min_amount=1_00).describe() == "≥ 1"
    assert BoardFilter(max_amount=2_00, contact="ann").describe() == "contact ann · ≤ 2"
    assert pipeline.filter_form_values(wanted) == {
        "text": "acme",
        "contact": "",
        "company": "",
        "tag": "VIP",
        "min_amount": "10000",
        "max_amount": "50000.50",
    }
    assert pipeline.filter_from_form(pipeline.filter_form_values(wanted)) == wanted


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"min_amount": "lots"}, "min_amount"),
        ({"max_amount": "12abc"}, "max_amount"),
        ({"min_amount": "-5"}, "min_amount"),
        ({"min_amount": "500", "max_amount": "100"}, "max_amount"),
    ],
)
def test_filter_form_names_the_bad_amount(values: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        pipeline.filter_from_form(values)
    assert caught.value.field == field


# --- cards ----------------------------------------------------------------------------------


def test_cards_come_a_window_at_a_time_longest_in_stage_first(session: Session, clock) -> None:
    made = []
    for day in (15, 12, 18, 12, 10):
        clock(f"2026-11-{day}T09:00:00+00:00")
        made.append((day, _deal(session, f"deal {len(made)}", "Qualified")))
    clock(NOW.isoformat())
    _deal(session, "elsewhere", "Proposal")
    order = [deal_id for _, deal_id in sorted(made)]  # oldest entry first, then id
    cards = pipeline.stage_cards(session, _stage(session, "Qualified"))
    assert [card.id for card in cards] == order
    assert [card.days_in_stage for card in cards] == [10, 8, 8, 5, 2]
    window = pipeline.stage_cards(session, _stage(session, "Qualified"), offset=1, limit=2)
    assert [card.id for card in window] == order[1:3]
    assert pipeline.stage_cards(session, _stage(session, "Won")) == []
    for position, deal_id in enumerate(order):
        assert pipeline.card_index(session, deal_id) == (_stage(session, "Qualified"), position)


def test_card_index_follows_the_filter_and_skips_closed_deals(session: Session, clock) -> None:
    clock("2026-11-10T09:00:00+00:00")
    _deal(session, "cheap", amount=1_00)
    clock(NOW.isoformat())
    dear = _deal(session, "dear", amount=1_000_00)
    won = _deal(session, "won", "Won")
    assert pipeline.card_index(session, dear) == (_stage(session, "New"), 1)
    assert pipeline.card_index(session, dear, BoardFilter(min_amount=100_00)) == (_stage(session, "New"), 0)
    assert pipeline.card_index(session, dear, BoardFilter(max_amount=1)) is None
    assert pipeline.card_index(session, won) is None
    assert pipeline.card_index(session, 999) is None


def test_card_shows_the_client_company_first(session: Session) -> None:
    acme = companies.create_company(session, CompanyBase(name="Acme"))
    anna = contacts.create_contact(session, ContactCreate(first_name="Anna", last_name="Smith"))
    bob = contacts.create_contact(session, ContactCreate(first_name="Bob", company_id=acme.id))
    _deal(session, "a", contact_id=anna.id, amount=12_50, currency="usd")
    _deal(session, "b", contact_id=bob.id)
    _deal(session, "c")
    cards = pipeline.stage_cards(session, _stage(session, "New"))
    assert [(c.title, c.client) for c in cards] == [("a", "Anna Smith"), ("b", "Acme"), ("c", "")]
    assert (cards[0].amount, cards[0].currency) == (12_50, "USD")


def _activity(session: Session, deal_id: int, title: str, due: date | None = None, kind: str = "call") -> int:
    activity = activities.create_activity(
        session, ActivityCreate(title=title, kind=kind, due_on=due, deal_id=deal_id)
    )
    assert activity.id is not None
    return activity.id


def test_next_activity_is_the_soonest_open_one(session: Session) -> None:
    busy = _deal(session, "busy")
    late = _deal(session, "late")
    _deal(session, "idle")  # no activity at all: the card says "no next step"
    undated = _deal(session, "undated")
    _activity(session, busy, "someday")
    _activity(session, busy, "next week", date(2026, 11, 27), "meeting")
    done = _activity(session, busy, "tomorrow but done", date(2026, 11, 21))
    activities.complete_activity(session, done)
    _activity(session, busy, "in two days", date(2026, 11, 22), "email")
    _activity(session, late, "was due yesterday", date(2026, 11, 19))
    _activity(session, undated, "some time", kind="task")

    cards = {card.title: card for card in pipeline.stage_cards(session, _stage(session, "New"))}
    assert (cards["busy"].next_kind, cards["busy"].next_title, cards["busy"].next_due) == (
        "email",
        "in two days",
        date(2026, 11, 22),
    )
    assert not cards["busy"].overdue
    assert (cards["late"].next_title, cards["late"].overdue) == ("was due yesterday", True)
    assert (cards["idle"].next_kind, cards["idle"].next_title, cards["idle"].next_due) == (None, None, None)
    assert not cards["idle"].overdue
    assert (cards["undated"].next_title, cards["undated"].next_due, cards["undated"].overdue) == (
        "some time",
        None,
        False,
    )


# --- rotting --------------------------------------------------------------------------------


def _card(session: Session, deal_id: int) -> pipeline.BoardCard:
    stage_id, _ = pipeline.card_index(session, deal_id) or (0, 0)
    (card,) = [card for card in pipeline.stage_cards(session, stage_id) if card.id == deal_id]
    return card


def test_a_deal_rots_after_its_stage_s_limit(session: Session, clock: Callable[[str], None]) -> None:
    deal_id = _deal(session)  # New: 7 days
    clock("2026-11-27T09:00:00+00:00")
    assert _card(session, deal_id).stale_days is None  # exactly 7 days: not past the limit
    clock("2026-11-28T10:00:00+00:00")
    assert _card(session, deal_id).stale_days == 8


def test_a_logged_note_resets_the_rot_clock(session: Session, clock: Callable[[str], None]) -> None:
    deal_id = _deal(session)
    clock("2026-11-26T09:00:00+00:00")
    add_note(session, deals.subject(session.get(Deal, deal_id)), "called, they are thinking")
    clock("2026-12-01T09:00:00+00:00")
    assert _card(session, deal_id).stale_days is None
    assert _card(session, deal_id).days_in_stage == 11
    clock("2026-12-04T09:00:00+00:00")
    assert _card(session, deal_id).stale_days == 8


def test_a_done_activity_resets_the_rot_clock(session: Session, clock: Callable[[str], None]) -> None:
    deal_id = _deal(session)
    task = _activity(session, deal_id, "send the prices", kind="task")
    clock("2026-11-26T09:00:00+00:00")
    activities.complete_activity(session, task)
    clock("2026-12-02T09:00:00+00:00")
    assert _card(session, deal_id).stale_days is None
    clock("2026-12-04T09:00:00+00:00")
    assert _card(session, deal_id).stale_days == 8


def test_an_activity_done_without_an_event_resets_the_clock_too(session: Session, clock) -> None:
    deal_id = _deal(session)
    task = _activity(session, deal_id, "imported as done", kind="task")
    session.get(Activity, task).done_at = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    clock("2026-12-02T09:00:00+00:00")
    assert _card(session, deal_id).stale_days is None


def test_other_events_and_other_deals_do_not_reset_the_clock(session: Session, clock) -> None:
    deal_id = _deal(session)
    other = _deal(session, "other")
    anna = contacts.create_contact(session, ContactCreate(first_name="Anna"))
    clock("2026-11-26T09:00:00+00:00")
    deals.update_deal(session, deal_id, {"amount": 5_00})
    add_note(session, deals.subject(session.get(Deal, other)), "on the other deal")
    add_note(session, contact_subject(anna), "on a contact")
    clock("2026-11-29T09:00:00+00:00")
    assert _card(session, deal_id).stale_days == 9


def test_a_stage_without_a_limit_never_rots(session: Session, clock) -> None:
    stage = session.get(Stage, _stage(session, "Proposal"))
    stage.rot_days = None
    deal_id = _deal(session, stage="Proposal")
    clock("2027-06-01T09:00:00+00:00")
    assert _card(session, deal_id).stale_days is None


def test_a_move_restarts_the_rot_clock(session: Session, clock) -> None:
    deal_id = _deal(session)
    clock("2026-12-01T09:00:00+00:00")
    assert _card(session, deal_id).stale_days == 11
    deals.move_to_adjacent(session, deal_id, +1)
    assert _card(session, deal_id).stale_days is None
    assert _card(session, deal_id).days_in_stage == 0


# --- moves ----------------------------------------------------------------------------------


def test_next_and_previous_stage(session: Session, clock) -> None:
    deal_id = _deal(session)
    clock(LATER.isoformat())
    move = deals.move_to_adjacent(session, deal_id, +1)
    assert move.describe() == "Website redesign: New → Qualified"
    assert (move.from_stage_id, move.to_stage_id) == (_stage(session, "New"), _stage(session, "Qualified"))
    assert move.previous_entered_at == NOW
    stored = session.get(Deal, deal_id)
    assert (stored.stage_id, stored.stage_entered_at, stored.closed_at) == (
        _stage(session, "Qualified"),
        LATER,
        None,
    )
    back = deals.move_to_adjacent(session, deal_id, -1)
    assert back.describe() == "Website redesign: Qualified → New"
    assert [(e.text, e.at) for e in _moves(session, deal_id)] == [
        ("stage: New → Qualified", LATER),
        ("stage: Qualified → New", LATER),
    ]
    assert _moves(session, deal_id)[0].payload == {
        "from": "New",
        "to": "Qualified",
        "from_id": _stage(session, "New"),
        "to_id": _stage(session, "Qualified"),
        "reason": None,
    }


def test_no_open_stage_past_the_ends(session: Session) -> None:
    last = _deal(session, "last", "Negotiation")
    first = _deal(session, "first", "New")
    with pytest.raises(
        ValidationError, match="Negotiation is the last open stage: w marks the deal won"
    ) as caught:
        deals.move_to_adjacent(session, last, +1)
    assert caught.value.field == "stage"
    with pytest.raises(ValidationError, match="New is the first open stage") as caught:
        deals.move_to_adjacent(session, first, -1)
    assert caught.value.field == "stage"
    assert _moves(session, last) == _moves(session, first) == []


@pytest.mark.parametrize(("outcome", "word"), [("Won", "won"), ("Lost", "lost")])
def test_closed_deals_do_not_move_on_the_board(session: Session, outcome: str, word: str) -> None:
    deal_id = _deal(session)
    if outcome == "Won":
        deals.win_deal(session, deal_id)
    else:
        deals.lose_deal(session, deal_id, "price")
    with pytest.raises(ValidationError) as caught:
        deals.move_to_adjacent(session, deal_id, +1)
    assert caught.value.field == "deal"
    assert caught.value.message == f"“Website redesign” is {word}; r on its card reopens it"
    with pytest.raises(ValidationError, match="reopen it") as caught:
        deals.move_deal_to(session, deal_id, _stage(session, "Proposal"))
    assert caught.value.field == "deal"
    assert session.get(Deal, deal_id).stage_id == _stage(session, outcome)
    assert len(_moves(session, deal_id)) == 1


def test_move_to_any_stage(session: Session, clock) -> None:
    deal_id = _deal(session)
    clock(LATER.isoformat())
    move = deals.move_deal_to(session, deal_id, _stage(session, "Negotiation"))
    assert move.describe() == "Website redesign: New → Negotiation"
    assert session.get(Deal, deal_id).stage_entered_at == LATER
    with pytest.raises(ValidationError, match="already in Negotiation"):
        deals.move_deal_to(session, deal_id, _stage(session, "Negotiation"))
    lost = deals.move_deal_to(session, deal_id, _stage(session, "Lost"), "timing")
    assert lost.to_stage == "Lost"
    stored = session.get(Deal, deal_id)
    assert (stored.closed_at, stored.lost_reason) == (LATER, "timing")
    # From one outcome to the other is allowed: the deal stays closed.
    deals.move_deal_to(session, deal_id, _stage(session, "Won"))
    assert (stored.closed_at, stored.lost_reason) == (LATER, None)


def test_win_with_the_final_amount(session: Session, events_of, clock) -> None:
    deal_id = _deal(session, stage="Negotiation", amount=100_000_00)
    clock(LATER.isoformat())
    move = deals.win_deal(session, deal_id, final_amount=120_000_00)
    assert (move.to_stage, move.previous_amount) == ("Won", 100_000_00)
    stored = session.get(Deal, deal_id)
    assert (stored.amount, stored.closed_at, stored.stage_entered_at) == (120_000_00, LATER, LATER)
    changed = events_of("deal", deal_id, EventKind.FIELD_CHANGED)
    assert [e.payload for e in changed] == [{"field": "amount", "old": 100_000_00, "new": 120_000_00}]
    assert [e.text for e in _moves(session, deal_id)] == ["stage: Negotiation → Won"]


def test_win_keeping_the_amount_writes_no_amount_change(session: Session, events_of) -> None:
    deal_id = _deal(session, amount=5_00)
    deals.win_deal(session, deal_id, final_amount=5_00)
    assert events_of("deal", deal_id, EventKind.FIELD_CHANGED) == []
    with pytest.raises(ValidationError, match="won already"):
        deals.win_deal(session, deal_id)


def test_win_refuses_a_negative_amount(session: Session) -> None:
    deal_id = _deal(session, amount=5_00)
    with pytest.raises(ValidationError) as caught:
        deals.win_deal(session, deal_id, final_amount=-1)
    assert caught.value.field == "amount"
    assert session.get(Deal, deal_id).stage_id == _stage(session, "New")


def test_lose_with_a_reason(session: Session, clock) -> None:
    deal_id = _deal(session, stage="Proposal")
    clock(LATER.isoformat())
    move = deals.lose_deal(session, deal_id, " competitor ")
    assert move.describe() == "Website redesign: Proposal → Lost"
    stored = session.get(Deal, deal_id)
    assert (stored.closed_at, stored.lost_reason, stored.stage_entered_at) == (LATER, "competitor", LATER)
    (event,) = _moves(session, deal_id)
    assert event.text == "stage: Proposal → Lost (competitor)"
    assert event.payload["reason"] == "competitor"


@pytest.mark.parametrize("reason", ["", "   "])
def test_lost_without_a_reason_is_refused(session: Session, reason: str) -> None:
    deal_id = _deal(session)
    with pytest.raises(ValidationError) as caught:
        deals.lose_deal(session, deal_id, reason)
    assert caught.value.field == "reason"
    with pytest.raises(ValidationError):
        deals.move_deal_to(session, deal_id, _stage(session, "Lost"))
    stored = session.get(Deal, deal_id)
    assert (stored.stage_id, stored.closed_at) == (_stage(session, "New"), None)
    assert _moves(session, deal_id) == []


def test_reopen_goes_back_to_the_last_open_stage(session: Session, clock) -> None:
    deal_id = _deal(session)
    deals.move_deal_to(session, deal_id, _stage(session, "Proposal"))
    deals.lose_deal(session, deal_id, "price")
    deals.move_deal_to(session, deal_id, _stage(session, "Won"))
    clock(LATER.isoformat())
    move = deals.reopen_deal(session, deal_id)
    assert move.describe() == "Website redesign: Won → Proposal"
    stored = session.get(Deal, deal_id)
    assert (stored.stage_id, stored.closed_at, stored.lost_reason, stored.stage_entered_at) == (
        _stage(session, "Proposal"),
        None,
        None,
        LATER,
    )
    with pytest.raises(ValidationError, match="open already"):
        deals.reopen_deal(session, deal_id)


def test_reopen_without_history_goes_to_the_first_open_stage(session: Session) -> None:
    deal_id = _deal(session, stage="Lost")  # created closed: no move to look back on
    assert deals.reopen_deal(session, deal_id).to_stage == "New"


def test_archived_deals_do_not_move(session: Session) -> None:
    deal_id = _deal(session)
    deals.archive_deal(session, deal_id)
    for attempt in (
        lambda: deals.move_to_adjacent(session, deal_id, 1),
        lambda: deals.move_deal_to(session, deal_id, _stage(session, "Proposal")),
        lambda: deals.win_deal(session, deal_id),
        lambda: deals.lose_deal(session, deal_id, "price"),
    ):
        with pytest.raises(ValidationError, match="archived"):
            attempt()
    assert _moves(session, deal_id) == []


# --- undo -----------------------------------------------------------------------------------


def test_undo_puts_the_deal_back_as_it_was(session: Session, events_of, clock) -> None:
    deal_id = _deal(session, stage="Negotiation", amount=100_00)
    clock(LATER.isoformat())
    move = deals.win_deal(session, deal_id, final_amount=150_00)
    clock("2026-11-26T09:00:00+00:00")
    deals.undo_move(session, move)
    stored = session.get(Deal, deal_id)
    assert (
        stored.stage_id,
        stored.stage_entered_at,
        stored.closed_at,
        stored.lost_reason,
        stored.amount,
    ) == (
        _stage(session, "Negotiation"),
        NOW,
        None,
        None,
        100_00,
    )
    undone = _moves(session, deal_id)[-1]
    assert undone.text == "stage: Won → Negotiation (move undone)"
    assert undone.payload["undo"] is True
    assert (undone.payload["from"], undone.payload["to"]) == ("Won", "Negotiation")
    amounts = [e.payload["new"] for e in events_of("deal", deal_id, EventKind.FIELD_CHANGED)]
    assert amounts == [150_00, 100_00]


def test_undo_a_reopen_restores_the_lost_reason(session: Session, clock) -> None:
    deal_id = _deal(session)
    deals.lose_deal(session, deal_id, "timing")
    clock(LATER.isoformat())
    deals.undo_move(session, deals.reopen_deal(session, deal_id))
    stored = session.get(Deal, deal_id)
    assert (stored.stage_id, stored.closed_at, stored.lost_reason) == (_stage(session, "Lost"), NOW, "timing")


def test_undo_is_refused_after_a_later_move(session: Session) -> None:
    deal_id = _deal(session)
    first = deals.move_to_adjacent(session, deal_id, +1)
    deals.move_to_adjacent(session, deal_id, +1)
    with pytest.raises(ValidationError, match="has moved since") as caught:
        deals.undo_move(session, first)
    assert caught.value.field == "deal"
    assert session.get(Deal, deal_id).stage_id == _stage(session, "Proposal")
    assert len(_moves(session, deal_id)) == 2


def test_moves_never_write_anything_else(session: Session) -> None:
    deal_id = _deal(session)
    before = session.exec(select(func.count()).select_from(Event)).one()
    deals.move_to_adjacent(session, deal_id, +1)
    after = session.exec(select(func.count()).select_from(Event)).one()
    assert after == before + 1


# --- lost reasons ---------------------------------------------------------------------------


def test_lost_reasons_default_then_edited(session: Session) -> None:
    assert settings.lost_reasons(session) == [
        "price",
        "competitor",
        "no budget",
        "no decision",
        "timing",
        "other",
    ]
    saved = settings.set_lost_reasons(session, ["  Price ", "", "price", "lost  touch", "Другое", "другое"])
    assert saved == ["Price", "lost touch", "Другое"]
    session.flush()
    assert settings.lost_reasons(session) == saved


@pytest.mark.parametrize("reasons", [[], ["", "   "]])
def test_lost_reasons_cannot_be_emptied(session: Session, reasons: list[str]) -> None:
    settings.set_lost_reasons(session, ["price"])
    with pytest.raises(ValidationError) as caught:
        settings.set_lost_reasons(session, reasons)
    assert caught.value.field == "lost_reasons"
    assert settings.lost_reasons(session) == ["price"]


@pytest.mark.parametrize("stored", ["not json", "{}", "[]", '[1, ""]'])
def test_a_broken_stored_list_gives_the_defaults(session: Session, stored: str) -> None:
    settings.set_setting(session, settings.LOST_REASONS_KEY, stored)
    assert settings.lost_reasons(session) == list(settings.DEFAULT_LOST_REASONS)


# --- list view ------------------------------------------------------------------------------


@pytest.fixture
def listed(session: Session, clock: Callable[[str], None]) -> dict[str, int]:
    """Deals made on different days, in different stages, amounts and close dates."""
    made = [
        ("old proposal", "Proposal", "2026-11-01", 500_00, date(2026, 12, 20)),
        ("new lead", "New", "2026-11-10", 50_000_00, None),
        ("older lead", "New", "2026-11-05", 100_00, date(2026, 12, 1)),
        ("talks", "Negotiation", "2026-11-15", 7_000_00, None),
        ("won", "Negotiation", "2026-11-02", 9_000_00, date(2026, 11, 30)),
        ("lost", "Qualified", "2026-11-03", 1_00, None),
    ]
    ids = {}
    for title, stage, day, amount, close in made:
        clock(f"{day}T09:00:00+00:00")
        ids[title] = _deal(session, title, stage, amount=amount, expected_close_on=close)
    clock(NOW.isoformat())
    deals.win_deal(session, ids["won"])
    deals.lose_deal(session, ids["lost"], "price")
    return ids


def _titles(rows) -> list[str]:
    return [row.title for row in rows]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (deals.DealSort.STAGE, ["older lead", "new lead", "old proposal", "talks"]),
        (deals.DealSort.AMOUNT, ["new lead", "talks", "old proposal", "older lead"]),
        (deals.DealSort.EXPECTED_CLOSE, ["older lead", "old proposal", "new lead", "talks"]),
        (deals.DealSort.DAYS_IN_STAGE, ["old proposal", "older lead", "new lead", "talks"]),
    ],
)
def test_list_sorts(
    session: Session, listed: dict[str, int], sort: deals.DealSort, expected: list[str]
) -> None:
    assert _titles(deals.list_deals(session, sort=sort)) == expected
    assert _titles(deals.list_deals(session, sort=sort, offset=1, limit=2)) == expected[1:3]


def test_list_by_status_stage_and_filter(session: Session, listed: dict[str, int]) -> None:
    assert _titles(deals.list_deals(session, status="won")) == ["won"]
    assert _titles(deals.list_deals(session, True, status="lost")) == ["lost"]
    assert _titles(deals.list_deals(session, open_only=False)) == [
        "older lead",
        "new lead",
        "old proposal",
        "talks",
        "won",
        "lost",
    ]
    assert _titles(deals.list_deals(session, stage_id=_stage(session, "New"))) == ["older lead", "new lead"]
    wanted = BoardFilter(min_amount=500_00, max_amount=10_000_00)
    assert _titles(deals.list_deals(session, wanted=wanted, sort=deals.DealSort.AMOUNT)) == [
        "talks",
        "old proposal",
    ]
    assert deals.count_deals(session) == 4
    assert deals.count_deals(session, False) == 6
    assert deals.count_deals(session, status="won") == 1
    assert deals.count_deals(session, wanted=wanted) == 2
    assert deals.count_deals(session, wanted=BoardFilter(text="talks")) == 1
    assert deals.count_deals(session, stage_id=_stage(session, "Negotiation"), status="open") == 1
    with pytest.raises(ValidationError) as caught:
        deals.list_deals(session, status="closed")
    assert caught.value.field == "status"
