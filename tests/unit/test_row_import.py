"""CSV rows imported as leads, companies and deals: plan, apply, re-import, undo."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from crm_tui.dates import NOW_ENV_VAR
from crm_tui.db.engine import session_scope
from crm_tui.db.models import Company, Contact, Deal, Event, Lead, LeadBase, LeadSource, Stage
from crm_tui.io.contact_record import ImportedEmail
from crm_tui.io.lead_record import ImportedLead
from crm_tui.services import contacts
from crm_tui.services.file_import import ImportOptions, plan_file
from crm_tui.services.import_apply import apply_plan, undo_batch
from crm_tui.services.import_plan import Action, BadCells, ImportPlan
from crm_tui.services.leads import archive_lead, create_lead
from crm_tui.services.row_plan import plan_rows

FIXTURES = Path(__file__).parent.parent / "fixtures" / "csv"


def run(
    engine: Engine, path: Path, into: str, bad_cells: BadCells = BadCells.REJECT, dry_run: bool = False
) -> tuple[ImportPlan, int | None]:
    with session_scope(engine) as session:
        plan = plan_file(session, path, None, ImportOptions(into=into, bad_cells=bad_cells))
        if dry_run:
            session.rollback()
            return plan, None
        return plan, apply_plan(session, plan).id


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def actions(plan: ImportPlan) -> list[str]:
    return [planned.action.value for planned in plan.records]


# ---------------------------------------------------------------- leads


def test_bitrix24_cp1251_leads_land_in_the_right_fields(engine: Engine) -> None:
    plan, _ = run(engine, FIXTURES / "bitrix24_leads_cp1251.csv", "leads")
    assert actions(plan) == ["create"] * 3
    assert plan.mapping is not None and plan.mapping.preset == "Bitrix24 leads"
    with session_scope(engine) as session:
        leads = {lead.title: lead for lead in session.exec(select(Lead))}
        site = leads["Заявка с сайта"]
        assert (site.person_name, site.company_name) == ("Иван Сергеевич Петров", 'ООО "Ромашка"')
        assert (site.email, site.phone, site.phone_e164) == (
            "ivan@romashka.ru",
            "+7 (495) 123-45-67",
            "+74951234567",
        )
        # The second email and phone are kept, not dropped.
        assert [email["value"] for email in site.extra["emails"]] == ["petrov@mail.ru"]
        assert [phone["e164"] for phone in site.extra["phones"]] == ["+79160001122"]
        assert (site.source, site.status, site.value, site.currency) == ("Website", "new", 15_000_000, "RUB")
        assert site.notes == 'Перезвонить после обеда; интересует тариф "Бизнес"\nВторая строка комментария'
        assert site.created_at == datetime(2026, 3, 12, 10, 15, tzinfo=UTC)
        call = leads["Звонок"]
        assert (call.person_name, call.company_name, call.phone_e164) == (
            "Мария Сидорова",
            "ИП Сидорова",
            "+79035554433",
        )
        assert (call.status, call.value, call.currency, call.notes) == (
            "working",
            1_250_000,
            "RUB",
            "Хочет скидку",
        )
        show = leads["Выставка"]
        assert (show.source, show.value) == ("Trade show", 123_456_700)
        assert show.email == "oleg@vector.ru" and show.extra["emails"][0]["value"] == "sales@vector.ru"
        # A source we did not have is added to the list of sources; ours are matched by name.
        sources = list(session.exec(select(LeadSource.name)))
        assert "Звонок" in sources and "Веб-сайт" not in sources
        assert session.exec(select(Lead.source).where(Lead.title == "Звонок")).one() == "Звонок"


def test_importing_the_same_leads_again_changes_nothing(engine: Engine) -> None:
    run(engine, FIXTURES / "bitrix24_leads_cp1251.csv", "leads")
    plan, _ = run(engine, FIXTURES / "bitrix24_leads_cp1251.csv", "leads")
    assert actions(plan) == ["skip"] * 3
    assert all("already here as lead" in planned.reason for planned in plan.records)
    with session_scope(engine) as session:
        assert count(session, Lead) == 3


def test_a_lead_from_a_known_contact_is_flagged_as_a_returning_customer(engine: Engine) -> None:
    with session_scope(engine) as session:
        ivan = contacts.create_contact(
            session,
            contacts.ContactCreate(
                first_name="Иван",
                last_name="Петров",
                company_name="Ромашка",
                emails=[contacts.EmailIn(value="IVAN@romashka.ru")],
            ),
        )
        ivan_id, company_id = ivan.id, ivan.company_id
    plan, _ = run(engine, FIXTURES / "bitrix24_leads_cp1251.csv", "leads")
    first = plan.records[0]
    assert first.action is Action.CREATE
    assert first.reason == "new lead from a returning customer: Иван Петров (same email)"
    with session_scope(engine) as session:
        lead = session.exec(select(Lead).where(Lead.title == "Заявка с сайта")).one()
        assert (lead.contact_id, lead.company_id, lead.status) == (ivan_id, company_id, "new")
        # The new lead shows on the customer's timeline.
        texts = session.exec(select(Event.text).where(Event.contact_id == ivan_id)).all()
        assert any(text.startswith("Lead created: Заявка с сайта (imported from ") for text in texts)


def test_bad_cells_reject_their_rows_and_are_named_by_row_and_column(engine: Engine) -> None:
    plan, _ = run(engine, FIXTURES / "bad_cells.csv", "leads")
    assert actions(plan) == ["create", "reject", "reject", "reject"]
    reasons = [planned.reason for planned in plan.records[1:]]
    assert reasons == [
        "row 3, column 'Next contact': '31.31.2020' is not a date; "
        "row 3, column 'Created': 'yesterday-ish' is not a date",
        "row 4, column 'Email': 'not-an-email@@example..com' is not an email address",
        "row 5, column 'Currency': 'XYZ1' is not a currency we know (write a code: RUB, USD, EUR); "
        "row 5, column 'Amount': 'twelve hundred' is not an amount",
    ]
    with session_scope(engine) as session:
        assert list(session.exec(select(Lead.title))) == ["Good Row"]
        good = session.exec(select(Lead)).one()
        assert (good.value, good.currency, good.next_contact_on) == (123_456, "USD", date(2026, 4, 1))


def test_bad_cells_can_be_left_blank_instead_never_guessed(engine: Engine) -> None:
    plan, _ = run(engine, FIXTURES / "bad_cells.csv", "leads", BadCells.BLANK)
    assert actions(plan) == ["create"] * 4
    assert "row 4, column 'Email': 'not-an-email@@example..com' is not an email address (left blank)" in (
        plan.records[2].warnings
    )
    with session_scope(engine) as session:
        leads = {lead.title: lead for lead in session.exec(select(Lead))}
        # Never silently turned into today or 0: the field stays empty.
        assert leads["Bad Date"].next_contact_on is None
        assert leads["Bad Date"].created_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # the import's time
        assert leads["Bad Email"].email is None
        assert (leads["Bad Amount"].value, leads["Bad Amount"].currency) == (None, "RUB")


def test_a_dry_run_writes_nothing(engine: Engine) -> None:
    plan, _ = run(engine, FIXTURES / "bitrix24_leads_cp1251.csv", "leads", dry_run=True)
    assert plan.counts["create"] == 3
    with session_scope(engine) as session:
        assert count(session, Lead) == 0
        assert "Звонок" not in session.exec(select(LeadSource.name)).all()


def write(tmp_path: Path, text: str, name: str = "rows.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_one_lead_twice_in_a_file_is_merged(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Title,Name,Email,Phone,Notes\n"
        "Website request,Anna Smith,anna@example.com,,first\n"
        "Call back,Anna Smith,ANNA@example.com,+1 555 0100,\n",
    )
    plan, _ = run(engine, path, "leads")
    assert actions(plan) == ["create", "merge"]
    assert plan.records[1].reason == "same lead as row 2"
    with session_scope(engine) as session:
        lead = session.exec(select(Lead)).one()
        assert (lead.title, lead.email, lead.phone, lead.notes) == (
            "Website request",
            "anna@example.com",
            "+1 555 0100",
            "first",
        )


def test_a_row_that_adds_to_a_lead_updates_it_and_undo_takes_it_back(engine: Engine, tmp_path: Path) -> None:
    run(engine, write(tmp_path, "Title,Email\nWebsite request,anna@example.com\n", "a.csv"), "leads")
    richer = write(tmp_path, "Title,Email,Phone,Company\nWebsite request,anna@example.com,+1 555 0100,Acme\n")
    plan, batch_id = run(engine, richer, "leads")
    assert actions(plan) == ["update"]
    assert plan.records[0].reason == "already here as lead 1: adds company_name, phone"
    with session_scope(engine) as session:
        lead = session.exec(select(Lead)).one()
        assert (lead.company_name, lead.phone, lead.phone_e164) == ("Acme", "+1 555 0100", "+15550100")
    with session_scope(engine) as session:
        undo_batch(session, batch_id or 0)
    with session_scope(engine) as session:
        lead = session.exec(select(Lead)).one()
        assert (lead.company_name, lead.phone, lead.phone_e164) == ("", None, None)


def test_leads_without_email_or_phone_are_known_by_title_person_and_company(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "Title,Name,Company\n"
        "Заявка с сайта,Анна Петрова,ООО «Ромашка»\n"
        "Заказ 🚀,Bob Lee,\n"
        "Звонок,Олег,Вектор\n",
    )
    first, _ = run(engine, path, "leads")
    assert actions(first) == ["create"] * 3
    with session_scope(engine) as session:
        archived = session.exec(select(Lead).where(Lead.title == "Звонок")).one()
        archive_lead(session, archived.id or 0)
    again, _ = run(engine, path, "leads")
    # Matched whatever the letters (the keys travel to SQLite as JSON); an archived lead is
    # not matched, so its row is a new lead again.
    assert actions(again) == ["skip", "skip", "create"]
    assert again.records[0].reason == "already here as lead 1: nothing new"
    with session_scope(engine) as session:
        created = session.exec(select(Lead).where(col(Lead.id) > 3)).all()
        assert [lead.title for lead in created] == ["Звонок"]


def test_a_key_with_a_nul_character_still_matches(engine: Engine) -> None:
    # The keys go to SQLite as a JSON array, whose reader would cut this one at the NUL (a
    # NUL past a file's first 64 KB reaches a cell).
    odd = "odd\x00one@example.com"
    with session_scope(engine) as session:
        create_lead(session, LeadBase(title="Odd", email=odd))
        row = ImportedLead(number=2, line=2, title="Odd", emails=[ImportedEmail(odd)])
        plan = plan_rows(session, [row], "rows.csv", "leads")
        assert [planned.reason for planned in plan.records] == ["already here as lead 1: nothing new"]


def test_the_leads_of_one_import_and_their_events_are_stamped_with_one_moment(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(NOW_ENV_VAR)  # a running clock: the rows are not written at one instant
    run(engine, write(tmp_path, "Title,Email\nOne,one@example.com\nTwo,two@example.com\n"), "leads")
    with session_scope(engine) as session:
        assert len({lead.updated_at for lead in session.exec(select(Lead))}) == 1
        assert len({event.at for event in session.exec(select(Event))}) == 1


def test_statuses_map_to_ours_and_an_unknown_one_is_reported(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Title,Status\nA,В работе\nB,Некачественный лид\nC,Someday maybe\n",
    )
    plan, _ = run(engine, path, "leads")
    assert plan.records[2].warnings == [
        "row 4: status 'Someday maybe' is not one we know "
        "(new, working, converted, disqualified): imported as new"
    ]
    with session_scope(engine) as session:
        statuses = dict(session.exec(select(Lead.title, Lead.status)).all())
        assert statuses == {"A": "working", "B": "disqualified", "C": "new"}
        reason = session.exec(select(Lead.disqualify_reason).where(Lead.title == "B")).one()
        assert reason == "imported as 'Некачественный лид'"
    # Without an email or phone, a lead is known again by its title, person and company.
    again, _ = run(engine, path, "leads")
    assert actions(again) == ["skip"] * 3


def test_undo_of_a_lead_import_removes_its_leads(engine: Engine) -> None:
    _, batch_id = run(engine, FIXTURES / "bitrix24_leads_cp1251.csv", "leads")
    with session_scope(engine) as session:
        undo_batch(session, batch_id or 0)
    with session_scope(engine) as session:
        assert count(session, Lead) == 0


# ---------------------------------------------------------------- companies


def test_companies_are_created_then_filled_in_never_duplicated(engine: Engine, tmp_path: Path) -> None:
    plan, _ = run(engine, FIXTURES / "bitrix24_companies.csv", "companies")
    assert actions(plan) == ["create"]
    with session_scope(engine) as session:
        company = session.exec(select(Company)).one()
        assert (company.name, company.industry, company.website, company.phone, company.email) == (
            "ООО Ромашка",
            "Производство",
            "https://romashka.example",
            "+7 495 123-45-67",
            "info@romashka.ru",
        )
        company.website = company.notes = None
    more = write(tmp_path, "Company,Website,Notes\nооо ромашка,https://romashka.ru,Big client\nNew Co,,\n")
    plan, batch_id = run(engine, more, "companies")
    assert actions(plan) == ["update", "create"]
    assert plan.records[0].reason == "already here as company 1: adds website, notes"
    with session_scope(engine) as session:
        assert count(session, Company) == 2
        company = session.get(Company, 1)
        assert company is not None and (company.website, company.notes) == (
            "https://romashka.ru",
            "Big client",
        )
        undo_batch(session, batch_id or 0)
    with session_scope(engine) as session:
        assert count(session, Company) == 1
        company = session.get(Company, 1)
        assert company is not None and (company.website, company.notes) == (None, None)


def test_a_company_keeps_every_phone_and_email(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "Company,Phone,Email\nAcme,+1 555 0100; +1 555 0101,a@acme.com; b@acme.com\n")
    run(engine, path, "companies")
    with session_scope(engine) as session:
        company = session.exec(select(Company)).one()
        assert (company.phone, company.email) == ("+1 555 0100", "a@acme.com")
        assert company.notes == "Also: +1 555 0101, b@acme.com"


# ---------------------------------------------------------------- deals


def test_bitrix24_deals_find_their_stage_company_and_contact(engine: Engine) -> None:
    run(engine, FIXTURES / "bitrix24_companies.csv", "companies")
    plan, _ = run(engine, FIXTURES / "bitrix24_deals.csv", "deals")
    assert actions(plan) == ["create", "create"]
    assert plan.records[0].reason == "new deal in Negotiation; new contact 'Иван Петров'"
    assert plan.records[1].reason == "new deal in New; new company 'АО Вектор'"
    with session_scope(engine) as session:
        deals = {deal.title: deal for deal in session.exec(select(Deal))}
        supply = deals["Поставка оборудования"]
        stage = session.get(Stage, supply.stage_id)
        assert stage is not None and stage.name == "Negotiation"
        assert (supply.amount, supply.currency, supply.expected_close_on) == (
            150_000_050,
            "RUB",
            date(2026, 4, 30),
        )
        assert supply.company_id == 1  # the company imported before, found by name
        ivan = session.get(Contact, supply.contact_id)
        assert ivan is not None and (ivan.full_name, ivan.company_id) == ("Иван Петров", 1)
        service = deals["Сервисный контракт"]
        vector = session.get(Company, service.company_id)
        assert vector is not None and vector.name == "АО Вектор"
        assert (service.amount, service.currency) == (1_200_000, "USD")
    again, _ = run(engine, FIXTURES / "bitrix24_deals.csv", "deals")
    assert actions(again) == ["skip", "skip"]
    with session_scope(engine) as session:
        assert (count(session, Deal), count(session, Contact), count(session, Company)) == (2, 1, 2)


def test_an_unknown_stage_rejects_the_row_or_goes_to_the_first_stage(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "Title,Stage,Amount\nBig one,Счёт выставлен,100\nWon one,Сделка успешна,50\n")
    plan, _ = run(engine, path, "deals")
    assert actions(plan) == ["reject", "create"]
    assert plan.records[0].reason.startswith("row 2: stage 'Счёт выставлен' is not one of ours (")
    with session_scope(engine) as session:
        won = session.exec(select(Deal)).one()
        assert won.closed_at is not None
        stage = session.get(Stage, won.stage_id)
        assert stage is not None and stage.kind == "won"
    plan, _ = run(engine, path, "deals", BadCells.BLANK)
    assert actions(plan) == ["create", "skip"]
    assert plan.records[0].warnings[0].endswith(": put in New")


def test_undo_of_a_deal_import_removes_the_deals_and_the_people_it_made(engine: Engine) -> None:
    _, batch_id = run(engine, FIXTURES / "bitrix24_deals.csv", "deals")
    with session_scope(engine) as session:
        assert (count(session, Deal), count(session, Contact), count(session, Company)) == (2, 1, 2)
        undo_batch(session, batch_id or 0)
    with session_scope(engine) as session:
        assert (count(session, Deal), count(session, Contact), count(session, Company)) == (0, 0, 0)


def test_a_vcard_cannot_be_imported_as_leads(engine: Engine) -> None:
    from crm_tui.errors import UnreadableInput

    vcard = Path(__file__).parent.parent / "fixtures" / "vcard" / "cli-three-cards-one-broken.vcf"
    with session_scope(engine) as session, pytest.raises(UnreadableInput, match="--into leads is for CSV"):
        plan_file(session, vcard, None, ImportOptions(into="leads"))


def test_csv_contacts_with_a_bad_cell_follow_the_same_choice(engine: Engine) -> None:
    plan, _ = run(engine, FIXTURES / "bad_cells.csv", "contacts")
    assert actions(plan) == ["create", "reject", "reject", "create"]
    assert plan.records[1].reason == "row 3, column 'Birthday': '31.31.2020' is not a date"
    assert (
        plan.records[2].reason
        == "row 4, column 'Email': 'not-an-email@@example..com' is not an email address"
    )
    with session_scope(engine) as session:
        names = session.exec(select(Contact.full_name).order_by(col(Contact.id))).all()
        assert names == ["Good Row", "Bad Amount"]


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("bitrix24_leads_cp1251.csv", "leads"),
        ("bitrix24_deals.csv", "deals"),
        ("bitrix24_companies.csv", "companies"),
        ("bitrix24_contacts.csv", "contacts"),
        ("google_new.csv", "contacts"),
        ("utf8_plain.csv", "contacts"),
    ],
)
def test_without_into_a_file_goes_where_its_export_belongs(engine: Engine, name: str, target: str) -> None:
    with session_scope(engine) as session:
        plan = plan_file(session, FIXTURES / name, None, ImportOptions())
        session.rollback()
    assert plan.target == target
    assert plan.mapping is not None and plan.mapping.target == target
