"""The one matcher: similar names, duplicates among the contacts, and the import and the lead
inbox agreeing with it."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from crm_tui.db.models import Contact
from crm_tui.io.contact_record import ImportedContact
from crm_tui.services import contacts, leads
from crm_tui.services.contact_match import (
    DuplicatePair,
    KnownContacts,
    MatchKeys,
    duplicates_of,
    find_duplicates,
    name_key,
    similar_names,
)
from crm_tui.services.contacts import ContactCreate, EmailIn, PhoneIn
from crm_tui.services.import_plan import Action, plan_import
from crm_tui.services.lead_matches import matches_for


def person(session: Session, first: str, last: str = "", **fields: object) -> Contact:
    return contacts.create_contact(session, ContactCreate(first_name=first, last_name=last, **fields))  # type: ignore[arg-type]


# ---------------------------------------------------------------- similar names


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Иванов Пётр", "пётр иванов"),  # Cyrillic, other case, other order
        ("ИВАНОВ ПЁТР", "Петр Иванов"),  # ё written as е
        ("Jon Smith", "John Smith"),
        ("Anna Müller", "Anna Muller"),
        ("Smith, John", "john smith"),
        ("Kate Moss", "Katy Moss"),
    ],
)
def test_similar_names(a: str, b: str) -> None:
    assert similar_names(a, b)
    assert similar_names(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ivan Petrov", "Ivan Sidorov"),
        ("Anna Müller", "Hanna Miller"),  # two letters apart in each word: two people
        ("Ian Ross", "Jan Ross"),
        ("Пётр Иванов", "Пётр Сидоров"),
        ("Anna", ""),
        ("", ""),
    ],
)
def test_different_names(a: str, b: str) -> None:
    assert not similar_names(a, b)


def test_name_key_folds_sorts_and_drops_punctuation() -> None:
    assert name_key("  Иванов,  ПЁТР ") == name_key("пётр иванов") == "иванов петр"
    assert name_key("O'Brien-Smith Mary") == "brien mary o smith"
    assert name_key(None) == ""


# ---------------------------------------------------------------- duplicates in the database


def test_the_same_email_in_another_case_is_a_duplicate(session: Session) -> None:
    anna = person(session, "Anna", "Petrova", emails=[EmailIn(value="Anna@Romashka.RU")])
    again = person(session, "A.", "P.", emails=[EmailIn(value="anna@romashka.ru")])
    person(session, "Someone", "Else", emails=[EmailIn(value="else@romashka.ru")])
    assert find_duplicates(session) == [
        DuplicatePair(anna.id or 0, "Anna Petrova", again.id or 0, "A. P.", "same email anna@romashka.ru")
    ]


def test_the_same_phone_written_differently_is_a_duplicate(session: Session) -> None:
    one = person(session, "Ivan", phones=[PhoneIn(value="+7 912 345-67-89")])
    two = person(session, "Vanya", phones=[PhoneIn(value="8 (912) 3456789")])
    three = person(session, "Ivan P.", phones=[PhoneIn(value="+7-912-345-67-89")])
    pairs = find_duplicates(session)
    # A group sharing a number is paired with its oldest member.
    assert [(p.first_id, p.second_id, p.why) for p in pairs] == [
        (one.id, two.id, "same phone +79123456789"),
        (one.id, three.id, "same phone +79123456789"),
    ]


def test_cyrillic_names_in_another_case_at_the_same_company_are_duplicates(session: Session) -> None:
    first = person(session, "Пётр", "Иванов", company_name="ООО Ромашка")
    second = person(session, "ПЕТР", "ИВАНОВ", middle_name="Сергеевич", company_name="ООО Ромашка")
    similar = person(session, "Петя", "Иванов", company_name="ООО Ромашка")
    person(session, "Пётр", "Иванов", company_name="Другая фирма")  # same name, another company
    person(session, "Пётр", "Иванов")  # no company: a name alone is not enough
    pairs = find_duplicates(session)
    assert [(p.first_id, p.second_id, p.why) for p in pairs] == [
        (first.id, second.id, "same name at ООО Ромашка"),  # the middle name is left out
        (first.id, similar.id, "similar name at ООО Ромашка"),
    ]


def test_a_pair_is_listed_once_for_its_strongest_reason(session: Session) -> None:
    one = person(
        session,
        "Jane",
        "Smith",
        company_name="Acme",
        emails=[EmailIn(value="jane@acme.example")],
        phones=[PhoneIn(value="+1 212 555 0142")],
    )
    two = person(
        session,
        "Jane",
        "Smith",
        company_name="Acme",
        emails=[EmailIn(value="JANE@acme.example")],
        phones=[PhoneIn(value="+1 (212) 555-0142")],
    )
    assert [(p.first_id, p.second_id, p.why) for p in find_duplicates(session)] == [
        (one.id, two.id, "same email jane@acme.example")
    ]


def test_archived_contacts_are_not_duplicates_and_the_limit_holds(session: Session) -> None:
    for number in range(4):
        person(session, f"P{number}", emails=[EmailIn(value="shared@x.example")])
    assert len(find_duplicates(session)) == 3
    assert len(find_duplicates(session, limit=2)) == 2
    for contact_id in (2, 3, 4):
        contacts.archive_contact(session, contact_id)
    assert find_duplicates(session) == []


def test_duplicates_of_one_contact(session: Session) -> None:
    one = person(session, "Jon", "Smith", company_name="Acme", emails=[EmailIn(value="a@x.example")])
    two = person(session, "John", "Smith", company_name="Acme")
    three = person(session, "Bob", emails=[EmailIn(value="A@x.example")])
    person(session, "Alice", "Jones", company_name="Acme")
    assert [(p.first_id, p.second_id, p.why) for p in duplicates_of(session, one.id or 0)] == [
        (one.id, three.id, "same email a@x.example"),
        (one.id, two.id, "similar name at Acme"),
    ]
    # Unlike the list, every contact sharing the email, not just the oldest.
    assert [(p.first_id, p.second_id) for p in duplicates_of(session, three.id or 0)] == [(one.id, three.id)]
    contacts.archive_contact(session, one.id or 0)
    assert duplicates_of(session, one.id or 0) == []


# ---------------------------------------------------------------- the same rule everywhere


def test_known_contacts_find_a_similar_name_at_the_same_company(session: Session) -> None:
    petr = person(session, "Пётр", "Иванов", company_name="ООО Ромашка")
    known = KnownContacts(
        session,
        [
            MatchKeys(None, set(), set(), (name_key("петр иванов"), "ооо ромашка")),
            MatchKeys(None, set(), set(), (name_key("Петя Иванов"), "ооо ромашка")),
            MatchKeys(None, set(), set(), (name_key("Пётр Иванов"), "другая")),
        ],
    )
    assert known.find(MatchKeys(None, set(), set(), (name_key("петр иванов"), "ооо ромашка"))) == (
        petr,
        "same name at the same company",
    )
    assert known.find(MatchKeys(None, set(), set(), (name_key("Петя Иванов"), "ооо ромашка"))) == (
        petr,
        "similar name at the same company",
    )
    assert known.find(MatchKeys(None, set(), set(), (name_key("Пётр Иванов"), "другая"))) is None


def test_an_import_updates_the_contact_of_a_similar_name_at_the_same_company(session: Session) -> None:
    jon = person(session, "Jon", "Smith", company_name="Acme")
    record = ImportedContact(
        number=1, line=1, first_name="John", last_name="Smith", company="ACME", title="CTO"
    )
    plan = plan_import(session, [record], "people.vcf", "vcard")
    [planned] = plan.records
    assert (planned.action, planned.contact_id) == (Action.UPDATE, jon.id)
    assert planned.reason.startswith("similar name at the same company")


def test_a_lead_matches_a_contact_of_a_similar_name_at_the_same_company(session: Session) -> None:
    jane = person(session, "Jane", "Smith", company_name="Acme Corp")
    lead = leads.create_lead(session, leads.lead_from_fields({"name": "jane smyth", "company": "ACME CORP"}))
    other = leads.create_lead(session, leads.lead_from_fields({"name": "Jane Smith", "company": "Other"}))
    found = matches_for(session, [lead.id or 0, other.id or 0])
    assert found[lead.id or 0].id == jane.id
    assert found[lead.id or 0].describe() == "matches contact Jane Smith (similar name at the same company)"
    assert (other.id or 0) not in found
