"""Search across every alphabet, by prefix, by phone digits; archived records drop out."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text
from sqlmodel import Session

from crm_tui.db.models import CompanyBase, Contact, EntityKind
from crm_tui.services import companies, contacts, deals, leads, search, search_core
from crm_tui.services.contacts import ContactCreate, EmailIn, PhoneIn
from crm_tui.services.deals import DealCreate


def _person(session: Session, first: str, last: str = "", **extra) -> Contact:
    return contacts.create_contact(session, ContactCreate(first_name=first, last_name=last, **extra))


def _found(session: Session, query: str) -> list[tuple[str, str]]:
    return [(hit.kind.value, hit.title) for hit in search.search(session, query)]


# --- alphabets ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["иванов", "ИВАНОВ", "Иванов", "ива", "ИВ", "иван иванов", "иванов иван"])
def test_cyrillic_in_any_letter_case_and_by_prefix(session: Session, query: str) -> None:
    _person(session, "Иван", "Иванов")
    _person(session, "Пётр", "Петров")
    assert _found(session, query) == [("contact", "Иван Иванов")]


@pytest.mark.parametrize("query", ["παπαδόπουλος", "ΠΑΠΑΔΌΠΟΥΛΟΣ", "παπαδ", "παπαδοπουλος"])
def test_greek(session: Session, query: str) -> None:
    _person(session, "Γιώργος", "Παπαδόπουλος")
    assert _found(session, query) == [("contact", "Γιώργος Παπαδόπουλος")]


def test_greek_stored_in_capitals_is_found_in_lower_case(session: Session) -> None:
    _person(session, "ΓΙΩΡΓΟΣ", "ΠΑΠΑΔΟΠΟΥΛΟΣ")
    assert _found(session, "παπαδόπουλος") == [("contact", "ΓΙΩΡΓΟΣ ΠΑΠΑΔΟΠΟΥΛΟΣ")]


@pytest.mark.parametrize("query", ["müller", "MÜLLER", "muller", "mül"])
def test_latin_with_diacritics(session: Session, query: str) -> None:
    _person(session, "Hans", "Müller")
    assert _found(session, query) == [("contact", "Hans Müller")]


@pytest.mark.parametrize("query", ["семенов", "семёнов", "СЕМЁНОВ"])
def test_cyrillic_yo_matches_ye(session: Session, query: str) -> None:
    # Russians write "е" for "ё" all the time; the schema promises "семенов" finds "Семёнов".
    _person(session, "Олег", "Семёнов")
    assert _found(session, query) == [("contact", "Олег Семёнов")]


@pytest.mark.parametrize("query", ["straße", "STRASSE", "strasse"])
def test_sharp_s(session: Session, query: str) -> None:
    _person(session, "Karl", "Straße")
    assert _found(session, query) == [("contact", "Karl Straße")]


def test_every_word_must_match(session: Session) -> None:
    _person(session, "Иван", "Иванов")
    _person(session, "Иван", "Петров")
    assert _found(session, "иван петр") == [("contact", "Иван Петров")]
    assert _found(session, "иван сидоров") == []


# --- emails, phones and related names -------------------------------------------------------


def test_email_finds_its_contact(session: Session) -> None:
    _person(session, "Anna", emails=[EmailIn(value="Anna.Smith@Example.com")])
    assert _found(session, "anna.smith@example.com") == [("contact", "Anna")]
    assert _found(session, "ANNA.SMITH@") == [("contact", "Anna")]


@pytest.mark.parametrize(
    "query",
    [
        "89123456789",
        "79123456789",
        "+79123456789",
        "+7 912 345-67-89",
        "8 (912) 345-67-89",
        "8912345",
        "9123456789",
    ],
)
def test_phone_digits_find_a_contact(session: Session, query: str) -> None:
    _person(session, "Anna", phones=[PhoneIn(value="8 912 345-67-89")])
    _person(session, "Bob", phones=[PhoneIn(value="+44 20 7946 0958")])
    assert _found(session, query) == [("contact", "Anna")]


@pytest.mark.parametrize("query", ["+442079460958", "442079460958", "2079460958"])
def test_international_phone_digits_find_a_contact(session: Session, query: str) -> None:
    _person(session, "Bob", phones=[PhoneIn(value="+442079460958")])
    assert _found(session, query) == [("contact", "Bob")]


def test_company_name_finds_its_people_and_itself(session: Session) -> None:
    _person(session, "Anna", company_name="ООО Ромашка")
    assert sorted(_found(session, "ромашка")) == [("company", "ООО Ромашка"), ("contact", "Anna")]


def test_leads_and_deals_are_found(session: Session) -> None:
    anna = _person(session, "Anna", "Smith")
    deals.create_deal(session, DealCreate(title="Website redesign", contact_id=anna.id, amount=100_00))
    leads.create_lead(
        session, leads.lead_from_fields({"name": "Zed", "company": "Website Corp", "phone": "+79120000001"})
    )
    assert sorted(_found(session, "website")) == [
        ("deal", "Website redesign"),
        ("lead", "Zed · Website Corp"),
    ]
    assert _found(session, "smith website") == [("deal", "Website redesign")]
    assert _found(session, "79120000001") == [("lead", "Zed · Website Corp")]


def test_results_carry_a_summary_line(session: Session) -> None:
    _person(session, "Anna", company_name="Acme", title="CEO")
    (hit,) = search.search(session, "anna")
    assert (hit.kind, hit.title, hit.detail) == (EntityKind.CONTACT, "Anna", "Acme · CEO")


def test_limit(session: Session) -> None:
    for number in range(5):
        _person(session, f"Anna{number}")
    assert len(search.search(session, "anna", limit=3)) == 3


# --- the index follows changes --------------------------------------------------------------


def test_archived_records_drop_out(session: Session) -> None:
    anna = _person(session, "Anna", "Archer")
    company = companies.create_company(session, CompanyBase(name="Archer Ltd"))
    lead = leads.create_lead(session, leads.lead_from_fields({"name": "Archer lead"}))
    deal = deals.create_deal(session, DealCreate(title="Archer deal"))
    assert len(_found(session, "archer")) == 4
    contacts.archive_contact(session, anna.id)
    companies.archive_company(session, company.id)
    leads.archive_lead(session, lead.id)
    deals.archive_deal(session, deal.id)
    assert _found(session, "archer") == []


def test_renaming_a_contact_reindexes_it(session: Session) -> None:
    anna = _person(session, "Anna", "Smith")
    contacts.update_contact(session, anna.id, {"last_name": "Ковалёва"})
    assert _found(session, "smith") == []
    assert _found(session, "ковалёва") == [("contact", "Anna Ковалёва")]


def test_renaming_a_contact_reindexes_their_deals(session: Session) -> None:
    anna = _person(session, "Anna", "Smith")
    deals.create_deal(session, DealCreate(title="Order", contact_id=anna.id))
    contacts.update_contact(session, anna.id, {"last_name": "Jones"})
    assert _found(session, "smith") == []
    assert sorted(_found(session, "jones")) == [("contact", "Anna Jones"), ("deal", "Order")]


def test_renaming_a_company_reindexes_its_deals(session: Session) -> None:
    acme = companies.create_company(session, CompanyBase(name="Acme"))
    deals.create_deal(session, DealCreate(title="Order", company_id=acme.id))
    companies.update_company(session, acme.id, {"name": "Globex"})
    assert _found(session, "acme") == []
    assert sorted(_found(session, "globex")) == [("company", "Globex"), ("deal", "Order")]


def test_new_phone_replaces_the_old_one_in_the_index(session: Session) -> None:
    anna = _person(session, "Anna", phones=[PhoneIn(value="+79123456789")])
    contacts.replace_phones(session, anna.id, [PhoneIn(value="+79990001122")])
    assert _found(session, "79123456789") == []
    assert _found(session, "79990001122") == [("contact", "Anna")]


def test_rebuild_index_finds_rows_loaded_in_bulk(session: Session) -> None:
    session.connection().execute(
        insert(Contact.__table__),
        [{"first_name": "Zoë", "full_name": "Zoë Bulk", "full_name_fold": "zoë bulk", "extra": {}}],
    )
    assert _found(session, "zoe") == []
    search.rebuild_index(session)
    assert _found(session, "zoe") == [("contact", "Zoë Bulk")]


# --- queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "!!!", "-- ()", '"*"', "@."])
def test_query_without_words_finds_nothing(session: Session, query: str) -> None:
    _person(session, "Anna")
    assert search.search(session, query) == []


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ('anna"', ["Anna Or"]),
        ("anna*", ["Anna Or"]),
        ("anna OR", ["Anna Or"]),  # "or" is a word here, and a prefix of "Or"
        ("anna OR bob", []),  # not an FTS5 OR: every word is required
        ("NOT anna", []),
        ("anna AND", []),
        ("NEAR(anna)", []),
        ("body:anna", []),  # not a column filter
    ],
)
def test_fts_syntax_in_a_query_is_taken_as_words(session: Session, query: str, found: list[str]) -> None:
    _person(session, "Anna", "Or")
    assert [hit.title for hit in search.search(session, query)] == found


def test_match_expression_quotes_every_word_as_a_prefix() -> None:
    assert search_core.match_expression("Anna  Smith") == '"anna"* "smith"*'
    assert search_core.match_expression('x" OR "y') == '"x"* "or"* "y"*'
    assert search_core.match_expression("!!!") is None


def test_index_rows_are_one_per_record(session: Session) -> None:
    anna = _person(session, "Anna")
    contacts.update_contact(session, anna.id, {"title": "CEO"})
    contacts.update_contact(session, anna.id, {"title": "CTO"})
    count = session.connection().execute(text("SELECT count(*) FROM search_index")).scalar()
    assert count == 1


def test_a_broad_query_answers_with_the_first_matches_and_a_narrow_one_is_ranked(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    for last in ("Anders", "Andrews", "Andersen", "Anton", "Annan"):
        contacts.create_contact(session, ContactCreate(first_name="Alex", last_name=last))
    contacts.create_contact(session, ContactCreate(first_name="Andrea", last_name="Andrews"))
    session.flush()
    monkeypatch.setattr(search_core, "RANKED_MATCHES", 3)
    # Six match "an": more than the ranking threshold, so the first `limit` come unranked.
    broad = search.search(session, "an", limit=2)
    assert len(broad) == 2 and all(hit.kind is EntityKind.CONTACT for hit in broad)
    # Two match "andrews": ranked, the one matching twice (first and last name) first.
    narrow = search.search(session, "andr", limit=5)
    assert narrow[0].title == "Andrea Andrews"
    assert {hit.title for hit in narrow} == {"Andrea Andrews", "Alex Andrews"}


@pytest.mark.sqlite_only("the quick path reads an SQLite file; a URL takes the ordinary one")
def test_the_command_lines_quick_search_finds_what_the_services_find(engine, session: Session) -> None:
    """`crm-tui search` reads the file with sqlite3 alone; it must agree with the services."""
    from pathlib import Path

    from crm_tui.services.quick_search import quick_search

    contacts.create_contact(
        session, ContactCreate(first_name="Анна", last_name="Иванова", company_name="Ромашка")
    )
    deals.create_deal(session, DealCreate(title="Поставка", amount=150_000_00))
    session.commit()
    file = Path(engine.url.database)
    for query in ("иван", "ромашка", "поставка", "нет такого"):
        expected = [(hit.kind.value, hit.id, hit.title, hit.detail) for hit in search.search(session, query)]
        quick = quick_search(file, query, 50)
        assert quick is not None
        assert [(hit.kind, hit.id, hit.title, hit.detail) for hit in quick] == expected
    # A file of another schema version goes the ordinary way (which upgrades or explains).
    session.connection().execute(text("UPDATE schemaversion SET version = 1"))
    session.commit()
    assert quick_search(file, "иван", 50) is None
    assert quick_search(file.with_name("missing.sqlite3"), "иван", 50) is None
