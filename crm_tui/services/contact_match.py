"""One answer to "is this the same person?", for imports, lead conversion and the duplicates
screen alike.

Two contacts are likely the same person when, strongest first, they have the same UID (imports
only: a vCard carries one), the same email in any letter case, the same phone in E.164, or a
similar name at the same company.

Similar names: both names are folded (every alphabet's case, ё as е), cut into words at
anything that is not a letter or digit, the words sorted — so "Иванов Пётр" and "пётр иванов"
read alike — and compared with rapidfuzz's ratio, which is `fuzz.token_sort_ratio` on those
words. A contact's name for this is its first and last name: the middle name (a patronymic)
is left out, because one record of a person often has it and another not.

The threshold, NAME_SIMILARITY = 88, sits between what should and should not match:
"Jon Smith" ~ "John Smith" scores 95, "Anna Müller" ~ "Anna Muller" 91, "Kate Moss" ~ "Katy
Moss" 89 (same person, typed two ways); "Ian Ross" ~ "Jan Ross" 87.5, "Anna Müller" ~ "Hanna
Miller" 87, "Ivan Petrov" ~ "Ivan Sidorov" 70 (different people). Names are compared only
within one company, so a common name alone never makes two people one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from crm_tui.db.models import Company, Contact, ContactEmail, ContactPhone
from crm_tui.db.planner import not_via_index
from crm_tui.services.key_lookup import among
from crm_tui.services.validation import fold

NAME_SIMILARITY = 88

SAME_UID = "same UID"
SAME_EMAIL = "same email"
SAME_PHONE = "same phone"
SAME_NAME_AT_COMPANY = "same name at the same company"
SIMILAR_NAME_AT_COMPANY = "similar name at the same company"

_NOT_WORD = re.compile(r"[\W_]+")


def live_contact() -> ColumnElement[bool]:
    """`+contact.archived_at IS NULL`: a filter on the rows found, never the way to find them.
    The unary plus (a no-op on the value) keeps SQLite off an index that starts with
    archived_at: without statistics the planner would walk every live contact (a third of a
    second on 100,000) instead of looking up the few emails, phones or companies asked about."""
    archived_at = Contact.__table__.c.archived_at  # type: ignore[attr-defined]  # the Core column
    return not_via_index(archived_at).is_(None)


def name_key(name: str | None) -> str:
    """A name as the similarity rule compares it: folded, ё as е, its words sorted."""
    text = fold(name).replace("ё", "е")
    if not text.replace(" ", "").isalnum():  # most names are letters and spaces: no regex
        text = _NOT_WORD.sub(" ", text)
    return " ".join(sorted(text.split()))


def contact_name_key(first_name: str | None, last_name: str | None) -> str:
    """The name key of a person: first and last name, without the middle name."""
    return name_key(f"{first_name or ''} {last_name or ''}")


def similar_keys(a: str, b: str) -> bool:
    return bool(a and b) and fuzz.ratio(a, b, score_cutoff=NAME_SIMILARITY) > 0


def similar_names(a: str, b: str) -> bool:
    """Whether two full names are likely one person's (see the module's docstring)."""
    return similar_keys(name_key(a), name_key(b))


@dataclass
class MatchKeys:
    """What identifies a record, for matching it against others."""

    uid: str | None
    emails: set[str]  # folded
    phones: set[str]  # E.164
    name_at_company: tuple[str, str] | None  # (name_key, folded company name)


class NamesAtCompanies:
    """The live contacts of some companies (by folded name), to find a person among them by a
    similar name. One query for all the companies; each look-up compares only within one."""

    def __init__(self, session: Session, companies: Iterable[str]) -> None:
        # company → {name key → (lowest contact id, full name)}
        self.by_company: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
        wanted = {company for company in companies if company}
        if not wanted:
            return
        rows = session.exec(
            select(  # type: ignore[call-overload]  # more than four columns
                Company.name_fold, Contact.id, Contact.first_name, Contact.last_name, Contact.full_name
            )
            .join(Company, col(Company.id) == Contact.company_id)
            .where(among(Company.name_fold, wanted), live_contact())
            .order_by(col(Contact.id))
        )
        for company, contact_id, first, last, full_name in rows:
            key = contact_name_key(first, last)
            if key:
                self.by_company[company].setdefault(key, (contact_id, full_name))

    def find(self, key: str, company: str) -> tuple[int, str, str] | None:
        """(contact id, full name, why) of the person of that name key at that company: the
        same name first, else the most similar (the lowest id among equals)."""
        names = self.by_company.get(company)
        if not key or not names:
            return None
        if key in names:
            return (*names[key], SAME_NAME_AT_COMPANY)
        best = process.extractOne(key, list(names), scorer=fuzz.ratio, score_cutoff=NAME_SIMILARITY)
        if best is None:
            return None
        return (*names[best[0]], SIMILAR_NAME_AT_COMPANY)


class KnownContacts:
    """The existing contacts a file's records could be, looked up once per kind of key
    (one query per record would make a large import crawl)."""

    def __init__(self, session: Session, all_keys: list[MatchKeys]) -> None:
        self.session = session
        live = live_contact()
        self.by_uid: dict[Any, int] = {}
        self.by_email: dict[Any, int] = {}
        self.by_phone: dict[Any, int] = {}
        uids = {keys.uid for keys in all_keys if keys.uid}
        if uids:
            self._fill(self.by_uid, select(Contact.uid, Contact.id).where(among(Contact.uid, uids), live))
        emails = set().union(*(keys.emails for keys in all_keys))
        if emails:
            self._fill(
                self.by_email,
                select(ContactEmail.value_fold, ContactEmail.contact_id)
                .join(Contact, col(Contact.id) == ContactEmail.contact_id)
                .where(among(ContactEmail.value_fold, emails), live),
            )
        phones = set().union(*(keys.phones for keys in all_keys))
        if phones:
            self._fill(
                self.by_phone,
                select(ContactPhone.e164, ContactPhone.contact_id)
                .join(Contact, col(Contact.id) == ContactPhone.contact_id)
                .where(among(ContactPhone.e164, phones), live),
            )
        # Read when a record is first looked up by name: in a file whose records all match by
        # UID, email or phone (one imported again), the companies' people are never needed.
        self._companies = {keys.name_at_company[1] for keys in all_keys if keys.name_at_company}
        self._names: NamesAtCompanies | None = None

    @property
    def names(self) -> NamesAtCompanies:
        if self._names is None:
            self._names = NamesAtCompanies(self.session, self._companies)
        return self._names

    def _fill(self, mapping: dict[Any, int], statement: Any) -> None:
        for key, contact_id in self.session.exec(statement.order_by(col(Contact.id))):
            mapping.setdefault(key, contact_id)

    def find(self, keys: MatchKeys) -> tuple[Contact, str] | None:
        """The existing contact a record is about, and why we think so (strongest key first)."""
        candidates: list[tuple[dict[Any, int], list[Any], str]] = [
            (self.by_uid, [keys.uid] if keys.uid else [], SAME_UID),
            (self.by_email, sorted(keys.emails), SAME_EMAIL),
            (self.by_phone, sorted(keys.phones), SAME_PHONE),
        ]
        for mapping, values, why in candidates:
            for value in values:
                if value in mapping and (contact := self.session.get(Contact, mapping[value])) is not None:
                    return contact, why
        if keys.name_at_company and (found := self.names.find(*keys.name_at_company)):
            contact_id, _name, why = found
            if (contact := self.session.get(Contact, contact_id)) is not None:
                return contact, why
        return None


# ---------------------------------------------------------------- duplicates in the database


@dataclass(frozen=True)
class DuplicatePair:
    """Two live contacts that are likely one person; `first_id` < `second_id`."""

    first_id: int
    first_name: str
    second_id: int
    second_name: str
    why: str  # "same email a@b.c", "same phone +79123456789", "similar name at ООО Ромашка"


# Strongest first: one pair is listed once, for its strongest reason.
_EMAIL, _PHONE, _NAME = 0, 1, 2
_Found = dict[tuple[int, int], tuple[int, str]]  # (first id, second id) → (strength, why)


def _add(found: _Found, a: int, b: int, strength: int, why: str) -> None:
    pair = (a, b) if a < b else (b, a)
    if a != b and (pair not in found or found[pair][0] > strength):
        found[pair] = (strength, why)


def find_duplicates(session: Session, limit: int = 500) -> list[DuplicatePair]:
    """Likely duplicates among the live contacts, strongest reason first, at most `limit`.

    Contacts sharing an email or a phone are found by SQL (GROUP BY the folded email, the
    E.164 phone); each of a group is paired with its oldest member (lowest id), so an address
    shared by a hundred contacts lists a hundred pairs, not five thousand. Names are compared
    within each company only, each name key against the company's later ones in C (rapidfuzz).
    """
    found: _Found = {}
    for column, owner, strength, label in (
        (ContactEmail.value_fold, ContactEmail.contact_id, _EMAIL, SAME_EMAIL),
        (ContactPhone.e164, ContactPhone.contact_id, _PHONE, SAME_PHONE),
    ):
        for value, ids in _shared(session, column, owner):
            oldest = ids[0]
            for other in ids[1:]:
                _add(found, oldest, other, strength, f"{label} {value}")
    _similar_names_by_company(session, found)
    ranked = sorted(found.items(), key=lambda item: (item[1][0], item[0]))[: max(limit, 0)]
    return _pairs(session, [(pair, why) for pair, (_strength, why) in ranked])


def _shared(session: Session, column: Any, owner: Any) -> list[tuple[str, list[int]]]:
    """Values (emails, phones) that more than one live contact has, with those contacts' ids.

    The values held more than once are found in the column's index alone (reading the rows of
    100,000 emails to count their contacts took a second); only their few rows are read."""
    repeated = (
        select(column)
        .where(col(column).is_not(None), col(column) != "")
        .group_by(column)
        .having(func.count() > 1)
    )
    values = list(session.exec(repeated))
    if not values:
        return []
    statement = (
        select(column, owner)
        .join(Contact, col(Contact.id) == owner)
        .where(among(column, values), live_contact())
    )
    holders: dict[str, set[int]] = defaultdict(set)
    for value, contact_id in session.exec(statement):  # type: ignore[call-overload]
        holders[value].add(contact_id)
    return sorted((value, sorted(ids)) for value, ids in holders.items() if len(ids) > 1)


def _similar_names_by_company(session: Session, found: _Found) -> None:
    # Core rather than ORM rows, and no ORDER BY (which walked the company index to the table
    # row by row): 80,000 contacts at companies are read in a quarter of a second.
    rows = (
        session.connection()
        .execute(
            select(Contact.company_id, Contact.id, Contact.first_name, Contact.last_name).where(
                col(Contact.company_id).is_not(None), live_contact()
            )
        )
        .all()
    )
    by_company: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for company_id, contact_id, first, last in rows:
        if key := contact_name_key(first, last):
            by_company[company_id or 0][key].append(contact_id or 0)
    companies: dict[int, list[tuple[int, int, bool]]] = {}
    for company_id, names in by_company.items():
        if pairs := _similar_within(names):
            companies[company_id] = pairs
    if not companies:
        return
    statement = select(Company.id, Company.name).where(among(Company.id, companies))
    company_names = {company_id: name for company_id, name in session.exec(statement)}
    for company_id, pairs in companies.items():
        at = company_names.get(company_id, "")
        for a, b, same in pairs:
            _add(found, a, b, _NAME, f"{'same' if same else 'similar'} name at {at}")


def _similar_within(names: dict[str, list[int]]) -> list[tuple[int, int, bool]]:
    """(id, id, same name?) of the contacts of one company whose name keys are the same or
    similar: those of one key paired with its oldest, then each key's oldest with the oldest
    of every similar later key."""
    for ids in names.values():
        ids.sort()
    pairs = [(ids[0], other, True) for ids in names.values() for other in ids[1:]]
    keys = list(names)
    for index, key in enumerate(keys[:-1]):
        later = keys[index + 1 :]
        for _match, _score, position in process.extract(
            key, later, scorer=fuzz.ratio, score_cutoff=NAME_SIMILARITY, limit=None
        ):
            pairs.append((names[key][0], names[later[position]][0], False))
    return pairs


def _pairs(session: Session, ranked: Sequence[tuple[tuple[int, int], str]]) -> list[DuplicatePair]:
    ids = {contact_id for (a, b), _why in ranked for contact_id in (a, b)}
    names: dict[int, str] = {}
    if ids:
        names = {
            contact_id or 0: full_name
            for contact_id, full_name in session.exec(
                select(Contact.id, Contact.full_name).where(among(Contact.id, ids))
            )
        }
    return [DuplicatePair(a, names.get(a, ""), b, names.get(b, ""), why) for (a, b), why in ranked]


def duplicates_of(session: Session, contact_id: int) -> list[DuplicatePair]:
    """The live contacts one contact is likely a duplicate of, strongest reason first (all of
    them, where `find_duplicates` pairs a group sharing an email with its oldest member only)."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.archived_at is not None:
        return []
    live = live_contact()
    found: _Found = {}
    for column, owner, strength, label in (
        (ContactEmail.value_fold, ContactEmail.contact_id, _EMAIL, SAME_EMAIL),
        (ContactPhone.e164, ContactPhone.contact_id, _PHONE, SAME_PHONE),
    ):
        own = select(column).where(owner == contact_id, col(column).is_not(None), col(column) != "")
        statement = (
            select(column, owner)
            .join(Contact, col(Contact.id) == owner)
            .where(col(column).in_(own), owner != contact_id, live)
            .order_by(col(owner))
        )
        for value, other in session.exec(statement):  # type: ignore[call-overload]
            _add(found, contact_id, other, strength, f"{label} {value}")
    key = contact_name_key(contact.first_name, contact.last_name)
    if key and contact.company_id is not None:
        company = session.get(Company, contact.company_id)
        at = company.name if company is not None else ""
        colleagues = session.exec(
            select(Contact.id, Contact.first_name, Contact.last_name).where(
                Contact.company_id == contact.company_id, col(Contact.id) != contact_id, live
            )
        )
        for colleague_id, first, last in colleagues:
            their_key = contact_name_key(first, last)
            if similar_keys(key, their_key):
                word = "same" if their_key == key else "similar"
                _add(found, contact_id, colleague_id or 0, _NAME, f"{word} name at {at}")
    ranked = sorted(found.items(), key=lambda item: (item[1][0], item[0]))
    return _pairs(session, [(pair, why) for pair, (_strength, why) in ranked])
