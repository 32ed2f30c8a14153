"""The contacts and companies lists: search as you type, filters, sorting, smart lists."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from crm_tui.dates import utcnow
from crm_tui.errors import ValidationError
from crm_tui.services import activities, contact_list, contacts, deals
from crm_tui.services.company_list import count_companies, list_companies
from crm_tui.services.contact_list import ContactFilter, SortOrder, filter_from_form
from crm_tui.services.health import Light, contacts_health


def add(session: Session, first: str, last: str, **more: object) -> int:
    fields = {key: value for key, value in more.items() if key in contacts.ContactCreate.model_fields}
    contact = contacts.create_contact(
        session,
        contacts.ContactCreate(first_name=first, last_name=last, **fields),  # type: ignore[arg-type]
    )
    return contact.id or 0


@pytest.fixture
def people(session: Session) -> dict[str, int]:
    ids = {
        "petrov": add(
            session,
            "Иван",
            "Петров",
            company_name="ООО «Ромашка»",
            title="Директор",
            emails=[contacts.EmailIn(value="petrov@romashka.ru")],
            tags=["VIP"],
            next_contact_on=date(2026, 11, 25),
        ),
        "semenova": add(
            session,
            "Ольга",
            "Семёнова",
            company_name="Вектор",
            phones=[contacts.PhoneIn(value="+7 916 123-45-67")],
        ),
        "smith": add(session, "Jane", "Smith", company_name="Acme Corp", tags=["vip", "partner"]),
        "zorn": add(session, "Anna", "Zorn"),
    }
    contacts.touch(session, ids["smith"], utcnow() - timedelta(days=2))
    contacts.touch(session, ids["petrov"], utcnow() - timedelta(days=45))
    session.flush()
    return ids


def names(session: Session, wanted: ContactFilter) -> list[str]:
    return [row.full_name for row in contact_list.list_contacts(session, wanted)]


def test_everyone_in_name_order_with_phone_email_and_tags(session: Session, people: dict[str, int]) -> None:
    rows = contact_list.list_contacts(session, ContactFilter())
    # By last name, folded: Latin letters sort before Cyrillic ones.
    assert [row.full_name for row in rows] == ["Jane Smith", "Anna Zorn", "Иван Петров", "Ольга Семёнова"]
    by_name = {row.full_name: row for row in rows}
    assert by_name["Иван Петров"].email == "petrov@romashka.ru"
    assert by_name["Ольга Семёнова"].phone == "+7 916 123-45-67"
    assert set(by_name["Jane Smith"].tags.split(", ")) == {"partner", "VIP"}  # one tag in any case
    assert contact_list.count_contacts(session, ContactFilter()) == 4


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("петр", ["Иван Петров"]),  # lowercase Cyrillic finds the capitalised name
        ("ПЕТРОВ", ["Иван Петров"]),
        ("семенова", ["Ольга Семёнова"]),  # ё folds to е, as in the global search
        ("ромашка", ["Иван Петров"]),  # the company's name
        ("916", ["Ольга Семёнова"]),  # phone digits
        ("jane sm", ["Jane Smith"]),  # every word a prefix
        ("partner", ["Jane Smith"]),  # a tag
        ("nobody", []),
    ],
)
def test_search_as_you_type_uses_the_global_search_rules(
    session: Session, people: dict[str, int], typed: str, expected: list[str]
) -> None:
    wanted = ContactFilter(text=typed)
    assert names(session, wanted) == expected
    assert contact_list.count_contacts(session, wanted) == len(expected)


def test_filters_by_tag_company_untouched_and_next_step(session: Session, people: dict[str, int]) -> None:
    assert set(names(session, ContactFilter(tag="vip"))) == {"Иван Петров", "Jane Smith"}  # VIP and vip
    assert names(session, ContactFilter(company="ромаш")) == ["Иван Петров"]
    assert set(names(session, ContactFilter(untouched_days=30))) == {
        "Иван Петров",
        "Ольга Семёнова",
        "Anna Zorn",
    }
    assert "Иван Петров" not in names(session, ContactFilter(no_next_step=True))
    assert names(session, ContactFilter(tag="vip", untouched_days=30)) == ["Иван Петров"]


def test_filter_by_health_light_matches_the_light_shown(session: Session, people: dict[str, int]) -> None:
    every = [row.id for row in contact_list.list_contacts(session, ContactFilter())]
    shown = {contact_id: health.light for contact_id, health in contacts_health(session, every).items()}
    for light in Light:
        listed = {row.id for row in contact_list.list_contacts(session, ContactFilter(light=light))}
        assert listed == {contact_id for contact_id, seen in shown.items() if seen is light}


def test_sort_orders(session: Session, people: dict[str, int]) -> None:
    # Never touched first (by name), then the longest ago.
    assert names(session, ContactFilter(sort=SortOrder.LAST_TOUCH)) == [
        "Anna Zorn",
        "Ольга Семёнова",
        "Иван Петров",
        "Jane Smith",
    ]
    activities.create_activity(
        session, activities.ActivityCreate(title="call", contact_id=people["zorn"], due_on=date(2026, 11, 21))
    )
    contacts.update_contact(session, people["zorn"], {"next_contact_on": date(2026, 11, 21)})
    assert names(session, ContactFilter(sort=SortOrder.NEXT_CONTACT))[:2] == ["Anna Zorn", "Иван Петров"]


def test_archived_contacts_are_not_listed(session: Session, people: dict[str, int]) -> None:
    contacts.archive_contact(session, people["zorn"])
    assert "Anna Zorn" not in names(session, ContactFilter())
    assert names(session, ContactFilter(text="zorn")) == []


def test_one_word_lists_the_surnames_starting_with_it_first(session: Session) -> None:
    for first, last, company in [
        ("Константин", "Абрамов", ""),  # first name
        ("Olga", "Brown", "Ковчег"),  # company
        ("Пётр", "Козлов", ""),
        ("Анна", "Ковалёва", ""),  # ё: the surname sorts and matches as Ковалева
        ("Ян", "Яковлев", ""),  # "ко" inside the word: not a match
        ("Ivan", "Кошкин", ""),
    ]:
        add(session, first, last, company_name=company or None)
    surnames_first = ["Анна Ковалёва", "Пётр Козлов", "Ivan Кошкин", "Olga Brown", "Константин Абрамов"]
    assert names(session, ContactFilter(text="ко")) == surnames_first
    assert names(session, ContactFilter(text="КОВАЛЕ")) == ["Анна Ковалёва"]
    # Pages run on across the two parts, from either side of the boundary.
    paged = [
        row.full_name
        for offset in range(0, 5, 2)
        for row in contact_list.list_contacts(session, ContactFilter(text="ко"), offset=offset, limit=2)
    ]
    assert paged == surnames_first
    tail = contact_list.list_contacts(session, ContactFilter(text="ко"), offset=4, limit=2)
    assert [row.full_name for row in tail] == ["Константин Абрамов"]
    # Several words, or another order: one list of matches in that order.
    assert names(session, ContactFilter(text="ко аб")) == ["Константин Абрамов"]
    by_touch = names(session, ContactFilter(text="ко", sort=SortOrder.LAST_TOUCH))
    assert by_touch == ["Olga Brown", "Константин Абрамов", "Анна Ковалёва", "Пётр Козлов", "Ivan Кошкин"]
    # Other filters narrow both parts.
    tagged = add(session, "Кира", "Котова", tags=["vip"])
    found = contact_list.list_contacts(session, ContactFilter(text="ко", tag="vip"))
    assert [row.id for row in found] == [tagged]


def test_a_broad_search_is_counted_up_to_the_cap(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(5):
        add(session, "Max", f"Mustermann{number}")
    monkeypatch.setattr(contact_list, "COUNT_CAP", 3)
    assert contact_list.count_contacts(session, ContactFilter(text="max")) == 4  # "3+"
    assert contact_list.count_contacts(session, ContactFilter()) == 5  # no search: exact


def test_filter_form_reads_and_refuses(session: Session) -> None:
    current = ContactFilter(text="typed")
    built = filter_from_form(
        {
            "tag": " VIP ",
            "company": "",
            "light": "Red",
            "no_next_step": "yes",
            "untouched": "30",
            "sort": "last touch",
        },
        current,
    )
    assert built == ContactFilter(
        text="typed",
        tag="VIP",
        light=Light.RED,
        no_next_step=True,
        untouched_days=30,
        sort=SortOrder.LAST_TOUCH,
    )
    assert contact_list.filter_form_values(built)["light"] == "red"
    for field, value, message in [
        ("light", "purple", "light: 'purple' is not green, yellow or red"),
        ("untouched", "-3", "untouched: '-3' is not a number of days"),
        ("no_next_step", "maybe", "no_next_step: 'maybe': answer yes or no"),
        ("sort", "age", "sort: 'age' is not one of"),
    ]:
        with pytest.raises(ValidationError, match=message):
            filter_from_form({field: value}, current)


def test_smart_lists_are_saved_recalled_replaced_and_deleted(
    session: Session, people: dict[str, int]
) -> None:
    wanted = ContactFilter(tag="vip", light=Light.RED)
    assert contact_list.save_smart_list(session, "  VIP   to call ", wanted) == "VIP to call"
    assert contact_list.smart_lists(session) == {"VIP to call": wanted}
    replaced = ContactFilter(tag="vip", sort=SortOrder.LAST_TOUCH)
    contact_list.save_smart_list(session, "VIP to call", replaced)
    assert contact_list.smart_lists(session) == {"VIP to call": replaced}
    assert names(session, contact_list.smart_lists(session)["VIP to call"]) == ["Иван Петров", "Jane Smith"]
    assert contact_list.delete_smart_list(session, "VIP to call")
    assert contact_list.smart_lists(session) == {}
    with pytest.raises(ValidationError, match="needs a name"):
        contact_list.save_smart_list(session, "  ", wanted)
    with pytest.raises(ValidationError, match="shows everyone"):
        contact_list.save_smart_list(session, "All", ContactFilter())


def test_filter_in_words() -> None:
    assert ContactFilter().describe() == ""
    assert (
        ContactFilter(text="ив", tag="VIP", light=Light.RED, untouched_days=30).describe()
        == "“ив” · tag VIP · health red · untouched 30+ days"
    )


def test_companies_list_search_and_counts(session: Session, people: dict[str, int]) -> None:
    deals.create_deal(session, deals.DealCreate(title="Поставка", amount=100, contact_id=people["petrov"]))
    rows = list_companies(session)
    assert [row.name for row in rows] == ["Acme Corp", "Вектор", "ООО «Ромашка»"]
    romashka = rows[2]
    assert (romashka.people, romashka.open_deals) == (1, 1)
    assert [row.name for row in list_companies(session, "вект")] == ["Вектор"]
    assert count_companies(session, "вект") == 1 and count_companies(session) == 3


@pytest.mark.parametrize(
    ("first", "middle", "last", "full", "shown"),
    [
        ("Иван", "Петрович", "Корнилов", "Иван Петрович Корнилов", "Корнилов, Иван Петрович"),
        ("Jane", "", "Smith", "Jane Smith", "Smith, Jane"),
        ("", "", "Smith", "Smith", "Smith"),  # a surname alone
        ("Olga", "", "", "Olga", "Olga"),  # no surname
        ("", "", "", "ООО «Ромашка» reception", "ООО «Ромашка» reception"),
    ],
)
def test_the_list_shows_the_surname_first(first: str, middle: str, last: str, full: str, shown: str) -> None:
    assert contact_list.surname_first(first, middle, last, full) == shown
