"""Column mapping: presets recognised from headers, the best guess, saved mappings."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from crm_tui.errors import ValidationError
from crm_tui.io.csv_read import read_rows, sniff_csv
from crm_tui.io.csv_write import COLUMNS, write_csv
from crm_tui.io.mapping import (
    FIELDS,
    IGNORE,
    PRESETS,
    TARGETS,
    Mapping,
    field_choices,
    guess_mapping,
    mapping_for,
    recognise_preset,
    row_to_contact,
    row_to_lead,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "csv"


def header_of(name: str) -> list[str]:
    return sniff_csv(FIXTURES / name).header


@pytest.mark.parametrize(
    ("name", "preset"),
    [
        ("google_legacy.csv", "Google Contacts (legacy)"),
        ("google_new.csv", "Google Contacts"),
        ("outlook.csv", "Outlook"),
        ("thunderbird.csv", "Thunderbird"),
        ("yahoo.csv", "Yahoo"),
        ("palm_headerless.csv", "Palm Desktop"),
        ("bitrix24_leads_cp1251.csv", "Bitrix24 leads"),
        ("bitrix24_deals.csv", "Bitrix24 deals"),
        ("bitrix24_contacts.csv", "Bitrix24 contacts"),
        ("bitrix24_companies.csv", "Bitrix24 companies"),
        ("utf8_plain.csv", None),
        ("utf8_bom_russian.csv", None),
        ("ragged.csv", None),
    ],
)
def test_presets_are_recognised_from_the_header(name: str, preset: str | None) -> None:
    for target in TARGETS:
        recognised = recognise_preset(header_of(name), target)
        assert (recognised[0] if recognised else None) == preset
        assert mapping_for(header_of(name), target).preset == preset


def test_a_preset_maps_into_any_target() -> None:
    header = header_of("bitrix24_leads_cp1251.csv")
    leads = mapping_for(header, "leads")
    contacts = mapping_for(header, "contacts")
    companies = mapping_for(header, "companies")
    deals = mapping_for(header, "deals")
    assert leads.field_of("Название компании") == "company_name"
    assert contacts.field_of("Название компании") == "company"
    assert companies.field_of("Название компании") == "name"
    assert deals.field_of("Название компании") == "company"
    assert leads.field_of("Название лида") == "title"
    assert contacts.field_of("Название лида") == IGNORE
    assert deals.field_of("Сумма") == "amount"
    assert leads.field_of("Сумма") == "value"
    assert contacts.field_of("Мобильный телефон") == "phone:cell"
    assert companies.field_of("Мобильный телефон") == "phone"  # a company's phone has no kind
    assert leads.field_of("ID") == IGNORE
    assert leads.field_of("Ответственный") == IGNORE


def test_columns_a_preset_does_not_know_are_guessed() -> None:
    header = [*header_of("outlook.csv"), "Lead Source", "Deal value"]
    mapping = mapping_for(header, "leads")
    assert mapping.preset == "Outlook"
    assert mapping.field_of("Lead Source") == "source"
    assert mapping.field_of("Deal value") == "value"
    assert mapping.field_of("Title") == IGNORE  # Outlook's Title is "Mr."
    assert mapping.day_first is False


def test_google_value_columns_are_paired_with_their_type_or_label_column() -> None:
    legacy = mapping_for(header_of("google_legacy.csv"), "contacts")
    assert legacy.kind_columns["E-mail 1 - Value"] == "E-mail 1 - Type"
    assert legacy.kind_columns["Address 1 - City"] == "Address 1 - Type"
    new = mapping_for(header_of("google_new.csv"), "contacts")
    assert new.kind_columns["Phone 1 - Value"] == "Phone 1 - Label"
    assert new.field_of("Labels") == "tags"
    assert new.field_of("Address 1 - Formatted") == IGNORE  # the parts are there


@pytest.mark.parametrize(
    ("header", "target", "field"),
    [
        ("Full Name", "contacts", "full_name"),
        ("name", "contacts", "full_name"),
        ("ФИО", "contacts", "full_name"),
        ("Ф.И.О.", "leads", "person_name"),
        ("Контактное лицо", "leads", "person_name"),
        ("First name", "contacts", "first_name"),
        ("Имя", "contacts", "first_name"),
        ("Given Name", "leads", "first_name"),
        ("Surname", "contacts", "last_name"),
        ("фамилия", "contacts", "last_name"),
        ("Отчество", "contacts", "middle_name"),
        ("E-mail", "contacts", "email"),
        ("EMAIL", "leads", "email"),
        ("Электронная почта", "contacts", "email"),
        ("Рабочий e-mail", "contacts", "email:work"),
        ("Personal Email", "contacts", "email:home"),
        ("Phone", "contacts", "phone"),
        ("Tel.", "leads", "phone"),
        ("Mobile", "contacts", "phone:cell"),
        ("Мобильный телефон", "leads", "phone:cell"),
        ("Телефон", "contacts", "phone"),
        ("Work phone", "contacts", "phone:work"),
        ("Fax", "contacts", "phone:fax"),
        ("Company", "contacts", "company"),
        ("Organization", "leads", "company_name"),
        ("Организация", "contacts", "company"),
        ("Компания", "deals", "company"),
        ("Company", "companies", "name"),
        ("Name", "companies", "name"),
        ("Job Title", "contacts", "title"),
        ("Title", "contacts", "title"),
        ("Title", "leads", "title"),
        ("Должность", "contacts", "title"),
        ("Должность", "leads", IGNORE),
        ("Source", "leads", "source"),
        ("Источник", "leads", "source"),
        ("Status", "leads", "status"),
        ("Стадия", "leads", "status"),
        ("Стадия сделки", "deals", "stage"),
        ("Amount", "deals", "amount"),
        ("Value", "leads", "value"),
        ("Сумма", "leads", "value"),
        ("Currency", "deals", "currency"),
        ("Comment", "leads", "notes"),
        ("Примечание", "contacts", "notes"),
        ("Комментарий", "deals", "notes"),
        ("Notes", "companies", "notes"),
        ("Birthday", "contacts", "birthday"),
        ("Дата рождения", "contacts", "birthday"),
        ("City", "contacts", "city"),
        ("Home City", "contacts", "city:home"),
        ("Адрес", "contacts", "street"),
        ("Адрес", "companies", "address"),
        ("Website", "companies", "website"),
        ("Industry", "companies", "industry"),
        ("Next contact", "leads", "next_contact_on"),
        ("Дата создания", "leads", "created_at"),
        ("Expected close date", "deals", "expected_close_on"),
        ("Контакт", "deals", "contact"),
        ("Tags", "contacts", "tags"),
        ("Nickname", "contacts", IGNORE),
        ("E-mail Display Name", "contacts", IGNORE),
        ("Assistant's Phone", "contacts", IGNORE),
        ("Manager's Name", "contacts", IGNORE),
        ("ID", "leads", IGNORE),
        ("Favourite colour", "contacts", IGNORE),
        ("メール", "contacts", "email"),
    ],
)
def test_guessing_a_column_from_its_header(header: str, target: str, field: str) -> None:
    assert guess_mapping([header], target).field_of(header) == field


def test_a_bare_title_next_to_a_job_title_is_the_honorific() -> None:
    mapping = guess_mapping(["Title", "First Name", "Last Name", "Job Title"], "contacts")
    assert mapping.field_of("Title") == IGNORE
    assert mapping.field_of("Job Title") == "title"


def test_every_guess_and_preset_field_exists_in_its_target() -> None:
    for target in TARGETS:
        for preset in PRESETS:
            columns = list(preset.columns)
            mapping = mapping_for(columns, target)  # validates every field
            assert set(mapping.columns.values()) <= set(field_choices(target))


def test_field_choices_list_kinds_after_their_field() -> None:
    choices = field_choices("contacts")
    assert choices[0] == IGNORE
    assert choices.index("phone") < choices.index("phone:cell") < choices.index("street")
    assert "email:work" in choices
    assert field_choices("companies") == [IGNORE, *FIELDS["companies"]]


def test_a_mapping_is_saved_and_loaded_as_json() -> None:
    mapping = mapping_for(header_of("google_legacy.csv"), "leads")
    loaded = Mapping.from_json(mapping.to_json())
    assert loaded == mapping
    assert '"Организация"' in Mapping("contacts", {"Организация": "company"}).to_json()  # readable


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "needs a .target."),
        ('{"target": "spaceships"}', "unknown target"),
        ('{"target": "leads", "columns": {"Name": "shoe_size"}}', "no field 'shoe_size'"),
        ('{"target": "leads", "columns": {"Name": "phone:satellite"}}', "no field 'phone:satellite'"),
        ('{"target": "leads", "columns": ["Name"]}', "must map column names"),
    ],
)
def test_a_broken_saved_mapping_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Mapping.from_json(text)


def test_a_saved_mapping_applies_to_a_file_with_other_columns() -> None:
    mapping = Mapping("contacts", {"Who": "full_name", "Mail": "email"})
    contact = row_to_contact(2, {"Who": "Ann Lee", "Mail": "ann@example.com", "Extra": "x"}, mapping)
    assert (contact.first_name, contact.last_name) == ("Ann", "Lee")
    assert [email.value for email in contact.emails] == ["ann@example.com"]


def test_our_own_csv_export_reads_back_through_its_preset(tmp_path: Path) -> None:
    record = {
        "id": 7,
        "title": '=HYPERLINK("http://evil")',
        "name": "Иван Петров",
        "company": "ООО Ромашка",
        "email": "ivan@example.ru",
        "phone": "+7 495 123-45-67",
        "source": "Сайт",
        "status": "new",
        "value": 1500.5,
        "currency": "RUB",
        "notes": "-5% discount",
        "next_contact_on": "2026-12-01",
        "created_at": "2026-11-20T09:00:00+00:00",
    }
    out = io.StringIO()
    write_csv(out, "leads", [record], delimiter=";")
    path = tmp_path / "leads.csv"
    path.write_bytes(out.getvalue().encode("utf-8-sig"))
    fmt = sniff_csv(path)
    mapping = mapping_for(fmt.header, "leads")
    assert mapping.preset == "crm-tui leads"
    [(number, row)] = list(read_rows(path, fmt))
    lead = row_to_lead(number, row, mapping)
    assert lead.title == record["title"]  # the apostrophe that disarmed it is gone again
    assert lead.notes == "-5% discount"
    assert (lead.person_name, lead.company_name) == ("Иван Петров", "ООО Ромашка")
    assert (lead.value_minor, lead.currency) == (150050, "RUB")
    assert str(lead.next_contact_on) == "2026-12-01"
    assert lead.created_at is not None and lead.created_at.isoformat() == record["created_at"]
    assert not lead.errors


@pytest.mark.parametrize("kind", ["contacts", "leads", "companies", "deals"])
def test_own_export_presets_follow_the_writer(kind: str) -> None:
    header = [name for name, _ in COLUMNS[kind]]
    recognised = recognise_preset(header, kind)
    assert recognised is not None and recognised[0] == f"crm-tui {kind}"
    assert all(name in recognised[1].columns for name in header)
