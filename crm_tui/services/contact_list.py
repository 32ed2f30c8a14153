"""The contacts list: what it shows, how it is searched, filtered and sorted, and the
filters saved under a name (smart lists).

Everything is SQL so that 100,000 contacts page as fast as 100: the text typed in the list's
search box goes through the same FTS5 index and the same folding as the global search, the
filters are WHERE clauses (the health light's included), and a page is one query.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from crm_tui.dates import utcnow
from crm_tui.db.models import (
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    EntityKind,
    Setting,
    Tag,
)
from crm_tui.db.planner import not_via_index
from crm_tui.errors import ValidationError
from crm_tui.folding import search_fold
from crm_tui.services.health import Light, contact_light_condition, no_next_step_condition
from crm_tui.services.search import count_typed, typed_into
from crm_tui.services.tagged import contacts_tagged
from crm_tui.services.validation import fold

# A search that matches more contacts than this is counted only this far ("2,000+"): counting
# every match of one letter typed over 100,000 contacts would cost a keystroke its budget,
# and nobody scrolls through two thousand names instead of typing one more letter.
COUNT_CAP = 2000
SMART_LIST_PREFIX = "smart_list:"


class SortOrder(StrEnum):
    NAME = "name"
    LAST_TOUCH = "last touch"  # the longest untouched first: who needs a call
    NEXT_CONTACT = "next contact"  # the soonest first, contacts without one last


@dataclass(frozen=True)
class ContactFilter:
    """What the list shows: every field narrows it, the empty filter shows everyone."""

    text: str = ""
    tag: str = ""
    company: str = ""
    light: Light | None = None
    no_next_step: bool = False
    untouched_days: int | None = None
    sort: SortOrder = SortOrder.NAME

    @property
    def narrowed(self) -> bool:
        return bool(self.text or self.tag or self.company or self.light or self.no_next_step) or (
            self.untouched_days is not None
        )

    def describe(self) -> str:
        """The filter in words, for the line above the list: `tag VIP · red · untouched 30+ days`."""
        parts = [
            f"“{self.text}”" if self.text else "",
            f"tag {self.tag}" if self.tag else "",
            f"company {self.company}" if self.company else "",
            f"health {self.light.value}" if self.light else "",
            "no next step" if self.no_next_step else "",
            f"untouched {self.untouched_days}+ days" if self.untouched_days is not None else "",
        ]
        return " · ".join(part for part in parts if part)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> ContactFilter:
        data = json.loads(raw)
        return cls(
            text=str(data.get("text") or ""),
            tag=str(data.get("tag") or ""),
            company=str(data.get("company") or ""),
            light=Light(data["light"]) if data.get("light") else None,
            no_next_step=bool(data.get("no_next_step")),
            untouched_days=int(data["untouched_days"]) if data.get("untouched_days") is not None else None,
            sort=SortOrder(data.get("sort") or SortOrder.NAME),
        )


def filter_from_form(values: dict[str, str], current: ContactFilter) -> ContactFilter:
    """A filter from the filter form's fields; a bad value names its field."""
    light_text = values.get("light", "").strip().casefold()
    if light_text and light_text not in {light.value for light in Light}:
        raise ValidationError("light", f"{light_text!r} is not green, yellow or red")
    days_text = values.get("untouched", "").strip()
    if days_text and not (days_text.isdigit() and int(days_text) > 0):
        raise ValidationError("untouched", f"{days_text!r} is not a number of days")
    next_text = values.get("no_next_step", "").strip().casefold()
    if next_text not in {"", "yes", "no", "y", "n"}:
        raise ValidationError("no_next_step", f"{next_text!r}: answer yes or no")
    sort_text = values.get("sort", "").strip().casefold() or current.sort.value
    sorts = {order.value: order for order in SortOrder} | {
        order.name.casefold(): order for order in SortOrder
    }
    if sort_text not in sorts:
        raise ValidationError("sort", f"{sort_text!r} is not one of: {', '.join(o.value for o in SortOrder)}")
    return replace(
        current,
        tag=values.get("tag", "").strip(),
        company=values.get("company", "").strip(),
        light=Light(light_text) if light_text else None,
        no_next_step=next_text in {"yes", "y"},
        untouched_days=int(days_text) if days_text else None,
        sort=sorts[sort_text],
    )


def filter_form_values(current: ContactFilter) -> dict[str, str]:
    return {
        "tag": current.tag,
        "company": current.company,
        "light": current.light.value if current.light else "",
        "no_next_step": "yes" if current.no_next_step else "",
        "untouched": str(current.untouched_days) if current.untouched_days is not None else "",
        "sort": current.sort.value,
    }


@dataclass(frozen=True)
class ListedContact:
    id: int
    full_name: str
    # The name as the list shows it, surname first as the list is sorted: "Корнилов, Иван
    # Петрович", so that the surname survives a narrow column.
    list_name: str
    company: str
    title: str
    phone: str
    email: str
    tags: str
    last_touch_at: datetime | None
    next_contact_on: date | None


def _conditions(
    session: Session, wanted: ContactFilter, few_matches: bool = False, searched: bool = True
) -> list[Any]:
    """The WHERE clauses of the filter (`searched=False`: all but the typed text's)."""
    # `+archived_at` keeps SQLite off the name index when a search matches few contacts: it
    # then starts from the matches and sorts them (2 ms for 800 of 100,000) instead of
    # walking the whole index in name order looking for them (15 ms). A broad search is
    # the other way round: the walk finds its first page of matches at once.
    archived_at: Any = col(Contact.archived_at)
    live = (not_via_index(archived_at) if few_matches else archived_at).is_(None)
    conditions: list[Any] = [live]
    if searched and (matching := typed_into(Contact.id, EntityKind.CONTACT, wanted.text)) is not None:
        conditions.append(matching)
    if wanted.tag:
        conditions.append(col(Contact.id).in_(contacts_tagged(wanted.tag)))
    if wanted.company:
        at_company = select(Company.id).where(col(Company.name_fold).contains(fold(wanted.company)))
        conditions.append(col(Contact.company_id).in_(at_company))
    if wanted.light is not None:
        conditions.append(contact_light_condition(session, wanted.light))
    if wanted.no_next_step:
        conditions.append(no_next_step_condition(session))
    if wanted.untouched_days is not None:
        since = utcnow() - timedelta(days=wanted.untouched_days)
        conditions.append(col(Contact.last_touch_at).is_(None) | (col(Contact.last_touch_at) < since))
    return conditions


def count_contacts(session: Session, wanted: ContactFilter) -> int:
    """How many contacts the filter shows; a text search counts up to COUNT_CAP + 1."""
    if wanted.text and not replace(wanted, text="", sort=SortOrder.NAME).narrowed:
        # The index holds live contacts only, so a search alone is counted in the index,
        # which stops at the cap (joining the contacts would first collect every match).
        return count_typed(session, EntityKind.CONTACT, wanted.text, COUNT_CAP + 1)
    statement = select(Contact.id).where(and_(*_conditions(session, wanted)))
    if wanted.text:
        statement = statement.limit(COUNT_CAP + 1)
    return session.exec(select(func.count()).select_from(statement.subquery())).one()


def _ordering(sort: SortOrder) -> list[Any]:
    by_name = [col(Contact.last_name_fold), col(Contact.full_name_fold), col(Contact.id)]
    if sort is SortOrder.LAST_TOUCH:
        # Never touched first, then the longest ago: the top of the list is who needs a call.
        return [col(Contact.last_touch_at).is_not(None), col(Contact.last_touch_at), *by_name]
    if sort is SortOrder.NEXT_CONTACT:
        return [col(Contact.next_contact_on).is_(None), col(Contact.next_contact_on), *by_name]
    return by_name


def surname_range(wanted: ContactFilter) -> tuple[str, str] | None:
    """[low, high): the sort keys of the surnames that start with the one word typed, when the
    list is in name order. None: nothing typed, several words, another order."""
    typed = search_fold(wanted.text.strip())
    if wanted.sort is not SortOrder.NAME or not typed or any(char.isspace() for char in typed):
        return None
    after = ord(typed[-1]) + 1
    if 0xD800 <= after <= 0xDFFF or after > 0x10FFFF:
        return None  # no next character to end the range with
    return typed, typed[:-1] + chr(after)


def page_ids(session: Session, wanted: ContactFilter, offset: int = 0, limit: int = 50) -> list[int]:
    """The ids of one page of the list, in its order.

    One word typed over a list in name order lists first the contacts whose surname starts
    with it, then the other matches (a first name, the company, an email, a tag…), each part
    in name order: "ко" puts Ковалёв and Козлов at the top, not Абрамов of "Компас". It is
    also what keeps the first letters fast: those surnames come straight from the name
    index, where finding the first matches among all of a letter's matches in name order
    meant collecting them all."""
    bounds = surname_range(wanted)
    if bounds is None:
        return _ids(
            session, _conditions(session, wanted, few_matches=_few(session, wanted)), wanted, offset, limit
        )
    in_range = and_(col(Contact.last_name_fold) >= bounds[0], col(Contact.last_name_fold) < bounds[1])
    first = _ids(session, [*_conditions(session, wanted, searched=False), in_range], wanted, offset, limit)
    if len(first) == limit:
        return first
    if first or offset == 0:
        surnames = offset + len(first)
    else:  # the page starts past the surnames: how many there are says where the rest begin
        surnames = session.exec(
            select(func.count()).where(*_conditions(session, wanted, searched=False), in_range)
        ).one()
    rest = [*_conditions(session, wanted, few_matches=_few(session, wanted)), ~in_range]
    return first + _ids(session, rest, wanted, max(0, offset - surnames), limit - len(first))


def _few(session: Session, wanted: ContactFilter) -> bool:
    return (
        bool(wanted.text)
        and count_typed(session, EntityKind.CONTACT, wanted.text, COUNT_CAP + 1) <= COUNT_CAP
    )


def _ids(
    session: Session, conditions: list[Any], wanted: ContactFilter, offset: int, limit: int
) -> list[int]:
    statement = (
        select(Contact.id).where(*conditions).order_by(*_ordering(wanted.sort)).offset(offset).limit(limit)
    )
    return [contact_id for contact_id in session.exec(statement) if contact_id is not None]


def primary_value(table: type[ContactPhone] | type[ContactEmail]) -> Any:
    """A contact's phone or email to show (a scalar subquery correlated with Contact): the one
    marked primary, else the first written."""
    return (
        select(table.value)
        .where(table.contact_id == Contact.id)
        .order_by(col(table.is_primary).desc(), col(table.id))
        .limit(1)
        .scalar_subquery()
    )


def list_contacts(
    session: Session, wanted: ContactFilter, offset: int = 0, limit: int = 50
) -> list[ListedContact]:
    """One page of the list, each contact with its primary phone and email and tags (the
    health lights are read apart, `health.contacts_health`, so the list shows first).

    Two steps: the page's ids first, then their columns. In one query SQLite worked out each
    matching contact's phone, email and tags before sorting and cutting the page, which for a
    letter typed over 100,000 contacts was thousands of lookups for fifty rows."""
    ids = page_ids(session, wanted, offset, limit)
    if not ids:
        return []
    primary_phone, primary_email = primary_value(ContactPhone), primary_value(ContactEmail)
    tags = (
        select(func.aggregate_strings(col(Tag.name), ", "))
        .join(ContactTag, col(ContactTag.tag_id) == Tag.id)
        .where(ContactTag.contact_id == Contact.id)
        .scalar_subquery()
    )
    rows = session.exec(
        select(  # type: ignore[call-overload]  # >4 columns
            Contact.id,
            Contact.full_name,
            Company.name,
            Contact.title,
            primary_phone,
            primary_email,
            tags,
            Contact.last_touch_at,
            Contact.next_contact_on,
            Contact.first_name,
            Contact.middle_name,
            Contact.last_name,
        )
        .outerjoin(Company, col(Company.id) == Contact.company_id)
        .where(col(Contact.id).in_(ids))
    ).all()
    by_id = {row[0]: row for row in rows}
    return [
        ListedContact(
            id=row[0],
            full_name=row[1],
            list_name=surname_first(row[9], row[10], row[11], row[1]),
            company=row[2] or "",
            title=row[3] or "",
            phone=row[4] or "",
            email=row[5] or "",
            tags=row[6] or "",
            last_touch_at=row[7],
            next_contact_on=row[8],
        )
        for row in (by_id[contact_id] for contact_id in ids if contact_id in by_id)
    ]


def surname_first(first: str, middle: str, last: str, full_name: str) -> str:
    """`Корнилов, Иван Петрович`; the full name as it is when there is no surname or nothing
    but one."""
    given = " ".join(part for part in (first.strip(), middle.strip()) if part)
    return f"{last.strip()}, {given}" if last.strip() and given else full_name


# ---------------------------------------------------------------- smart lists


def save_smart_list(session: Session, name: str, wanted: ContactFilter) -> str:
    """Keep a filter under a name (the same name again replaces it)."""
    clean_name = " ".join(name.split())
    if not clean_name:
        raise ValidationError("name", "a smart list needs a name")
    if not wanted.narrowed:
        raise ValidationError("name", "the list shows everyone: set a filter or type a search first")
    key = SMART_LIST_PREFIX + clean_name
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=wanted.to_json()))
    else:
        row.value = wanted.to_json()
    return clean_name


def smart_lists(session: Session) -> dict[str, ContactFilter]:
    """The saved filters by name, in name order (one that cannot be read is left out)."""
    rows = session.exec(select(Setting).where(col(Setting.key).startswith(SMART_LIST_PREFIX))).all()
    found: dict[str, ContactFilter] = {}
    for row in sorted(rows, key=lambda row: fold(row.key)):
        try:
            found[row.key.removeprefix(SMART_LIST_PREFIX)] = ContactFilter.from_json(row.value)
        except (ValueError, TypeError, KeyError):
            continue
    return found


def delete_smart_list(session: Session, name: str) -> bool:
    row = session.get(Setting, SMART_LIST_PREFIX + name)
    if row is None:
        return False
    session.delete(row)
    return True
