"""The client health report: the lights of the live contacts today, the red ones, and the
forgotten clients. The clock is frozen at Friday 2026-11-20 09:00 UTC, TZ UTC; the default
thresholds apply (yellow after 30 days untouched, red after 90; forgotten after 30).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from crm_tui.db.models import Contact, EntityKind
from crm_tui.services import contacts, deals
from crm_tui.services.contacts import ContactCreate, EmailIn
from crm_tui.services.deals import DealCreate
from crm_tui.services.health import contact_health
from crm_tui.services.reports.health import build
from crm_tui.services.reports.model import RecordLink, Report
from crm_tui.services.reports.period import Period

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
ANY_PERIOD = Period(date(2026, 11, 1), date(2026, 11, 30))


def _contact(session: Session, first: str, last: str, **fields: Any) -> Contact:
    return contacts.create_contact(session, ContactCreate(first_name=first, last_name=last, **fields))


def _id(contact: Contact) -> int:
    assert contact.id is not None
    return contact.id


def _report(session: Session, period: Period = ANY_PERIOD) -> Report:
    session.flush()
    return build(session, period)


@pytest.fixture
def people(session: Session) -> dict[str, Contact]:
    made = {
        # Company, title, email, an open deal and a next contact date: nothing to flag.
        "green": _contact(
            session,
            "Gina",
            "Green",
            company_name="Acme",
            title="Buyer",
            emails=[EmailIn(value="gina@acme.example")],
            next_contact_on=TODAY + timedelta(days=7),
        ),
        # Reachable, but no next step and no open deal or lead.
        "yellow": _contact(
            session,
            "Yuri",
            "Yellow",
            company_name="Acme",
            title="CTO",
            emails=[EmailIn(value="yuri@acme.example")],
        ),
        # No email or phone, never touched.
        "red_never": _contact(session, "Rita", "Red"),
        # A client untouched for 100 days: red, and forgotten.
        "red_old": _contact(
            session, "Oleg", "Old", is_client=True, emails=[EmailIn(value="oleg@example.com")]
        ),
        # Untouched for 95 days: red too, and a client by its open deal.
        "red_less_old": _contact(session, "Lena", "Less", emails=[EmailIn(value="lena@example.com")]),
        # Archived: not counted anywhere.
        "archived": _contact(session, "Arch", "Ived"),
    }
    deals.create_deal(session, DealCreate(title="Licences", contact_id=made["green"].id))
    deals.create_deal(session, DealCreate(title="Support", contact_id=made["red_less_old"].id))
    contacts.touch(session, _id(made["red_old"]), NOW - timedelta(days=100))
    contacts.touch(session, _id(made["red_less_old"]), NOW - timedelta(days=95))
    contacts.archive_contact(session, _id(made["archived"]))
    return made


def test_lights_count_the_live_contacts_and_add_up(session: Session, people) -> None:
    report = _report(session)
    assert (report.key, report.title, report.scope) == (
        "health",
        "Client health",
        "as of today (the period does not apply)",
    )
    assert [report.fact(key) for key in ("contacts", "green", "yellow", "red", "forgotten")] == [
        5,
        1,
        1,
        3,
        2,
    ]
    table = report.table("lights")
    assert table.title == "Health lights"
    assert table.values("light") == ["Green", "Yellow", "Red"]
    assert table.values("contacts") == [1, 1, 3]
    assert table.values("share") == [20.0, 20.0, 60.0]
    assert table.column("contacts").chart


def test_the_lights_agree_with_each_contacts_own_light(session: Session, people) -> None:
    for key, light in (("green", "green"), ("yellow", "yellow"), ("red_never", "red"), ("red_old", "red")):
        session.flush()
        assert contact_health(session, people[key].id).light.value == light


def test_red_contacts_never_touched_first_then_the_longest_untouched(session: Session, people) -> None:
    table = _report(session).table("red")
    assert table.title == "Red: needs attention"
    assert table.values("contact") == ["Rita Red", "Oleg Old", "Lena Less"]
    assert table.values("company") == ["", "", ""]
    assert table.values("last_touch") == [None, date(2026, 8, 12), date(2026, 8, 17)]
    expected = [
        "; ".join(contact_health(session, people[key].id).reasons)
        for key in ("red_never", "red_old", "red_less_old")
    ]
    assert table.values("why") == expected
    assert expected[0].startswith("no email or phone")
    assert expected[1].startswith("not touched for 100 days")
    assert [row.link for row in table.rows] == [
        RecordLink(EntityKind.CONTACT, people[key].id) for key in ("red_never", "red_old", "red_less_old")
    ]
    assert table.total == 3


@pytest.mark.parametrize(
    ("page", "listed"),
    [(1, ["Rita Red"]), (2, ["Rita Red", "Oleg Old"])],
)
def test_the_red_list_is_a_first_page_with_the_total(
    session: Session, people, monkeypatch: pytest.MonkeyPatch, page: int, listed: list[str]
) -> None:
    monkeypatch.setattr("crm_tui.services.reports.health.RED_ROWS", page)
    table = _report(session).table("red")
    assert table.values("contact") == listed
    assert table.total == 3


def test_forgotten_clients_with_their_last_touch_and_days(session: Session, people) -> None:
    table = _report(session).table("forgotten")
    assert table.title == "Forgotten clients"
    assert table.values("contact") == ["Oleg Old", "Lena Less"]
    assert table.values("last_touch") == [date(2026, 8, 12), date(2026, 8, 17)]
    assert table.values("days") == [100, 95]
    assert table.values("reason") == ["client", "open deal"]
    assert [row.link for row in table.rows] == [
        RecordLink(EntityKind.CONTACT, people["red_old"].id),
        RecordLink(EntityKind.CONTACT, people["red_less_old"].id),
    ]
    assert table.total == 2


def test_no_contacts_at_all(session: Session) -> None:
    report = _report(session)
    assert [report.fact(key) for key in ("contacts", "green", "yellow", "red", "forgotten")] == [
        0,
        0,
        0,
        0,
        0,
    ]
    assert report.table("lights").values("share") == [None, None, None]
    assert report.table("red").rows == []
    assert report.table("red").empty == "No red contacts."
    assert report.table("forgotten").rows == []


def test_the_period_does_not_change_anything(session: Session, people) -> None:
    assert _report(session, Period(date(2020, 1, 1), date(2020, 1, 1))).facts == _report(session).facts
