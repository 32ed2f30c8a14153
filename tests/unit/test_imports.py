"""The import pipeline after reading: plan (match, merge, decide), apply as a batch, undo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Company, Contact, ContactEmail, ContactPhone, Event, ImportBatch
from crm_tui.errors import CrmError
from crm_tui.io.contact_record import ImportedContact, ImportedEmail, ImportedPhone, SkippedRecord
from crm_tui.services import contacts
from crm_tui.services.import_apply import apply_plan, undo_batch
from crm_tui.services.import_plan import Action, plan_import


def card(number: int, **fields) -> ImportedContact:
    return ImportedContact(number=number, line=number * 10, **fields)


def anna(number: int = 1, **more) -> ImportedContact:
    fields = {
        "first_name": "Anna",
        "last_name": "Petrova",
        "company": "Romashka",
        "emails": [ImportedEmail("Anna@Romashka.ru", "work")],
        "phones": [ImportedPhone("+7 912 345-67-89", "cell")],
    } | more
    return card(number, **fields)


def run_import(engine: Engine, records: list, file: str = "people.vcf"):
    with session_scope(engine) as session:
        plan = plan_import(session, records, file, "vcard")
        batch = apply_plan(session, plan)
        return plan, batch.id


def count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_a_new_file_creates_contacts_in_one_batch_after_a_snapshot(
    engine: Engine, backups_folder: Path
) -> None:
    plan, batch_id = run_import(engine, [anna(), card(2, first_name="Ivan", last_name="Sidorov")])
    assert [planned.action for planned in plan.records] == [Action.CREATE, Action.CREATE]
    with session_scope(engine) as session:
        assert count(session, Contact) == 2
        batch = session.get(ImportBatch, batch_id)
        assert batch is not None and batch.status == "applied"
        assert batch.counts["create"] == 2 and len(batch.created_ids["contacts"]) == 2
        imported = session.exec(select(Event).where(Event.kind == "imported")).all()
        assert len(imported) == 2 and "people.vcf (card 1 (line 10))" in imported[0].text
    assert list(backups_folder.glob("*before-import*"))


def test_importing_the_same_file_twice_creates_nothing_the_second_time(engine: Engine) -> None:
    run_import(engine, [anna(), card(2, first_name="Ivan", emails=[ImportedEmail("ivan@x.ru")])])
    plan, _ = run_import(engine, [anna(), card(2, first_name="Ivan", emails=[ImportedEmail("ivan@x.ru")])])
    assert [planned.action for planned in plan.records] == [Action.SKIP, Action.SKIP]
    assert all("nothing new" in planned.reason for planned in plan.records)
    with session_scope(engine) as session:
        assert count(session, Contact) == 2
        assert count(session, ContactEmail) == 2


@pytest.mark.parametrize(
    ("again", "why"),
    [
        (card(1, uid="urn:uuid:1", first_name="Someone"), "same UID"),
        (card(1, first_name="A", emails=[ImportedEmail("ANNA@romashka.RU")]), "same email"),
        (card(1, first_name="A", phones=[ImportedPhone("8 (912) 345 67 89")]), "same phone"),
        (
            card(1, first_name="Anna", last_name="Petrova", company="ROMASHKA"),
            "same name at the same company",
        ),
    ],
)
def test_records_match_by_uid_email_phone_or_name_and_company(engine: Engine, again, why) -> None:
    run_import(engine, [anna(uid="urn:uuid:1")])
    plan, _ = run_import(engine, [again])
    assert plan.records[0].reason.startswith(why)
    with session_scope(engine) as session:
        assert count(session, Contact) == 1


def test_an_update_fills_empty_fields_adds_new_values_and_never_overwrites(engine: Engine) -> None:
    run_import(engine, [anna(title="CEO")])
    richer = anna(
        title="Founder",
        birthday=date(1604, 4, 15),
        phones=[ImportedPhone("+7 912 345-67-89"), ImportedPhone("+7 495 123-45-67", "work")],
        tags=["VIP"],
        extra={"X-SKYPE": ["X-SKYPE:anna.p"]},
    )
    plan, _ = run_import(engine, [richer])
    (planned,) = plan.records
    assert planned.action is Action.UPDATE
    assert "+ phone +7 495 123-45-67" in planned.reason and "+ tag VIP" in planned.reason
    assert any("title differs: kept CEO" in warning for warning in planned.warnings)
    with session_scope(engine) as session:
        contact = session.exec(select(Contact)).one()
        assert contact.title == "CEO"
        assert contact.birthday == date(1604, 4, 15)
        assert contact.extra == {"X-SKYPE": ["X-SKYPE:anna.p"]}
        assert sorted(p.e164 for p in contacts.phones_of(session, contact.id)) == [
            "+74951234567",
            "+79123456789",
        ]
        assert contacts.tags_of(session, contact.id) == ["VIP"]


def test_the_same_person_twice_in_one_file_becomes_one_contact(engine: Engine) -> None:
    second = card(
        2,
        first_name="Anna",
        emails=[ImportedEmail("anna@romashka.ru")],
        phones=[ImportedPhone("+7 903 000-00-01")],
    )
    plan, _ = run_import(engine, [anna(), second])
    assert [planned.action for planned in plan.records] == [Action.CREATE, Action.MERGE]
    assert plan.records[1].merged_into == 1
    with session_scope(engine) as session:
        contact = session.exec(select(Contact)).one()
        assert len(contacts.phones_of(session, contact.id)) == 2


def test_bad_values_cost_only_themselves(engine: Engine) -> None:
    messy = anna(
        emails=[ImportedEmail("not-an-email"), ImportedEmail("ok@example.com")], phones=[ImportedPhone("n/a")]
    )
    plan, _ = run_import(engine, [messy, SkippedRecord(2, 20, "no END:VCARD and nothing usable")])
    assert plan.records[0].action is Action.CREATE
    assert any("'not-an-email' dropped" in warning for warning in plan.records[0].warnings)
    assert plan.records[1].action is Action.REJECT and plan.records[1].where == "card 2 (line 20)"
    with session_scope(engine) as session:
        assert [e.value for e in session.exec(select(ContactEmail))] == ["ok@example.com"]
        assert count(session, ContactPhone) == 0


def test_a_record_the_services_refuse_is_rejected_alone(engine: Engine) -> None:
    # A company name and nothing else, not marked as a company card: a contact needs a name.
    plan, _ = run_import(engine, [card(1, company="Nameless Ltd"), anna(2)])
    assert plan.records[0].action is Action.REJECT and "name" in plan.records[0].reason
    assert plan.records[1].action is Action.CREATE
    with session_scope(engine) as session:
        assert [c.full_name for c in session.exec(select(Contact))] == ["Anna Petrova"]


def test_a_company_card_becomes_a_company(engine: Engine) -> None:
    plan, _ = run_import(
        engine, [card(1, company="Acme Corp", is_company=True, phones=[ImportedPhone("+1 212 555 0100")])]
    )
    assert plan.records[0].action is Action.CREATE
    with session_scope(engine) as session:
        assert [c.name for c in session.exec(select(Company))] == ["Acme Corp"]
        assert count(session, Contact) == 0


def test_undo_restores_the_database(engine: Engine) -> None:
    run_import(engine, [anna(title=None)])
    with session_scope(engine) as session:
        before = contacts.phones_of(session, 1)
        assert len(before) == 1
    _, batch_id = run_import(
        engine,
        [
            anna(title="CEO", phones=[ImportedPhone("+7 495 123-45-67")], tags=["VIP"]),
            card(2, first_name="Ivan", company="New Co"),
        ],
    )
    with session_scope(engine) as session:
        assert count(session, Contact) == 2 and count(session, Company) == 2
        undo_batch(session, batch_id)
    with session_scope(engine) as session:
        contact = session.exec(select(Contact)).one()
        assert contact.title is None
        assert [p.value for p in contacts.phones_of(session, contact.id)] == ["+7 912 345-67-89"]
        assert contacts.tags_of(session, contact.id) == []
        assert [c.name for c in session.exec(select(Company))] == ["Romashka"]
        assert session.exec(select(Contact).where(col(Contact.first_name) == "Ivan")).first() is None
        batch = session.get(ImportBatch, batch_id)
        assert batch is not None and batch.status == "undone"
        with pytest.raises(CrmError, match="already undone"):
            undo_batch(session, batch_id)


def test_imported_contacts_are_indexed_as_a_reindex_would_index_them(engine: Engine) -> None:
    from sqlalchemy import text

    from crm_tui.db.models import EntityKind
    from crm_tui.services import search
    from crm_tui.services.search_core import index_body, rowid_for

    records = [
        anna(
            tags=["VIP", "Конференция"],
            phones=[ImportedPhone("+7 912 345-67-89", "cell"), ImportedPhone("8 (495) 123-45-67", "work")],
        ),
        card(2, first_name="Ivan", last_name="Sidorov", title="CTO", company="ROMASHKA"),
        card(3, display_name="Solo Person", emails=[ImportedEmail("solo@example.com", "home")]),
    ]
    _, batch_id = run_import(engine, records)
    with session_scope(engine) as session:
        ids = session.get(ImportBatch, batch_id).created_ids["contacts"]
        indexed = {
            rowid: body
            for rowid, body in session.connection().execute(text("SELECT rowid, body FROM search_index"))
        }
        expected = search._contact_bodies(session, ids)
        assert len(ids) == 3
        for contact_id in ids:
            assert indexed[rowid_for(EntityKind.CONTACT, contact_id)] == index_body(
                expected[contact_id], engine.dialect.name
            )
