"""The pipeline board: its columns (open stages with their totals), the cards of a column a
window at a time, the board's filter, and the stale ("rotting") rule.

Totals are SQL aggregates (GROUP BY stage and currency), and a column's cards are read a
window at a time, so a board of 5,000 open deals costs what its visible cards cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session


@dataclass(frozen=True)
class BoardFilter:
    """What the board (and the deals list view) shows; the empty filter shows every open deal.

    text: the global search's words over the deal (title, client…), via search.typed_into;
    contact / company: part of the name (case-folded, every alphabet); tag: a tag of the
    deal's contact; min_amount / max_amount: minor units, inclusive."""

    text: str = ""
    contact: str = ""
    company: str = ""
    tag: str = ""
    min_amount: int | None = None
    max_amount: int | None = None

    @property
    def narrowed(self) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        """In words for the line above the board: `“acme” · tag VIP · 10,000–50,000`."""
        raise NotImplementedError


def filter_from_form(values: dict[str, str]) -> BoardFilter:
    """From the filter form's fields text, contact, company, tag, min_amount, max_amount
    (amounts as typed: `10 000`, `1.5k` is not required); a bad value raises
    ValidationError naming its field."""
    raise NotImplementedError


def filter_form_values(current: BoardFilter) -> dict[str, str]:
    raise NotImplementedError


@dataclass(frozen=True)
class ColumnTotal:
    """One open stage as a board column: its deals counted and summed (per currency: roubles
    and dollars are not added), and summed weighted by the stage's probability."""

    stage_id: int
    name: str
    probability: int  # percent
    rot_days: int | None  # the stage's limit; None: deals never rot here
    count: int
    amounts: dict[str, int]  # currency -> minor units
    weighted: dict[str, int]  # currency -> minor units × probability / 100, rounded


def board_columns(session: Session, wanted: BoardFilter | None = None) -> list[ColumnTotal]:
    """Every open stage in order, empty ones included, with the totals of the deals the filter
    shows (one GROUP BY query, never a loop over deals)."""
    raise NotImplementedError


@dataclass(frozen=True)
class BoardCard:
    id: int
    title: str
    client: str  # the company's name, else the contact's, else ""
    amount: int  # minor units
    currency: str
    days_in_stage: int
    # The soonest open activity of the deal, or None: the card then warns "no next step".
    next_kind: str | None  # call, meeting, email, task
    next_title: str | None
    next_due: date | None
    overdue: bool  # next_due is before today
    # Days since the rot clock started, when past the stage's limit; None when not stale.
    # The clock starts at the later of stage_entered_at and the deal's last logged activity
    # (a note, call, email or meeting on the deal, or one of its activities done).
    stale_days: int | None


def stage_cards(
    session: Session, stage_id: int, wanted: BoardFilter | None = None, offset: int = 0, limit: int = 20
) -> list[BoardCard]:
    """A window of one column's cards, longest in the stage first (stage_entered_at, id)."""
    raise NotImplementedError


def card_index(session: Session, deal_id: int, wanted: BoardFilter | None = None) -> tuple[int, int] | None:
    """(stage_id, position in that column) of an open deal the filter shows, else None: where
    the focus goes after a move or a reload."""
    raise NotImplementedError
