"""Contacts with several emails, phones and addresses: create, read, update, archive, list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import uuid4

from sqlalchemy import func
from sqlmodel import Field, Session, SQLModel, col, delete, select

from crm_tui.dates import utcnow
from crm_tui.db.backup import snapshot_before
from crm_tui.db.models import (
    Company,
    Contact,
    ContactAddress,
    ContactBase,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Deal,
    EntityKind,
    Event,
    Stage,
    StageKind,
    Tag,
)
from crm_tui.errors import NotFound, ValidationError
from crm_tui.folding import search_fold
from crm_tui.services import search
from crm_tui.services.companies import find_or_create_company
from crm_tui.services.deals import archive_deal
from crm_tui.services.deals import subject as deal_subject
from crm_tui.services.events import EventKind, Subject, apply_changes, record_event
from crm_tui.services.settings import phone_region
from crm_tui.services.validation import (
    clean,
    fold,
    parse_email,
    parse_optional_date,
    parse_phone,
    split_full_name,
)


class EmailIn(SQLModel):
    value: str
    kind: str = "other"
    is_primary: bool = False


class PhoneIn(SQLModel):
    value: str
    kind: str = "other"
    is_primary: bool = False


class AddressIn(SQLModel):
    kind: str = "other"
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    is_primary: bool = False


class ContactCreate(ContactBase):
    uid: str | None = None
    company_id: int | None = None
    company_name: str | None = None
    emails: list[EmailIn] = Field(default_factory=list)
    phones: list[PhoneIn] = Field(default_factory=list)
    addresses: list[AddressIn] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


def full_name_of(first: str, middle: str, last: str) -> str:
    return " ".join(part for part in (first.strip(), middle.strip(), last.strip()) if part)


def name_columns(full_name: str, last_name: str) -> dict[str, str]:
    """The stored forms of a contact's name that lists sort and match by (every alphabet).

    The sort key is folded as the search index is (Семёнов as семенов, Müller as muller), so
    that the contacts list can take the surnames that start with what was typed straight from
    its index, in order, and they are the ones the search finds."""
    return {
        "full_name": full_name,
        "full_name_fold": fold(full_name),
        "last_name_fold": surname_key(last_name, full_name),
    }


def surname_key(last_name: str | None, full_name: str | None) -> str:
    return search_fold((last_name or full_name or "").strip())


def subject(contact: Contact) -> Subject:
    assert contact.id is not None
    return Subject(EntityKind.CONTACT, contact.id, contact_id=contact.id, company_id=contact.company_id)


def get_contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("contact", contact_id)
    return contact


def _mark_single_primary(rows: list[dict[str, Any]]) -> None:
    """Exactly one primary per list: the first flagged one, else the first."""
    if not rows:
        return
    first_primary = next((row for row in rows if row["is_primary"]), rows[0])
    for row in rows:
        row["is_primary"] = row is first_primary


# Validated child rows are plain dicts: an import prepares thousands of them, and building an
# ORM object for each (then dumping it back for a bulk insert) cost more than the insert.


def _email_rows(emails: list[EmailIn]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, email in enumerate(emails, start=1):
        value = parse_email(email.value, field=f"email {position}")
        if value and fold(value) not in seen:
            seen.add(fold(value))
            rows.append(
                {
                    "value": value,
                    "value_fold": fold(value),
                    "kind": email.kind,
                    "is_primary": email.is_primary,
                }
            )
    _mark_single_primary(rows)
    return rows


def _phone_rows(phones: list[PhoneIn], region: str) -> list[dict[str, Any]]:
    rows = []
    for position, phone in enumerate(phones, start=1):
        parsed = parse_phone(phone.value, region, field=f"phone {position}")
        if parsed:
            rows.append(
                {"value": parsed[0], "e164": parsed[1], "kind": phone.kind, "is_primary": phone.is_primary}
            )
    _mark_single_primary(rows)
    return rows


def _validated_emails(emails: list[EmailIn]) -> list[ContactEmail]:
    return [ContactEmail(contact_id=0, **row) for row in _email_rows(emails)]


def _validated_phones(phones: list[PhoneIn], region: str) -> list[ContactPhone]:
    return [ContactPhone(contact_id=0, **row) for row in _phone_rows(phones, region)]


def tag_for(session: Session, name: str) -> Tag:
    """The tag of that name in any letter case, created when there is none."""
    tag = session.exec(select(Tag).where(Tag.name_fold == fold(name))).first()
    if tag is None:
        tag = Tag(name=name.strip(), name_fold=fold(name))
        session.add(tag)
        session.flush()
    return tag


@dataclass
class PreparedContact:
    """A validated contact, ready to write: the columns of its row and of its child rows.

    One place decides how a contact is stored, whether it is written alone (`create_contact`)
    or thousands at a time by an import (`contact_bulk`).
    """

    row: dict[str, Any]
    company_name: str | None
    # The child rows' columns, without contact_id.
    emails: list[dict[str, Any]]
    phones: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    tags: list[str]


def prepare_contact(data: ContactCreate, region: str) -> PreparedContact:
    """Validate everything first: a bad email or phone raises before anything is written."""
    first, middle, last = (
        (data.first_name or "").strip(),
        (data.middle_name or "").strip(),
        (data.last_name or "").strip(),
    )
    full_name = full_name_of(first, middle, last)
    emails = _email_rows(data.emails)
    phones = _phone_rows(data.phones, region)
    if not full_name:
        if emails:
            full_name = emails[0]["value"]
        else:
            raise ValidationError("name", "a contact needs a first or last name")
    now = utcnow()
    row = data.model_dump(include=set(ContactBase.model_fields)) | {
        "first_name": first,
        "middle_name": middle,
        "last_name": last,
        **name_columns(full_name, last),
        # Every contact gets a UID, so that an exported vCard imported again finds it.
        "uid": clean(data.uid) or f"urn:uuid:{uuid4()}",
        "company_id": data.company_id,
        "extra": data.extra,
        "title": clean(data.title),
        "notes": clean(data.notes),
        "created_at": now,
        "updated_at": now,
    }
    addresses = [address.model_dump() for address in data.addresses]
    _mark_single_primary(addresses)
    tags = list({fold(tag): tag.strip() for tag in data.tags if tag.strip()}.values())
    return PreparedContact(row, clean(data.company_name), emails, phones, addresses, tags)


def create_contact(session: Session, data: ContactCreate) -> Contact:
    prepared = prepare_contact(data, phone_region(session))
    if prepared.row["company_id"] is None and prepared.company_name:
        prepared.row["company_id"] = find_or_create_company(session, prepared.company_name).id
    contact = Contact.model_validate(prepared.row)
    session.add(contact)
    session.flush()
    assert contact.id is not None
    for model, rows in (
        (ContactEmail, prepared.emails),
        (ContactPhone, prepared.phones),
        (ContactAddress, prepared.addresses),
    ):
        for row in rows:
            session.add(model(contact_id=contact.id, **row))
    for name in prepared.tags:
        session.add(ContactTag(contact_id=contact.id, tag_id=tag_for(session, name).id or 0))
    record_event(session, subject(contact), EventKind.CREATED, f"Contact created: {contact.full_name}")
    session.flush()
    search.reindex(session, EntityKind.CONTACT, [contact.id])
    return contact


def update_contact(session: Session, contact_id: int, changes: dict[str, Any]) -> Contact:
    """Change scalar fields (names, title, birthday, notes, company…), one event per field."""
    contact = get_contact(session, contact_id)
    allowed = set(ContactBase.model_fields) | {"company_id"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not contact fields: {sorted(unknown)}")
    changes = {key: value.strip() if isinstance(value, str) else value for key, value in changes.items()}
    first = changes.get("first_name", contact.first_name)
    middle = changes.get("middle_name", contact.middle_name)
    last = changes.get("last_name", contact.last_name)
    if not full_name_of(first, middle, last):
        raise ValidationError("name", "a contact needs a first or last name")
    company_id = changes.pop("company_id", contact.company_id)
    if company_id is not None and session.get(Company, company_id) is None:
        raise ValidationError("company", f"no company with id {company_id}")
    changed = apply_changes(session, contact, subject(contact), changes)
    if company_id != contact.company_id:
        _move_to_company(session, contact, company_id)
        changed.append("company_id")
    if changed:
        full_name = full_name_of(contact.first_name, contact.middle_name, contact.last_name)
        for column, value in name_columns(full_name, contact.last_name).items():
            setattr(contact, column, value)
        contact.updated_at = utcnow()
        session.flush()
        search.reindex(session, EntityKind.CONTACT, [contact_id])
        search.reindex_deals_of(session, EntityKind.CONTACT, contact_id)
    return contact


def _move_to_company(session: Session, contact: Contact, company_id: int | None) -> None:
    """Link the contact to another company (or none); the event names both companies."""
    old_id = contact.company_id
    old = session.get(Company, old_id) if old_id is not None else None
    new = session.get(Company, company_id) if company_id is not None else None
    contact.company_id = company_id
    record_event(
        session,
        subject(contact),
        EventKind.FIELD_CHANGED,
        f"company: {old.name if old else '—'} → {new.name if new else '—'}",
        {"field": "company_id", "old": old_id, "new": company_id},
    )


DEFAULT_KIND = "other"


def with_kind(value: str, kind: str) -> str:
    """`work: anna@example.com`; the default kind goes unsaid."""
    return f"{kind}: {value}" if kind and kind != DEFAULT_KIND else value


def _replace_rows(
    session: Session,
    contact: Contact,
    model: type[ContactEmail] | type[ContactPhone],
    rows: Sequence[ContactEmail | ContactPhone],
    what: str,
) -> None:
    """Put `rows` in place of the contact's emails or phones, when the values or their kinds
    (or their order: the first is the primary) differ; one event with the old and new lists."""
    assert contact.id is not None
    current = emails_of(session, contact.id) if what == "emails" else phones_of(session, contact.id)
    old, new = [row.value for row in current], [row.value for row in rows]
    old_kinds, new_kinds = [row.kind for row in current], [row.kind for row in rows]
    if old == new and old_kinds == new_kinds:
        return
    session.exec(delete(model).where(col(model.contact_id) == contact.id))  # type: ignore[call-overload]
    for row in rows:
        row.contact_id = contact.id
        session.add(row)
    payload: dict[str, Any] = {"field": what, "old": old, "new": new}
    if any(kind != DEFAULT_KIND for kind in old_kinds + new_kinds):
        payload |= {"old_kinds": old_kinds, "new_kinds": new_kinds}

    def shown(values: Sequence[ContactEmail | ContactPhone]) -> str:
        return ", ".join(with_kind(row.value, row.kind) for row in values) or "—"

    record_event(
        session,
        subject(contact),
        EventKind.FIELD_CHANGED,
        f"{what}: {shown(current)} → {shown(rows)}",
        payload,
    )
    session.flush()
    search.reindex(session, EntityKind.CONTACT, [contact.id])


def replace_emails(session: Session, contact_id: int, emails: list[EmailIn]) -> None:
    """Make the contact's emails exactly `emails` (validated first); nothing when unchanged."""
    contact = get_contact(session, contact_id)
    _replace_rows(session, contact, ContactEmail, _validated_emails(emails), "emails")


def replace_phones(session: Session, contact_id: int, phones: list[PhoneIn]) -> None:
    """Make the contact's phones exactly `phones` (validated first); nothing when unchanged."""
    contact = get_contact(session, contact_id)
    _replace_rows(session, contact, ContactPhone, _validated_phones(phones, phone_region(session)), "phones")


def _add_rows(session: Session, contact: Contact, rows: list[Any], what: str) -> list[Any]:
    """Add emails or phones to a contact that may have some: the old primary stays primary."""
    if not rows:
        return []
    assert contact.id is not None
    had_any = bool(emails_of(session, contact.id) if what == "emails" else phones_of(session, contact.id))
    for row in rows:
        row.contact_id = contact.id
        row.is_primary = row.is_primary and not had_any
        session.add(row)
    added = [row.value for row in rows]
    record_event(
        session,
        subject(contact),
        EventKind.FIELD_CHANGED,
        f"{what}: + {', '.join(added)}",
        {"field": what, "added": added},
    )
    session.flush()
    search.reindex(session, EntityKind.CONTACT, [contact.id])
    return rows


def add_emails(session: Session, contact_id: int, emails: list[EmailIn]) -> list[ContactEmail]:
    return _add_rows(session, get_contact(session, contact_id), _validated_emails(emails), "emails")


def add_phones(session: Session, contact_id: int, phones: list[PhoneIn]) -> list[ContactPhone]:
    rows = _validated_phones(phones, phone_region(session))
    return _add_rows(session, get_contact(session, contact_id), rows, "phones")


# ---------------------------------------------------------------- tags


def _unique_names(names: Sequence[str]) -> list[str]:
    """Trimmed names, each once in any letter case (as first spelled), in the order given."""
    unique: dict[str, str] = {}
    for name in names:
        if name.strip():
            unique.setdefault(fold(name), name.strip())
    return list(unique.values())


def _linked_tags(session: Session, contact_id: int) -> dict[int, str]:
    """The contact's tags: id → name."""
    rows = session.exec(
        select(Tag.id, Tag.name)
        .join(ContactTag, col(ContactTag.tag_id) == Tag.id)
        .where(ContactTag.contact_id == contact_id)
        .order_by(Tag.name_fold)
    ).all()
    return {tag_id: name for tag_id, name in rows if tag_id is not None}


@dataclass(frozen=True)
class TagChange:
    """The ids of the tags a change linked to a contact and unlinked from it."""

    added: list[int]
    removed: list[int]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def _change_tags(session: Session, contact: Contact, add: Sequence[str], remove: Sequence[str]) -> TagChange:
    """Link the tags of `add` (created when new), unlink those of `remove`; one event
    (`tags: + a, − b`) when anything changed. A tag in both lists is added."""
    assert contact.id is not None
    linked = _linked_tags(session, contact.id)
    added: dict[int, str] = {}
    for name in _unique_names(add):
        tag = tag_for(session, name)
        assert tag.id is not None
        if tag.id not in linked:
            session.add(ContactTag(contact_id=contact.id, tag_id=tag.id))
            linked[tag.id] = added[tag.id] = tag.name
    unwanted = {fold(name) for name in remove}
    removed = {
        tag_id: name for tag_id, name in linked.items() if fold(name) in unwanted and tag_id not in added
    }
    if not (added or removed):
        return TagChange([], [])
    if removed:
        session.exec(
            delete(ContactTag).where(  # type: ignore[call-overload]
                col(ContactTag.contact_id) == contact.id, col(ContactTag.tag_id).in_(list(removed))
            )
        )
    parts = [f"+ {', '.join(added.values())}"] if added else []
    parts += [f"− {', '.join(removed.values())}"] if removed else []
    payload: dict[str, Any] = {"field": "tags"}
    payload |= {"added": list(added.values())} if added else {}
    payload |= {"removed": list(removed.values())} if removed else {}
    record_event(session, subject(contact), EventKind.FIELD_CHANGED, f"tags: {', '.join(parts)}", payload)
    contact.updated_at = utcnow()
    session.flush()
    search.reindex(session, EntityKind.CONTACT, [contact.id])
    return TagChange(list(added), list(removed))


def add_tags(session: Session, contact_id: int, names: list[str]) -> list[int]:
    """Tag a contact; returns the ids of the tags newly linked (already linked ones are left)."""
    return _change_tags(session, get_contact(session, contact_id), names, []).added


def remove_tags(session: Session, contact_id: int, names: list[str]) -> list[int]:
    """Untag a contact (names in any letter case); returns the ids of the tags unlinked.
    The tags themselves stay, for the other contacts that have them."""
    return _change_tags(session, get_contact(session, contact_id), [], names).removed


def set_tags(session: Session, contact_id: int, names: list[str]) -> TagChange:
    """Make the contact's tags exactly `names`: one event naming what was added and removed."""
    contact = get_contact(session, contact_id)
    wanted = _unique_names(names)
    wanted_folds = {fold(name) for name in wanted}
    current = _linked_tags(session, contact_id).values()
    current_folds = {fold(name) for name in current}
    add = [name for name in wanted if fold(name) not in current_folds]
    remove = [name for name in current if fold(name) not in wanted_folds]
    return _change_tags(session, contact, add, remove)


def tag_contacts(session: Session, contact_ids: Sequence[int], add: list[str], remove: list[str]) -> int:
    """Add and remove tags on many contacts at once (a list's selection), all or nothing.

    Returns how many contacts changed; each changed contact gets one event. Raises
    ValidationError (`contacts`, `add` or `remove`) before writing anything.
    """
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        raise ValidationError("contacts", "choose at least one contact")
    add_names, remove_names = _unique_names(add), _unique_names(remove)
    if not (add_names or remove_names):
        raise ValidationError("add", "name a tag to add or to remove")
    adding = {fold(name) for name in add_names}
    if clash := [name for name in remove_names if fold(name) in adding]:
        raise ValidationError("remove", f"{clash[0]!r} is both added and removed")
    chosen = []
    for contact_id in ids:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise ValidationError("contacts", f"no contact with id {contact_id}")
        chosen.append(contact)
    if len(chosen) > 1:
        # DESIGN: a bulk change is preceded by a snapshot of the database.
        snapshot_before(session.get_bind(), "before-tags")  # type: ignore[arg-type]
    return sum(_change_tags(session, contact, add_names, remove_names).changed for contact in chosen)


# ---------------------------------------------------------------- archive and restore

# The event that says an archived record is back (the undo of archiving).
RESTORED = "restored"

DealsOnArchive = Literal["keep", "archive"]


@dataclass(frozen=True)
class ArchiveResult:
    contact: Contact
    # False when the contact was archived already (then nothing was done).
    archived: bool
    # Open deals archived with the contact ("archive"), or left open and linked ("keep").
    archived_deal_ids: list[int]
    kept_deal_ids: list[int]


def _open_deals(contact_id: int) -> Any:
    return (
        select(Deal.id)
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(
            Deal.contact_id == contact_id,
            col(Deal.archived_at).is_(None),
            col(Stage.kind) == StageKind.OPEN.value,
        )
    )


def open_deal_count(session: Session, contact_id: int) -> int:
    """The contact's open deals (not won, lost or archived): archiving asks about them."""
    return session.exec(select(func.count()).select_from(_open_deals(contact_id).subquery())).one()


def _deals_label(count: int) -> str:
    return "1 open deal" if count == 1 else f"{count} open deals"


def archive_contact(session: Session, contact_id: int, deals: DealsOnArchive = "keep") -> ArchiveResult:
    """Archive a contact (it leaves lists and search; `restore_contact` brings it back).

    Its open deals are left open and linked ("keep": they stay on the pipeline) or archived
    with it ("archive"); the archive event records which, so that a restore takes them back
    too. Won and lost deals are history and stay as they are. An archived contact is left alone.
    """
    if deals not in ("keep", "archive"):
        raise ValueError(f"deals must be 'keep' or 'archive', not {deals!r}")
    contact = get_contact(session, contact_id)
    if contact.archived_at is not None:
        return ArchiveResult(contact, False, [], [])
    open_ids = [
        deal_id for deal_id in session.exec(_open_deals(contact_id).order_by(col(Deal.id))) if deal_id
    ]
    archived_ids = open_ids if deals == "archive" else []
    kept_ids = [] if deals == "archive" else open_ids
    for deal_id in archived_ids:
        archive_deal(session, deal_id)
    contact.archived_at = utcnow()
    text = "Contact archived"
    if archived_ids:
        text += f" with its {_deals_label(len(archived_ids))}"
    elif kept_ids:
        text += f"; its {_deals_label(len(kept_ids))} stay open"
    record_event(
        session,
        subject(contact),
        EventKind.ARCHIVED,
        text,
        {"deals": deals, "archived_deal_ids": archived_ids, "kept_deal_ids": kept_ids},
    )
    session.flush()
    search.reindex(session, EntityKind.CONTACT, [contact_id])
    return ArchiveResult(contact, True, archived_ids, kept_ids)


def restore_contact(session: Session, contact_id: int) -> Contact:
    """Take an archive back: the contact, and the deals archived with it that are still
    archived, return to lists and search. A contact that is not archived is left alone."""
    contact = get_contact(session, contact_id)
    if contact.archived_at is None:
        return contact
    last_archive = session.exec(
        select(Event)
        .where(
            Event.entity_kind == EntityKind.CONTACT.value,
            Event.entity_id == contact_id,
            Event.kind == EventKind.ARCHIVED,
        )
        .order_by(col(Event.id).desc())
        .limit(1)
    ).first()
    restored: list[int] = []
    for deal_id in last_archive.payload.get("archived_deal_ids", []) if last_archive else []:
        deal = session.get(Deal, deal_id)
        if deal is not None and deal.archived_at is not None:
            deal.archived_at = None
            deal.updated_at = utcnow()
            record_event(
                session,
                deal_subject(deal),
                RESTORED,
                "Deal restored with its contact",
                {"contact_id": contact_id},
            )
            restored.append(deal_id)
    contact.archived_at = None
    text = "Contact restored" + (
        f" with {len(restored)} deal{'s' if len(restored) > 1 else ''}" if restored else ""
    )
    record_event(session, subject(contact), RESTORED, text, {"restored_deal_ids": restored})
    session.flush()
    search.reindex(session, EntityKind.CONTACT, [contact_id])
    search.reindex(session, EntityKind.DEAL, restored)
    return contact


def touch(session: Session, contact_id: int, moment: datetime | None = None) -> None:
    """Record that the salesperson was in touch with the contact (a call, email, meeting)."""
    contact = session.get(Contact, contact_id)
    if contact is not None:
        contact.last_touch_at = moment or utcnow()


def emails_of(session: Session, contact_id: int) -> Sequence[ContactEmail]:
    return session.exec(
        select(ContactEmail)
        .where(ContactEmail.contact_id == contact_id)
        .order_by(col(ContactEmail.is_primary).desc(), col(ContactEmail.id))
    ).all()


def phones_of(session: Session, contact_id: int) -> Sequence[ContactPhone]:
    return session.exec(
        select(ContactPhone)
        .where(ContactPhone.contact_id == contact_id)
        .order_by(col(ContactPhone.is_primary).desc(), col(ContactPhone.id))
    ).all()


def addresses_of(session: Session, contact_id: int) -> Sequence[ContactAddress]:
    return session.exec(
        select(ContactAddress)
        .where(ContactAddress.contact_id == contact_id)
        .order_by(col(ContactAddress.is_primary).desc(), col(ContactAddress.id))
    ).all()


def tags_of(session: Session, contact_id: int) -> list[str]:
    return list(
        session.exec(
            select(Tag.name)
            .join(ContactTag, col(ContactTag.tag_id) == Tag.id)
            .where(ContactTag.contact_id == contact_id)
            .order_by(Tag.name_fold)
        )
    )


def contact_from_fields(fields: dict[str, str]) -> ContactCreate:
    """A contact from a form or script: first/last name (or `name` to split), company, title,
    email, phone, birthday, tags (comma separated), notes."""
    first, last = (fields.get("first_name") or "").strip(), (fields.get("last_name") or "").strip()
    if not (first or last) and (fields.get("name") or "").strip():
        first, last = split_full_name(fields["name"])
    return ContactCreate(
        first_name=first,
        last_name=last,
        middle_name=(fields.get("middle_name") or "").strip(),
        company_name=clean(fields.get("company")),
        title=clean(fields.get("title")),
        birthday=parse_optional_date(fields.get("birthday"), "birthday"),
        notes=clean(fields.get("notes")),
        source=clean(fields.get("source")),
        emails=[EmailIn(value=fields["email"], is_primary=True)] if clean(fields.get("email")) else [],
        phones=[PhoneIn(value=fields["phone"], kind="cell", is_primary=True)]
        if clean(fields.get("phone"))
        else [],
        tags=[tag.strip() for tag in (fields.get("tags") or "").split(",") if tag.strip()],
    )
