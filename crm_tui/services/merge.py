"""Merging two contacts that are one person, and taking a merge back.

The person picks, field by field, whose value the merged contact keeps; everything attached to
the other contact moves to the one that stays (the survivor): emails and phones it lacks,
addresses, tags, deals, activities, leads and the other's timeline. The other contact is
archived, not deleted, and one `merged` event on the survivor records everything the merge
did, so that `undo_merge` can take exactly that back. Events are never rewritten: moving the
other's timeline changes only whom its events are about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm_tui.dates import as_utc, utcnow
from crm_tui.db.backup import snapshot_before
from crm_tui.db.models import (
    Activity,
    Company,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Deal,
    EntityKind,
    Event,
    Lead,
)
from crm_tui.errors import CrmError, ValidationError
from crm_tui.services import search
from crm_tui.services.contacts import (
    addresses_of,
    emails_of,
    full_name_of,
    name_columns,
    phones_of,
    subject,
    tags_of,
)
from crm_tui.services.events import EventKind, record_event
from crm_tui.services.validation import digits_of, fold

# The scalar fields a person picks between, in the order the merge screen shows them.
MERGE_FIELDS: tuple[str, ...] = (
    "first_name",
    "middle_name",
    "last_name",
    "company_id",
    "title",
    "birthday",
    "notes",
    "source",
    "next_contact_on",
    "next_contact_goal",
    "is_client",
)
FIELD_LABELS = {
    "first_name": "First name",
    "middle_name": "Middle name",
    "last_name": "Last name",
    "company_id": "Company",
    "title": "Title",
    "birthday": "Birthday",
    "notes": "Notes",
    "source": "Source",
    "next_contact_on": "Next contact",
    "next_contact_goal": "Next goal",
    "is_client": "Client",
}
_DATE_FIELDS = {"birthday", "next_contact_on"}
_NAME_FIELDS_IN_ORDER = ("first_name", "middle_name", "last_name")
_NAME_FIELDS = set(_NAME_FIELDS_IN_ORDER)
EMPTY = "—"
# The kind of the event that says something was taken back (as lead triage writes it).
UNDONE = "undone"


@dataclass(frozen=True)
class MergeField:
    """One row of the side-by-side view, as display strings ("—" for empty)."""

    name: str
    label: str
    survivor_value: str
    other_value: str
    # The survivor's is empty and the other's is not: the merge screen picks the other's.
    suggest_other: bool = False

    @property
    def differs(self) -> bool:
        return self.survivor_value != self.other_value


@dataclass(frozen=True)
class MoveCounts:
    """What a merge moves from the other contact to the survivor."""

    emails: int = 0
    phones: int = 0
    addresses: int = 0
    tags: int = 0
    deals: int = 0
    activities: int = 0
    leads: int = 0
    events: int = 0

    def describe(self) -> str:
        """`2 emails, 1 deal, 5 events`, or `nothing` when nothing moves."""
        parts = []
        for name in ("emails", "phones", "addresses", "tags", "deals", "activities", "leads", "events"):
            count = getattr(self, name)
            if count:
                singular = {"addresses": "address", "activities": "activity"}.get(name, name[:-1])
                parts.append(f"{count} {singular if count == 1 else name}")
        return ", ".join(parts) or "nothing"


@dataclass(frozen=True)
class MergePreview:
    survivor_id: int
    other_id: int
    survivor_name: str
    other_name: str
    fields: list[MergeField]
    # Read-only rows: each side's emails, phones, tags, deals, activities, events.
    children: list[MergeField]
    moving: MoveCounts

    @property
    def suggested(self) -> set[str]:
        """The fields worth taking from the other: empty on the survivor, filled on the other."""
        return {row.name for row in self.fields if row.suggest_other}


@dataclass(frozen=True)
class MergeResult:
    survivor_id: int
    other_id: int
    survivor_name: str
    other_name: str
    event_id: int
    taken: list[str]
    moved: MoveCounts

    @property
    def message(self) -> str:
        return f"Merged {self.other_name} into {self.survivor_name}."


@dataclass(frozen=True)
class MergeRecord:
    """A merge that can still be undone."""

    event_id: int
    survivor_id: int
    other_id: int
    survivor_name: str
    other_name: str
    at: datetime


@dataclass(frozen=True)
class UndoResult:
    merge_event_id: int
    survivor_id: int
    other_id: int
    survivor_name: str
    other_name: str
    notes: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        text = f"Merge undone: {self.other_name} and {self.survivor_name} are separate again."
        return " ".join([text, *(f"{note[:1].upper()}{note[1:]}." for note in self.notes)])


# ---------------------------------------------------------------- what moves


@dataclass
class _Moves:
    """The other contact's rows that a merge moves or re-points, read before anything changes."""

    emails: list[ContactEmail]
    phones: list[ContactPhone]
    addresses: list[ContactAddress]
    tag_ids: list[int]
    deals: list[Deal]
    activities: list[Activity]
    leads: list[Lead]
    events: list[Event]

    def counts(self) -> MoveCounts:
        return MoveCounts(
            len(self.emails),
            len(self.phones),
            len(self.addresses),
            len(self.tag_ids),
            len(self.deals),
            len(self.activities),
            len(self.leads),
            len(self.events),
        )


def _phone_key(phone: ContactPhone) -> str:
    return phone.e164 or digits_of(phone.value)


def _address_key(address: ContactAddress) -> tuple[str, ...]:
    return tuple(
        fold(part)
        for part in (address.street, address.city, address.region, address.postcode, address.country)
    )


def _tag_ids(session: Session, contact_id: int) -> list[int]:
    return list(session.exec(select(ContactTag.tag_id).where(ContactTag.contact_id == contact_id)))


def _other_events(session: Session, other_id: int) -> list[Event]:
    own = (col(Event.entity_kind) == EntityKind.CONTACT.value) & (col(Event.entity_id) == other_id)
    return list(
        session.exec(select(Event).where(own | (col(Event.contact_id) == other_id)).order_by(col(Event.id)))
    )


def _moves(session: Session, survivor_id: int, other_id: int) -> _Moves:
    has_emails = {email.value_fold for email in emails_of(session, survivor_id)}
    has_phones = {_phone_key(phone) for phone in phones_of(session, survivor_id)}
    has_addresses = {_address_key(address) for address in addresses_of(session, survivor_id)}
    has_tags = set(_tag_ids(session, survivor_id))
    return _Moves(
        emails=[email for email in emails_of(session, other_id) if email.value_fold not in has_emails],
        phones=[phone for phone in phones_of(session, other_id) if _phone_key(phone) not in has_phones],
        addresses=[a for a in addresses_of(session, other_id) if _address_key(a) not in has_addresses],
        tag_ids=[tag_id for tag_id in _tag_ids(session, other_id) if tag_id not in has_tags],
        deals=list(session.exec(select(Deal).where(Deal.contact_id == other_id).order_by(col(Deal.id)))),
        activities=list(
            session.exec(select(Activity).where(Activity.contact_id == other_id).order_by(col(Activity.id)))
        ),
        leads=list(session.exec(select(Lead).where(Lead.contact_id == other_id).order_by(col(Lead.id)))),
        events=_other_events(session, other_id),
    )


# ---------------------------------------------------------------- preview


def _pair(session: Session, survivor_id: int, other_id: int) -> tuple[Contact, Contact]:
    """The two live contacts of a merge, or a ValidationError saying why not."""
    if survivor_id == other_id:
        raise ValidationError("contact", "a contact cannot be merged with itself")
    found = []
    for contact_id in (survivor_id, other_id):
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise ValidationError("contact", f"no contact with id {contact_id}")
        if contact.archived_at is not None:
            merged_into = contact.extra.get("merged_into")
            why = f" (merged into contact {merged_into})" if merged_into else ""
            raise ValidationError("contact", f"{contact.full_name} (#{contact_id}) is archived{why}")
        found.append(contact)
    return found[0], found[1]


def _shown(session: Session, name: str, value: Any) -> str:
    if value is None or value == "":
        return EMPTY
    if name == "company_id":
        company = session.get(Company, value)
        return company.name if company is not None else f"#{value}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())  # notes on one line


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value is False


def merge_preview(session: Session, survivor_id: int, other_id: int) -> MergePreview:
    """The two records side by side, and what a merge would move."""
    survivor, other = _pair(session, survivor_id, other_id)
    fields = [
        MergeField(
            name,
            FIELD_LABELS[name],
            _shown(session, name, getattr(survivor, name)),
            _shown(session, name, getattr(other, name)),
            suggest_other=_is_empty(getattr(survivor, name)) and not _is_empty(getattr(other, name)),
        )
        for name in MERGE_FIELDS
    ]
    moves = _moves(session, survivor_id, other_id)

    def listed(values: list[str]) -> str:
        return ", ".join(values) or EMPTY

    def counted(model: Any, column: Any, contact_id: int) -> str:
        number = session.exec(select(func.count()).select_from(model).where(column == contact_id)).one()
        return str(number) if number else EMPTY

    children = [
        MergeField(
            "emails",
            "Emails",
            listed([email.value for email in emails_of(session, survivor_id)]),
            listed([email.value for email in emails_of(session, other_id)]),
        ),
        MergeField(
            "phones",
            "Phones",
            listed([phone.value for phone in phones_of(session, survivor_id)]),
            listed([phone.value for phone in phones_of(session, other_id)]),
        ),
        MergeField("tags", "Tags", listed(tags_of(session, survivor_id)), listed(tags_of(session, other_id))),
        MergeField(
            "deals",
            "Deals",
            counted(Deal, Deal.contact_id, survivor_id),
            counted(Deal, Deal.contact_id, other_id),
        ),
        MergeField(
            "activities",
            "Activities",
            counted(Activity, Activity.contact_id, survivor_id),
            counted(Activity, Activity.contact_id, other_id),
        ),
        MergeField(
            "events",
            "Events",
            str(len(_other_events(session, survivor_id)) or EMPTY),
            str(len(moves.events) or EMPTY),
        ),
    ]
    return MergePreview(
        survivor_id, other_id, survivor.full_name, other.full_name, fields, children, moves.counts()
    )


# ---------------------------------------------------------------- merge


def _to_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _utc(moment: datetime | None) -> datetime | None:
    """A timestamp as an aware UTC one: SQLite gives them back without a time zone."""
    return as_utc(moment) if moment is not None else None


def _from_json(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _DATE_FIELDS:
        return date.fromisoformat(value)
    if name == "last_touch_at":
        return _utc(datetime.fromisoformat(value))
    return value


def merge_contacts(
    session: Session, survivor_id: int, other_id: int, take_from_other: set[str]
) -> MergeResult:
    """Merge `other_id` into `survivor_id`; the fields named in `take_from_other` take the
    other's value, every other field keeps the survivor's. A snapshot of the database is
    taken first."""
    unknown = set(take_from_other) - set(MERGE_FIELDS)
    if unknown:
        choices = ", ".join(MERGE_FIELDS)
        raise ValidationError(
            "take", f"not fields a merge can take: {', '.join(sorted(unknown))} (choose from {choices})"
        )
    survivor, other = _pair(session, survivor_id, other_id)
    changes = {
        name: getattr(other, name)
        for name in MERGE_FIELDS
        if name in take_from_other and getattr(other, name) != getattr(survivor, name)
    }
    first, middle, last = (changes.get(name, getattr(survivor, name)) for name in _NAME_FIELDS_IN_ORDER)
    if _NAME_FIELDS & set(changes) and not full_name_of(first, middle, last):
        raise ValidationError("name", "the merged contact needs a first or last name")
    snapshot_before(session.get_bind(), "before-merge")  # type: ignore[arg-type]

    moves = _moves(session, survivor_id, other_id)
    other_name = other.full_name
    undo: dict[str, Any] = {
        "survivor_id": survivor_id,
        "other_id": other_id,
        "fields": {
            name: {"old": _to_json(getattr(survivor, name)), "new": _to_json(value)}
            for name, value in changes.items()
        },
    }
    for name, value in changes.items():
        setattr(survivor, name, value)
    if _NAME_FIELDS & set(changes):
        for column, value in name_columns(full_name_of(first, middle, last), last).items():
            setattr(survivor, column, value)
    touched = max(filter(None, [_utc(survivor.last_touch_at), _utc(other.last_touch_at)]), default=None)
    undo["last_touch_at"] = {"old": _to_json(survivor.last_touch_at), "new": _to_json(touched)}
    survivor.last_touch_at = touched
    # vCard properties only the other had come along; the survivor's own win.
    undo["extra"] = {"old": survivor.extra, "new": other.extra | survivor.extra}
    survivor.extra = other.extra | survivor.extra
    survivor.updated_at = utcnow()

    has_email, has_phone = bool(emails_of(session, survivor_id)), bool(phones_of(session, survivor_id))
    undo["emails"] = _move_rows(moves.emails, survivor_id, keep_primary=not has_email)
    undo["phones"] = _move_rows(moves.phones, survivor_id, keep_primary=not has_phone)
    undo["addresses"] = _move_rows(
        moves.addresses, survivor_id, keep_primary=not addresses_of(session, survivor_id)
    )
    for tag_id in moves.tag_ids:
        session.add(ContactTag(contact_id=survivor_id, tag_id=tag_id))
    undo["tags_added"] = moves.tag_ids
    for records in (moves.deals, moves.activities, moves.leads):
        for record in records:
            record.contact_id = survivor_id
    undo["deals"] = [deal.id for deal in moves.deals]
    undo["activities"] = [activity.id for activity in moves.activities]
    undo["leads"] = [lead.id for lead in moves.leads]
    undo["events_entity"], undo["events_contact"] = _repoint_events(moves.events, other_id, survivor_id)

    undo["other_extra"] = other.extra
    other.extra = other.extra | {"merged_into": survivor_id}
    other.archived_at = utcnow()
    other.updated_at = utcnow()

    counts = moves.counts()
    taken = [FIELD_LABELS[name].lower() for name in changes]
    text = f"Merged with {other_name} (#{other_id})" + (f": took {', '.join(taken)}" if taken else "")
    text += f"; moved {counts.describe()}"
    merged = record_event(session, subject(survivor), EventKind.MERGED, text, undo)
    session.flush()
    record_event(
        session,
        subject(other),
        EventKind.ARCHIVED,
        f"Merged into {survivor.full_name} (#{survivor_id})",
        {"merged_into": survivor_id, "merge_event_id": merged.id},
    )
    session.flush()
    _reindex(session, survivor_id, other_id)
    return MergeResult(survivor_id, other_id, survivor.full_name, other_name, merged.id or 0, taken, counts)


def _move_rows(rows: list[Any], survivor_id: int, keep_primary: bool) -> list[list[Any]]:
    """Give emails, phones or addresses to the survivor; its own primary stays primary.
    Returns [id, was primary] of each, for the undo."""
    moved = []
    for row in rows:
        moved.append([row.id, row.is_primary])
        row.contact_id = survivor_id
        row.is_primary = row.is_primary and keep_primary
    return moved


def _repoint_events(events: list[Event], old_id: int, new_id: int) -> tuple[list[int], list[int]]:
    """Make the events about one contact about another; returns the ids of those whose record
    changed and of those whose `contact_id` changed. Their text and payload stay as written."""
    as_entity, as_contact = [], []
    for event in events:
        if event.entity_kind == EntityKind.CONTACT.value and event.entity_id == old_id:
            event.entity_id = new_id
            as_entity.append(event.id or 0)
        if event.contact_id == old_id:
            event.contact_id = new_id
            as_contact.append(event.id or 0)
    return as_entity, as_contact


def _reindex(session: Session, *contact_ids: int) -> None:
    search.reindex(session, EntityKind.CONTACT, contact_ids)
    for contact_id in contact_ids:
        search.reindex_deals_of(session, EntityKind.CONTACT, contact_id)


# ---------------------------------------------------------------- undo


# Merges are found newest first by walking the log back from its end (the `kind` column has no
# index, and the latest merge is near the end); a page of them at a time.
_MERGES_PAGE = 20


def _merges() -> Any:
    """The merges of contacts (a lead's merge records no `survivor_id`)."""
    return select(Event).where(
        col(Event.kind) == EventKind.MERGED, col(Event.payload)["survivor_id"].as_integer().is_not(None)
    )


def last_merge(session: Session) -> MergeRecord | None:
    """The latest merge of contacts not undone yet (what `u` on the duplicates screen undoes)."""
    before: int | None = None
    while True:
        statement = _merges().order_by(col(Event.id).desc()).limit(_MERGES_PAGE)
        if before is not None:
            statement = statement.where(col(Event.id) < before)
        page = session.exec(statement).all()
        for event in page:
            if not _was_undone(session, event.id or 0):
                return _record(session, event)
        if len(page) < _MERGES_PAGE:
            return None
        before = page[-1].id


def _was_undone(session: Session, merged_event_id: int) -> bool:
    """Whether an `undone` event took this merge back (it can only have come after it, so the
    log is read from the merge on, not whole)."""
    statement = select(Event.id).where(
        col(Event.id) > merged_event_id,
        col(Event.kind) == UNDONE,
        col(Event.payload)["undoes_merge"].as_integer() == merged_event_id,
    )
    return session.exec(statement).first() is not None


def _record(session: Session, event: Event) -> MergeRecord:
    survivor = session.get(Contact, event.payload["survivor_id"])
    other = session.get(Contact, event.payload["other_id"])
    return MergeRecord(
        event.id or 0,
        event.payload["survivor_id"],
        event.payload["other_id"],
        survivor.full_name if survivor else f"#{event.payload['survivor_id']}",
        other.full_name if other else f"#{event.payload['other_id']}",
        event.at,
    )


def undo_merge(session: Session, merged_event_id: int | None = None) -> UndoResult:
    """Take a merge back (by default the latest one not undone): the survivor's fields as they
    were, every moved row back on the other contact, the other live again. What was changed by
    hand since the merge is kept, and named in the result's notes."""
    if merged_event_id is None:
        record = last_merge(session)
        if record is None:
            raise CrmError("No merge to undo.")
        merged_event_id = record.event_id
    event = session.exec(_merges().where(col(Event.id) == merged_event_id)).first()
    if event is None:
        raise CrmError(f"No merge of contacts with event id {merged_event_id}.")
    record = _record(session, event)
    if _was_undone(session, merged_event_id):
        raise CrmError(f"The merge of {record.other_name} into {record.survivor_name} was already undone.")
    survivor = session.get(Contact, record.survivor_id)
    other = session.get(Contact, record.other_id)
    if survivor is None or other is None:
        raise CrmError("One of the merged contacts no longer exists: the merge cannot be undone.")
    if survivor.archived_at is not None:
        raise CrmError(
            f"{survivor.full_name} was archived or merged since: undo that first, then this merge."
        )
    snapshot_before(session.get_bind(), f"before-undo-merge-{merged_event_id}")  # type: ignore[arg-type]
    payload = event.payload
    notes: list[str] = []
    _restore_fields(survivor, payload, notes)
    notes += _move_back(session, payload, survivor, other)
    other.extra = payload.get("other_extra", {k: v for k, v in other.extra.items() if k != "merged_into"})
    other.archived_at = None
    other.updated_at = survivor.updated_at = utcnow()
    restored = {"undoes_merge": merged_event_id}
    record_event(
        session,
        subject(survivor),
        UNDONE,
        f"Merge with {other.full_name} (#{other.id}) undone",
        restored,
    )
    record_event(
        session, subject(other), UNDONE, f"Merge into {survivor.full_name} (#{survivor.id}) undone", restored
    )
    session.flush()
    _reindex(session, record.survivor_id, record.other_id)
    return UndoResult(
        merged_event_id, record.survivor_id, record.other_id, survivor.full_name, other.full_name, notes
    )


def _restore_fields(survivor: Contact, payload: dict[str, Any], notes: list[str]) -> None:
    """Put back the survivor's fields the merge changed, unless they were changed again since."""
    renamed = False
    for name, change in payload.get("fields", {}).items():
        if getattr(survivor, name) == _from_json(name, change["new"]):
            setattr(survivor, name, _from_json(name, change["old"]))
            renamed = renamed or name in _NAME_FIELDS
        else:
            notes.append(f"kept {FIELD_LABELS.get(name, name).lower()} (changed since the merge)")
    if renamed:
        full_name = full_name_of(survivor.first_name, survivor.middle_name, survivor.last_name)
        for column, value in name_columns(full_name, survivor.last_name).items():
            setattr(survivor, column, value)
    touch = payload.get("last_touch_at", {})
    if touch and _utc(survivor.last_touch_at) == _from_json("last_touch_at", touch["new"]):
        survivor.last_touch_at = _from_json("last_touch_at", touch["old"])
    extra = payload.get("extra", {})
    if extra and survivor.extra == extra["new"]:
        survivor.extra = extra["old"]


def _move_back(session: Session, payload: dict[str, Any], survivor: Contact, other: Contact) -> list[str]:
    """Give the other contact back what the merge moved, where it still is on the survivor."""
    survivor_id, other_id = survivor.id, other.id
    stayed: dict[str, int] = {}
    model: Any
    for key, model in (("emails", ContactEmail), ("phones", ContactPhone), ("addresses", ContactAddress)):
        for row_id, was_primary in payload.get(key, []):
            row = session.get(model, row_id)
            if row is not None and row.contact_id == survivor_id:
                row.contact_id, row.is_primary = other_id, was_primary
            else:
                stayed[key] = stayed.get(key, 0) + 1
    for tag_id in payload.get("tags_added", []):
        link = session.get(ContactTag, (survivor_id, tag_id))
        if link is not None:
            session.delete(link)
    for key, model in (("deals", Deal), ("activities", Activity), ("leads", Lead)):
        for record_id in payload.get(key, []):
            record = session.get(model, record_id)
            if record is not None and record.contact_id == survivor_id:
                record.contact_id = other_id
            elif record is not None:
                stayed[key] = stayed.get(key, 0) + 1
    for event_id in payload.get("events_entity", []):
        event = session.get(Event, event_id)
        if event is not None and event.entity_id == survivor_id:
            event.entity_id = other_id or 0
    for event_id in payload.get("events_contact", []):
        event = session.get(Event, event_id)
        if event is not None and event.contact_id == survivor_id:
            event.contact_id = other_id
    return [
        f"{count} of the moved {key} stayed with {survivor.full_name} (changed since the merge)"
        for key, count in stayed.items()
    ]
