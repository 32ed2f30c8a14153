"""Rows to records: contacts, leads, companies and deals from each kind of file, and bad
cells reported by row and column."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from crm_tui.io.contact_record import NO_YEAR, ImportedContact
from crm_tui.io.csv_read import ROW_ERROR_KEY, read_rows, sniff_csv
from crm_tui.io.mapping import (
    ImportedCompany,
    ImportedDeal,
    ImportedLead,
    Mapping,
    mapping_for,
    row_to_company,
    row_to_contact,
    row_to_deal,
    row_to_lead,
    row_to_record,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "csv"


def contacts(name: str) -> list[ImportedContact]:
    path = FIXTURES / name
    fmt = sniff_csv(path)
    mapping = mapping_for(fmt.header, "contacts")
    return [row_to_contact(number, row, mapping) for number, row in read_rows(path, fmt)]


def leads(name: str) -> list[ImportedLead]:
    path = FIXTURES / name
    fmt = sniff_csv(path)
    mapping = mapping_for(fmt.header, "leads")
    return [row_to_lead(number, row, mapping) for number, row in read_rows(path, fmt)]


def emails(record: ImportedContact | ImportedLead) -> list[tuple[str, str]]:
    return [(email.value, email.kind) for email in record.emails]


def phones(record: ImportedContact | ImportedLead) -> list[tuple[str, str]]:
    return [(phone.value, phone.kind) for phone in record.phones]


def test_bitrix24_cp1251_leads_land_in_the_right_fields() -> None:
    first, second, third = leads("bitrix24_leads_cp1251.csv")
    assert (first.number, first.line) == (2, 2)
    assert first.title == "Заявка с сайта"
    assert first.person_name == "Иван Сергеевич Петров"
    assert (first.first_name, first.middle_name, first.last_name) == ("Иван", "Сергеевич", "Петров")
    assert first.company_name == 'ООО "Ромашка"'
    assert phones(first) == [("+7 (495) 123-45-67", "work"), ("+7 916 000-11-22", "cell")]
    assert emails(first) == [("ivan@romashka.ru", "work"), ("petrov@mail.ru", "home")]
    assert (first.source, first.status) == ("Веб-сайт", "Новый")
    assert (first.value_minor, first.currency) == (15_000_000, "RUB")
    assert first.notes == 'Перезвонить после обеда; интересует тариф "Бизнес"\nВторая строка комментария'
    assert first.created_at == datetime(2026, 3, 12, 10, 15)
    assert not first.errors and not first.warnings
    # "12 500 руб." with an empty currency column: the amount says which currency.
    assert (second.value_minor, second.currency) == (1_250_000, "RUB")
    assert second.person_name == "Мария Сидорова"
    assert emails(third) == [("oleg@vector.ru", "work"), ("sales@vector.ru", "work")]
    assert third.value_minor == 123_456_700


def test_bad_cells_are_reported_by_row_and_column_and_left_empty() -> None:
    good, bad_date, bad_email, bad_amount = leads("bad_cells.csv")
    assert not good.errors
    assert (good.value_minor, good.currency, good.next_contact_on) == (123_456, "USD", date(2026, 4, 1))
    assert bad_date.errors == [
        "row 3, column 'Next contact': '31.31.2020' is not a date",
        "row 3, column 'Created': 'yesterday-ish' is not a date",
    ]
    assert bad_date.next_contact_on is None and bad_date.created_at is None  # not today
    assert bad_date.value_minor == 10_000  # the row's good cells still count
    # An email the services will refuse is only passed on: judging it is not the reader's job.
    assert emails(bad_email) == [("not-an-email@@example..com", "other")]
    assert not bad_email.errors
    assert bad_amount.errors == [
        "row 5, column 'Currency': 'XYZ1' is not a currency we know (write a code: RUB, USD, EUR)",
        "row 5, column 'Amount': 'twelve hundred' is not an amount",
    ]
    assert bad_amount.value_minor is None  # not 0
    assert bad_amount.currency is None


def test_a_bad_birthday_is_an_error_on_the_contact() -> None:
    rows = contacts("bad_cells.csv")
    assert rows[0].birthday == date(1980, 1, 31)
    assert rows[1].birthday is None
    assert rows[1].errors == ["row 3, column 'Birthday': '31.31.2020' is not a date"]


def test_an_amount_with_too_many_decimals_is_not_rounded() -> None:
    mapping = Mapping("deals", {"Deal": "title", "Sum": "amount", "Cur": "currency"})
    deal = row_to_deal(9, {"Deal": "X", "Sum": "12,345", "Cur": "RUB"}, mapping)
    assert deal.amount_minor == 1_234_500  # "12,345" groups thousands
    deal = row_to_deal(9, {"Deal": "X", "Sum": "0.125", "Cur": "RUB"}, mapping)
    assert deal.amount_minor is None
    assert deal.errors == ["row 9, column 'Sum': '0.125' has more than 2 decimal places"]


def test_a_currency_written_twice_differently_is_a_warning() -> None:
    mapping = Mapping("leads", {"Value": "value", "Currency": "currency"})
    lead = row_to_lead(4, {"Value": "$100", "Currency": "EUR"}, mapping)
    assert (lead.value_minor, lead.currency) == (10_000, "EUR")
    assert lead.warnings == ["row 4, column 'Value': '$100' is in USD but the currency column says EUR"]


def test_google_legacy_contacts() -> None:
    jane, bob = contacts("google_legacy.csv")
    assert (jane.first_name, jane.middle_name, jane.last_name) == ("Jane", "Q", "Public")
    assert jane.display_name == "Jane Q Public"
    assert emails(jane) == [
        ("jane@work.example", "work"),
        ("jane.public@work.example", "work"),
        ("jane@home.example", "home"),
    ]
    assert [email.primary for email in jane.emails] == [True, False, False]  # "* Work"
    assert phones(jane) == [("+1 555 0101", "cell"), ("+1 555 0102", "cell"), ("+1 555 0199", "fax")]
    [address] = jane.addresses
    assert (address.kind, address.street, address.city, address.postcode) == (
        "home",
        "1 Main St",
        "Springfield",
        "62701",
    )
    assert (jane.company, jane.title) == ("Public Corp", "Director")
    assert jane.tags == ["Friends", "Clients"]
    assert jane.birthday == date(1979, 11, 2)
    assert bob.birthday == date(NO_YEAR, 7, 4)
    assert emails(bob) == [("bob@example.com", "other")]
    assert bob.tags == []


def test_google_new_contacts() -> None:
    [lena] = contacts("google_new.csv")
    assert (lena.first_name, lena.last_name) == ("Lena", "Schmidt")
    assert (lena.company, lena.title, lena.department) == ("Beispiel GmbH", "Einkauf", "Purchasing")
    assert emails(lena) == [("lena@beispiel.example", "work"), ("lena@privat.example", "home")]
    assert phones(lena) == [("+49 170 1234567", "cell"), ("+49 30 1234567", "cell")]
    assert lena.tags == ["Partners"]
    assert lena.addresses[0].kind == "work" and lena.addresses[0].city == "Berlin"


def test_outlook_contacts() -> None:
    john, mary = contacts("outlook.csv")
    assert (john.first_name, john.middle_name, john.last_name) == ("John", "Paul", "Smith")
    assert (john.company, john.department, john.title) == ("Contoso Ltd", "Sales", "Account Manager")
    assert emails(john) == [("john.smith@contoso.example", "other"), ("jsmith@home.example", "other")]
    assert phones(john) == [
        ("(425) 555-0100", "work"),
        ("(425) 555-0111", "home"),
        ("(425) 555-0122", "cell"),
        ("(425) 555-0133", "fax"),
    ]
    assert john.birthday == date(1980, 3, 4)  # Outlook's 3/4/1980 is March 4th
    assert john.tags == ["Customers", "VIP"]
    assert john.notes == "Prefers email.\nCall after 3pm."
    assert john.addresses[0].country == "United States of America"
    assert mary.birthday is None and not mary.warnings  # 0/0/00 means "none"


def test_thunderbird_contacts() -> None:
    max_, erika, broken = contacts("thunderbird.csv")
    assert (max_.first_name, max_.last_name, max_.display_name) == ("Max", "Mustermann", "Max Mustermann")
    assert emails(max_) == [("max@example.de", "other"), ("max.m@example.org", "other")]
    assert phones(max_) == [("+49 30 111111", "work"), ("+49 171 222222", "cell")]
    assert (max_.company, max_.title, max_.department) == ("Beispiel AG", "Entwickler", "IT")
    assert max_.birthday == date(1982, 7, 23)
    assert erika.birthday == date(NO_YEAR, 12, 24)
    assert broken.birthday is None
    assert broken.errors == [
        "row 4, columns 'Birth Year', 'Birth Month', 'Birth Day': '1982-13-40' is not a date"
    ]


def test_yahoo_contacts() -> None:
    [yolanda] = contacts("yahoo.csv")
    assert (yolanda.first_name, yolanda.last_name) == ("Yolanda", "Yahooson")
    assert emails(yolanda) == [("yolanda@yahoo.example", "other"), ("yolanda@alt.example", "other")]
    assert phones(yolanda) == [("+1 555 0201", "home"), ("+1 555 0202", "work"), ("+1 555 0203", "cell")]
    assert (yolanda.company, yolanda.title, yolanda.notes) == (
        "Example Press",
        "Editor",
        "Met at a conference",
    )
    assert yolanda.tags == ["Friends"]


def test_palm_contacts_without_a_header() -> None:
    [jane] = contacts("palm_headerless.csv")
    assert (jane.number, jane.first_name, jane.last_name, jane.company) == (1, "Jane", "Doe", "Doe Inc")
    assert emails(jane) == [("jane@doe.example", "other")]
    assert phones(jane)[0] == ("555-0500", "work")
    assert jane.tags == ["Business"]


def test_guessed_files_split_full_names_and_several_emails() -> None:
    zoe, anna = contacts("utf8_plain.csv")
    assert (zoe.first_name, zoe.last_name, zoe.display_name) == ("Zoë", "Åberg", "Zoë Åberg")
    assert (anna.first_name, anna.last_name) == ("Anna", "Smith")  # "Smith, Anna"
    assert emails(anna) == [("anna@example.org", "other"), ("anna.smith@example.net", "other")]
    assert anna.birthday == date(NO_YEAR, 5, 21)
    ivan, anna_ru = contacts("utf8_bom_russian.csv")
    assert (ivan.last_name, ivan.first_name, ivan.middle_name) == ("Петров", "Иван", "Сергеевич")
    assert (anna_ru.last_name, anna_ru.first_name) == ("Сидорова", "Анна")  # ФИО: family name first
    assert (ivan.company, ivan.title, ivan.notes) == ("ООО Ромашка", "Директор", "Позвонить в понедельник")
    kim, asa = contacts("utf16le_bom.csv")
    assert phones(kim) == [("+82 10 1234 5678", "cell")]
    assert asa.first_name == "Åsa"
    ada, _ = contacts("tab_separated.tsv")
    assert ada.notes == "likes\ttabs"
    taro, _ = contacts("shift_jis.csv")
    assert (taro.first_name, taro.company, emails(taro)) == (
        "山田太郎",
        "株式会社テスト",
        [("taro@example.jp", "other")],
    )


def test_bitrix24_contacts_deals_and_companies() -> None:
    [ivan] = contacts("bitrix24_contacts.csv")
    assert (ivan.first_name, ivan.middle_name, ivan.last_name) == ("Иван", "Сергеевич", "Петров")
    assert ivan.birthday == date(1985, 3, 12)
    assert (ivan.company, ivan.title) == ("ООО Ромашка", "Директор")
    path = FIXTURES / "bitrix24_deals.csv"
    fmt = sniff_csv(path)
    mapping = mapping_for(fmt.header, "deals")
    supply, service = (row_to_record(number, row, mapping) for number, row in read_rows(path, fmt))
    assert isinstance(supply, ImportedDeal) and isinstance(service, ImportedDeal)
    assert (supply.title, supply.stage, supply.amount_minor, supply.currency) == (
        "Поставка оборудования",
        "Переговоры",
        150_000_050,
        "RUB",
    )
    assert (supply.company, supply.contact, supply.expected_close_on) == (
        "ООО Ромашка",
        "Иван Петров",
        date(2026, 4, 30),
    )
    assert (service.amount_minor, service.currency, service.contact) == (1_200_000, "USD", None)
    path = FIXTURES / "bitrix24_companies.csv"
    fmt = sniff_csv(path)
    mapping = mapping_for(fmt.header, "companies")
    [(number, row)] = list(read_rows(path, fmt))
    company = row_to_company(number, row, mapping)
    assert isinstance(company, ImportedCompany)
    assert (company.name, company.industry, company.website) == (
        "ООО Ромашка",
        "Производство",
        "https://romashka.example",
    )
    assert [phone.value for phone in company.phones] == ["+7 495 123-45-67"]
    assert [email.value for email in company.emails] == ["info@romashka.ru"]
    assert company.address == "Москва, ул. Ленина, 1"


def test_a_row_the_reader_could_not_split_is_reported() -> None:
    mapping = Mapping("contacts", {"Name": "full_name"})
    contact = row_to_contact(
        6, {"Name": "", ROW_ERROR_KEY: "the row could not be split into cells: x"}, mapping
    )
    assert contact.errors == ["row 6: the row could not be split into cells: x"]
    assert not contact.has_substance()


def test_an_organisation_row_is_a_company_card() -> None:
    mapping = Mapping("contacts", {"Org": "company", "Mail": "email"})
    contact = row_to_contact(2, {"Org": "Acme", "Mail": "info@acme.example"}, mapping)
    assert contact.is_company
    assert contact.has_substance()


def test_one_number_in_two_columns_is_one_phone_unless_one_is_a_fax() -> None:
    mapping = Mapping("contacts", {"Mobile": "phone:cell", "Main": "phone:main", "Fax": "phone:fax"})
    row = {"Mobile": "+7 916 000-11-22", "Main": "+7 (916) 000 11 22", "Fax": "+7 916 000-11-22"}
    contact = row_to_contact(2, row, mapping)
    assert phones(contact) == [("+7 916 000-11-22", "cell"), ("+7 916 000-11-22", "fax")]
