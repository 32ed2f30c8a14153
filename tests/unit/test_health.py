"""The health light: each rule with its wording and severity, thresholds from settings, the
light turning green once the problem is fixed, companies judged with their contacts, and the
SQL filter agreeing with the Python evaluation contact for contact."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlmodel import Session, col, select

from crm_tui.db.models import CompanyBase, Contact, LeadBase, LeadStatus
from crm_tui.errors import NotFound, ValidationError
from crm_tui.services import activities, companies, contacts, deals, leads
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.contacts import ContactCreate, EmailIn, PhoneIn
from crm_tui.services.deals import DealCreate
from crm_tui.services.health import (
    Health,
    Light,
    companies_health,
    company_health,
    contact_health,
    contact_light_condition,
    contacts_health,
    no_next_step_condition,
)
from crm_tui.services.lead_matches import link_to_contact
from crm_tui.services.settings import (
    HEALTH_RED_DAYS_KEY,
    HEALTH_YELLOW_DAYS_KEY,
    HealthThresholds,
    health_thresholds,
    set_health_thresholds,
    set_setting,
)
from crm_tui.services.stages import stage_by_name

# The frozen clock of tests/conftest.py, in UTC (the tests' time zone).
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)


def _on(days: int) -> date:
    return TODAY + timedelta(days=days)


def _ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def _moment(moment: datetime) -> str:
    return moment.isoformat()


def _healthy(session: Session, *, deal: bool = True, **fields: Any) -> Contact:
    """A contact with nothing to flag: company, title, email, an open deal, a next contact date."""
    data: dict[str, Any] = {
        "first_name": "Anna",
        "last_name": "Smith",
        "company_name": "Acme",
        "title": "Buyer",
        "emails": [EmailIn(value="anna@acme.example")],
        "next_contact_on": _on(7),
    } | fields
    contact = contacts.create_contact(session, ContactCreate(**data))
    if deal:
        deals.create_deal(session, DealCreate(title="Licences", contact_id=contact.id))
    return contact


def _activity(session: Session, kind: str = "task", due: int | None = None, **links: Any) -> int:
    created = activities.create_activity(
        session,
        ActivityCreate(
            kind=kind, title=f"{kind} item", due_on=_on(due) if due is not None else None, **links
        ),
    )
    assert created.id is not None
    return created.id


def _health(session: Session, contact: Contact) -> Health:
    session.flush()
    assert contact.id is not None
    return contact_health(session, contact.id)


# ---------------------------------------------------------------- a contact, rule by rule


def test_a_contact_with_nothing_to_flag_is_green(session: Session) -> None:
    health = _health(session, _healthy(session))
    assert health == Health(Light.GREEN, ())
    assert health.describe() == "green"


def test_one_overdue_activity_is_red_and_named_with_its_age(session: Session) -> None:
    anna = _healthy(session)
    _activity(session, "call", due=-3, contact_id=anna.id)
    assert _health(session, anna) == Health(Light.RED, ("call overdue 3 days",))


def test_one_day_overdue_is_singular(session: Session) -> None:
    anna = _healthy(session)
    _activity(session, "task", due=-1, contact_id=anna.id)
    assert _health(session, anna).reasons == ("task overdue 1 day",)


def test_several_overdue_of_one_kind_are_counted_with_the_oldest_age(session: Session) -> None:
    anna = _healthy(session)
    _activity(session, "task", due=-2, contact_id=anna.id)
    _activity(session, "task", due=-5, contact_id=anna.id)
    assert _health(session, anna) == Health(Light.RED, ("2 tasks overdue, oldest 5 days",))


def test_several_overdue_of_mixed_kinds_name_the_oldest(session: Session) -> None:
    anna = _healthy(session)
    _activity(session, "call", due=-2, contact_id=anna.id)
    _activity(session, "meeting", due=-6, contact_id=anna.id)
    _activity(session, "task", due=-1, contact_id=anna.id)
    assert _health(session, anna).reasons == ("3 activities overdue, oldest: meeting 6 days",)


def test_due_today_undated_and_done_activities_are_not_overdue(session: Session) -> None:
    anna = _healthy(session)
    _activity(session, "call", due=0, contact_id=anna.id)
    _activity(session, "task", due=None, contact_id=anna.id)
    done = _activity(session, "task", due=-3, contact_id=anna.id)
    activities.complete_activity(session, done)
    assert _health(session, anna).light is Light.GREEN


def test_overdue_activity_on_the_contacts_lead_counts(session: Session) -> None:
    anna = _healthy(session)
    lead = leads.create_lead(session, LeadBase(person_name="Anna Smith"))
    link_to_contact(session, lead.id or 0, anna.id or 0)
    _activity(session, "task", due=-4, lead_id=lead.id)
    assert _health(session, anna).reasons == ("task overdue 4 days",)


def test_overdue_activity_on_the_contacts_deal_counts(session: Session) -> None:
    # The activity keeps its first contact; the deal's new contact reaches it through the deal.
    anna, bob = _healthy(session), _healthy(session, first_name="Bob")
    deal = deals.create_deal(session, DealCreate(title="Renewal", contact_id=anna.id))
    _activity(session, "call", due=-2, deal_id=deal.id)
    deals.update_deal(session, deal.id or 0, {"contact_id": bob.id})
    assert _health(session, anna).reasons == ("call overdue 2 days",)
    assert _health(session, bob).reasons == ("call overdue 2 days",)


def test_no_next_step_at_all_is_yellow(session: Session) -> None:
    anna = _healthy(session, next_contact_on=None)
    assert _health(session, anna) == Health(Light.YELLOW, ("no next step",))


def test_a_passed_next_contact_date_with_nothing_planned_is_red(session: Session) -> None:
    anna = _healthy(session, next_contact_on=_on(-4))
    assert _health(session, anna) == Health(Light.RED, ("next contact date passed 4 days",))


def test_next_contact_date_today_is_a_next_step(session: Session) -> None:
    assert _health(session, _healthy(session, next_contact_on=TODAY)).light is Light.GREEN


@pytest.mark.parametrize("due", [0, 5, None], ids=["today", "later", "undated"])
@pytest.mark.parametrize("next_contact_on", [None, _on(-4)], ids=["no-date", "passed-date"])
def test_an_open_activity_due_today_later_or_undated_is_a_next_step(
    session: Session, due: int | None, next_contact_on: date | None
) -> None:
    anna = _healthy(session, next_contact_on=next_contact_on)
    _activity(session, "call", due=due, contact_id=anna.id)
    assert _health(session, anna).light is Light.GREEN


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [
        (0, Health(Light.GREEN, ())),
        (30, Health(Light.GREEN, ())),
        (31, Health(Light.YELLOW, ("not touched for 31 days",))),
        (90, Health(Light.YELLOW, ("not touched for 90 days",))),
        (91, Health(Light.RED, ("not touched for 91 days",))),
        (100, Health(Light.RED, ("not touched for 100 days",))),
    ],
)
def test_the_last_touch_ages_yellow_then_red(session: Session, days_ago: int, expected: Health) -> None:
    anna = _healthy(session)
    contacts.touch(session, anna.id or 0, _ago(days_ago))
    assert _health(session, anna) == expected


def test_touch_age_counts_calendar_days(session: Session) -> None:
    # 30 days and 9 hours ago by the clock, but on the 31st calendar day back: yellow.
    anna = _healthy(session)
    contacts.touch(session, anna.id or 0, datetime(2026, 10, 20, 23, 59, tzinfo=UTC))
    assert _health(session, anna).reasons == ("not touched for 31 days",)


@pytest.mark.parametrize(
    ("created_days_ago", "expected"),
    [
        (20, Health(Light.GREEN, ())),
        (40, Health(Light.YELLOW, ("never touched",))),
        (100, Health(Light.RED, ("never touched",))),
    ],
)
def test_a_never_touched_contact_ages_from_its_creation(
    session: Session, clock: Callable[[str], None], created_days_ago: int, expected: Health
) -> None:
    clock(_moment(_ago(created_days_ago)))
    anna = _healthy(session, next_contact_on=_on(30))
    clock(_moment(NOW))
    assert _health(session, anna) == expected


def test_no_open_deal_or_lead_is_yellow(session: Session) -> None:
    assert _health(session, _healthy(session, deal=False)) == Health(Light.YELLOW, ("no open deal or lead",))


@pytest.mark.parametrize("status", [LeadStatus.NEW, LeadStatus.WORKING])
def test_an_open_lead_is_open_work(session: Session, status: LeadStatus) -> None:
    anna = _healthy(session, deal=False)
    lead = leads.create_lead(session, LeadBase(person_name="Anna Smith"))
    link_to_contact(session, lead.id or 0, anna.id or 0)
    leads.set_status(session, lead.id or 0, status)
    assert _health(session, anna).light is Light.GREEN


def test_closed_or_archived_deals_and_leads_are_not_open_work(session: Session) -> None:
    anna = _healthy(session, deal=False)
    won = deals.create_deal(session, DealCreate(title="Won one", contact_id=anna.id))
    deals.move_deal(session, won.id or 0, stage_by_name(session, "Won").id or 0)
    shelved = deals.create_deal(session, DealCreate(title="Shelved", contact_id=anna.id))
    deals.archive_deal(session, shelved.id or 0)
    thrown_out = leads.create_lead(session, LeadBase(person_name="Anna Smith"))
    link_to_contact(session, thrown_out.id or 0, anna.id or 0)
    leads.set_status(session, thrown_out.id or 0, LeadStatus.DISQUALIFIED, "duplicate")
    archived = leads.create_lead(session, LeadBase(person_name="Anna S."))
    link_to_contact(session, archived.id or 0, anna.id or 0)
    leads.archive_lead(session, archived.id or 0)
    assert _health(session, anna).reasons == ("no open deal or lead",)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"company_name": None}, "profile incomplete: no company"),
        ({"title": None}, "profile incomplete: no title"),
        ({"company_name": None, "title": None}, "profile incomplete: no company, no title"),
    ],
)
def test_an_incomplete_profile_is_yellow_and_says_what_is_missing(
    session: Session, fields: dict[str, Any], reason: str
) -> None:
    assert _health(session, _healthy(session, **fields)) == Health(Light.YELLOW, (reason,))


def test_no_email_and_no_phone_is_red(session: Session) -> None:
    assert _health(session, _healthy(session, emails=[])) == Health(Light.RED, ("no email or phone",))


def test_a_phone_alone_is_enough_to_reach_the_contact(session: Session) -> None:
    anna = _healthy(session, emails=[], phones=[PhoneIn(value="+44 20 7946 0958")])
    assert _health(session, anna).light is Light.GREEN


def test_reasons_come_worst_first(session: Session) -> None:
    anna = _healthy(session, next_contact_on=None, title=None, emails=[])
    _activity(session, "call", due=-3, contact_id=anna.id)
    health = _health(session, anna)
    assert health.reasons == (
        "call overdue 3 days",
        "no email or phone",
        "no next step",
        "profile incomplete: no title",
    )
    assert health.describe() == (
        "red: call overdue 3 days; no email or phone; no next step; profile incomplete: no title"
    )


# ---------------------------------------------------------------- the light turns green


def test_red_from_an_old_touch_turns_green_after_a_done_call(session: Session) -> None:
    anna = _healthy(session)
    contacts.touch(session, anna.id or 0, _ago(100))
    call = _activity(session, "call", due=0, contact_id=anna.id)
    assert _health(session, anna) == Health(Light.RED, ("not touched for 100 days",))
    activities.complete_activity(session, call, "agreed on a demo")
    assert _health(session, anna) == Health(Light.GREEN, ())


def test_red_from_an_old_touch_turns_green_after_a_touch(session: Session) -> None:
    anna = _healthy(session)
    contacts.touch(session, anna.id or 0, _ago(100))
    assert _health(session, anna).light is Light.RED
    contacts.touch(session, anna.id or 0)
    assert _health(session, anna) == Health(Light.GREEN, ())


def test_every_problem_fixed_turns_green(session: Session) -> None:
    anna = _healthy(session, deal=False, company_name=None, title=None, emails=[], next_contact_on=_on(-2))
    overdue = _activity(session, "task", due=-1, contact_id=anna.id)
    assert _health(session, anna).light is Light.RED
    activities.complete_activity(session, overdue)
    contacts.add_emails(session, anna.id or 0, [EmailIn(value="anna@acme.example")])
    acme = companies.create_company(session, CompanyBase(name="Acme"))
    contacts.update_contact(
        session, anna.id or 0, {"title": "Buyer", "company_id": acme.id, "next_contact_on": _on(3)}
    )
    assert _health(session, anna) == Health(Light.YELLOW, ("no open deal or lead",))
    deals.create_deal(session, DealCreate(title="Licences", contact_id=anna.id))
    assert _health(session, anna) == Health(Light.GREEN, ())


# ---------------------------------------------------------------- thresholds


def test_thresholds_default_to_30_and_90_days(session: Session) -> None:
    assert health_thresholds(session) == HealthThresholds(30, 90)


@pytest.mark.parametrize(
    ("days_ago", "light"), [(10, Light.GREEN), (15, Light.YELLOW), (20, Light.YELLOW), (25, Light.RED)]
)
def test_thresholds_come_from_settings(session: Session, days_ago: int, light: Light) -> None:
    assert set_health_thresholds(session, 10, 20) == HealthThresholds(10, 20)
    anna = _healthy(session)
    contacts.touch(session, anna.id or 0, _ago(days_ago))
    assert _health(session, anna).light is light


def test_thresholds_accept_the_text_of_a_form(session: Session) -> None:
    set_health_thresholds(session, "7", " 14 ")
    assert health_thresholds(session) == HealthThresholds(7, 14)


@pytest.mark.parametrize(
    ("yellow", "red", "field"),
    [
        (30, 30, "yellow_days"),
        (100, 90, "yellow_days"),
        (0, 90, "yellow_days"),
        (-5, 90, "yellow_days"),
        (30, 0, "red_days"),
        ("soon", 90, "yellow_days"),
        (30, "1.5", "red_days"),
        (True, 90, "yellow_days"),
    ],
)
def test_bad_thresholds_are_rejected_and_nothing_is_stored(
    session: Session, yellow: Any, red: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        set_health_thresholds(session, yellow, red)
    assert raised.value.field == field
    assert health_thresholds(session) == HealthThresholds(30, 90)


@pytest.mark.parametrize(("yellow", "red"), [("soon", "90"), ("-3", "90"), ("100", "50")])
def test_unreadable_stored_thresholds_fall_back_to_the_defaults(
    session: Session, yellow: str, red: str
) -> None:
    set_setting(session, HEALTH_YELLOW_DAYS_KEY, yellow)
    set_setting(session, HEALTH_RED_DAYS_KEY, red)
    assert health_thresholds(session) == HealthThresholds(30, 90)


# ---------------------------------------------------------------- batches


@pytest.fixture
def count_queries(session: Session) -> Iterator[Callable[[], int]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)

    def count() -> int:
        found = len(seen)
        seen.clear()
        return found

    yield count
    event.remove(engine, "before_cursor_execute", record)


def test_a_page_costs_the_same_queries_whatever_its_size(session: Session, count_queries) -> None:
    people = []
    for number in range(30):
        person = _healthy(session, first_name=f"P{number}")
        _activity(session, "call", due=number % 5 - 2, contact_id=person.id)
        people.append(person.id or 0)
    session.flush()
    count_queries()
    few = contacts_health(session, people[:3])
    queries_for_three = count_queries()
    many = contacts_health(session, people)
    assert count_queries() == queries_for_three
    assert len(few) == 3 and len(many) == 30
    assert queries_for_three <= 6


def test_unknown_ids_are_left_out_and_a_single_lookup_raises(session: Session) -> None:
    anna = _healthy(session)
    session.flush()
    assert set(contacts_health(session, [anna.id or 0, 9999, anna.id or 0])) == {anna.id}
    assert contacts_health(session, []) == {}
    with pytest.raises(NotFound):
        contact_health(session, 9999)
    with pytest.raises(NotFound):
        company_health(session, 9999)


# ---------------------------------------------------------------- companies


def _company(session: Session, **fields: Any) -> int:
    data = {
        "name": "Acme",
        "website": "acme.example",
        "industry": "Tools",
        "phone": "+1 212 555 0142",
    } | fields
    company = companies.create_company(session, CompanyBase(**data))
    assert company.id is not None
    return company.id


def _employee(session: Session, company_id: int, **fields: Any) -> Contact:
    data: dict[str, Any] = {"first_name": "Anna", "last_name": "Smith", "company_id": company_id} | fields
    return contacts.create_contact(session, ContactCreate(**data))


def test_a_company_with_contact_and_deal_is_green(session: Session) -> None:
    acme = _company(session)
    anna = _employee(session, acme, next_contact_on=_on(3))
    deals.create_deal(session, DealCreate(title="Licences", contact_id=anna.id))
    session.flush()
    assert company_health(session, acme) == Health(Light.GREEN, ())


def test_a_bare_company_lists_everything_it_lacks(session: Session) -> None:
    acme = _company(session, website=None, industry=None, phone=None)
    session.flush()
    assert company_health(session, acme) == Health(
        Light.RED,
        (
            "no email or phone",
            "no next step",
            "no open deal or lead",
            "profile incomplete: no industry, no website",
        ),
    )


def test_a_company_is_judged_with_its_contacts(session: Session) -> None:
    acme = _company(session, phone=None, website=None)
    # Reachable, planned and worked through its people: an email, a next date, a deal.
    anna = _employee(session, acme, emails=[EmailIn(value="anna@acme.example")], next_contact_on=_on(2))
    bob = _employee(session, acme, first_name="Bob")
    deals.create_deal(session, DealCreate(title="Licences", contact_id=bob.id))
    # The most recent touch of any contact counts.
    contacts.touch(session, anna.id or 0, _ago(200))
    contacts.touch(session, bob.id or 0, _ago(10))
    session.flush()
    assert company_health(session, acme) == Health(Light.YELLOW, ("profile incomplete: no website",))
    _activity(session, "meeting", due=-3, contact_id=bob.id)
    session.flush()
    assert company_health(session, acme) == Health(
        Light.RED, ("meeting overdue 3 days", "profile incomplete: no website")
    )


def test_an_archived_contact_does_not_speak_for_its_company(session: Session) -> None:
    acme = _company(session, phone=None, next_contact_on=_on(5))
    gone = _employee(session, acme, emails=[EmailIn(value="gone@acme.example")])
    deals.create_deal(session, DealCreate(title="Old", contact_id=gone.id))
    contacts.archive_contact(session, gone.id or 0)
    session.flush()
    # The deal keeps the company's id (it was filled from the contact), so it still counts.
    assert company_health(session, acme) == Health(Light.RED, ("no email or phone",))


def test_a_companys_passed_next_contact_date_is_red(session: Session) -> None:
    acme = _company(session, next_contact_on=_on(-2))
    deals.create_deal(session, DealCreate(title="Licences", company_id=acme))
    session.flush()
    assert company_health(session, acme) == Health(Light.RED, ("next contact date passed 2 days",))
    _activity(session, "task", due=1, company_id=acme)
    session.flush()
    assert company_health(session, acme) == Health(Light.GREEN, ())


def test_a_never_touched_company_ages_from_its_creation(session: Session, clock) -> None:
    clock(_moment(_ago(45)))
    acme = _company(session, next_contact_on=_on(5))
    deals.create_deal(session, DealCreate(title="Licences", company_id=acme))
    clock(_moment(NOW))
    session.flush()
    assert company_health(session, acme) == Health(Light.YELLOW, ("never touched",))


def test_companies_health_agrees_with_company_health(session: Session) -> None:
    ids = [_company(session, name="Acme"), _company(session, name="Bare", website=None, phone=None)]
    _employee(session, ids[0], next_contact_on=_on(1))
    session.flush()
    batch = companies_health(session, [*ids, 9999])
    assert batch == {company_id: company_health(session, company_id) for company_id in ids}


# ---------------------------------------------------------------- the SQL filter agrees


# A touch or a creation exactly on, just before and just after the local midnights that the
# 30- and 90-day thresholds (and 10 and 45, set later) turn on, besides ordinary ages.
_BOUNDARY_MOMENTS = [
    moment
    for days in (10, 11, 30, 31, 45, 46, 90, 91)
    for moment in (
        datetime.combine(_on(-days), datetime.min.time(), UTC),
        datetime.combine(_on(-days), datetime.min.time(), UTC) - timedelta(microseconds=1),
        datetime.combine(_on(-days), datetime.min.time(), UTC) + timedelta(hours=12),
    )
]

# One healthy contact: company, title, email, an open deal, a next contact date, touched today.
_BASELINE: dict[str, Any] = {
    "created": NOW,
    "company": True,
    "title": "Buyer",
    "email": True,
    "phone": False,
    "next_on": _on(7),
    "touched": NOW,
    "deal": "open",
    "lead": None,
    "activities": (),
}

# What each fact may be instead. Activities are (kind, due in days, reached through, done).
_VARIANTS: dict[str, list[Any]] = {
    "created": [_ago(40), _ago(100), *_BOUNDARY_MOMENTS],
    "company": [False],
    "title": [None, ""],
    "email": [False],
    "phone": [True],
    "next_on": [None, _on(-10), _on(-1), TODAY],
    "touched": [None, _ago(29), _ago(60), _ago(200), *_BOUNDARY_MOMENTS],
    "deal": [None, "won", "archived"],
    "lead": ["new", "working", "disqualified", "archived"],
    "activities": [
        (("call", -3, "contact", False),),
        (("call", -3, "contact", True),),
        (("task", -1, "deal", False),),
        (("task", -2, "moved deal", False),),
        (("email", -5, "lead", False),),
        (("meeting", 0, "contact", False),),
        (("task", None, "contact", False),),
        (("call", 2, "moved deal", False),),
        (("call", 2, "lead", False),),
        (("call", 2, "lead", True),),
        (("task", -4, "contact", False), ("call", 1, "lead", False)),
        (("task", -4, "lead", False), ("meeting", -9, "moved deal", False)),
    ],
}


# What must change with a fact for it to matter: the creation date counts only for a contact
# never touched, and a lead is open work only for a contact without an open deal.
_COMPANIONS: dict[str, dict[str, Any]] = {"created": {"touched": None}, "lead": {"deal": None}}


def _scenarios(seed: int, mixed: int) -> list[dict[str, Any]]:
    """The baseline, each fact changed alone (so that each rule alone decides a light), each
    with a passed or missing next date too (the two most common companions), and random mixes."""
    alone = [
        _BASELINE | _COMPANIONS.get(fact, {}) | {fact: value}
        for fact, values in _VARIANTS.items()
        for value in values
    ]
    with_next = [case | {"next_on": next_on} for case in alone for next_on in (None, _on(-1))]
    chance = random.Random(seed)
    mixes = [
        _BASELINE
        | {fact: chance.choice(values) for fact, values in chance.sample(list(_VARIANTS.items()), 3)}
        for _ in range(mixed)
    ]
    return [_BASELINE, *alone, *with_next, *mixes]


def _build(session: Session, clock: Callable[[str], None], case: dict[str, Any], donor: int) -> int:
    """A contact as the case says, written through the services; `donor` owns the deals that
    are handed to it (with their activities) after they were planned."""
    number = session.exec(select(func.count()).select_from(Contact)).one()
    clock(_moment(case["created"]))
    person = contacts.create_contact(
        session,
        ContactCreate(
            first_name=f"Person{number}",
            company_name="Acme" if case["company"] else None,
            title=case["title"] or None,
            emails=[EmailIn(value=f"p{number}@example.com")] if case["email"] else [],
            phones=[PhoneIn(value="+44 20 7946 0958")] if case["phone"] else [],
            next_contact_on=case["next_on"],
        ),
    )
    person_id = person.id or 0
    if case["title"] == "":
        contacts.update_contact(session, person_id, {"title": "  "})  # stored as ""
    if case["deal"] is not None:
        deal = deals.create_deal(session, DealCreate(title="Deal", contact_id=person_id))
        if case["deal"] == "won":
            deals.move_deal(session, deal.id or 0, stage_by_name(session, "Won").id or 0)
        elif case["deal"] == "archived":
            deals.archive_deal(session, deal.id or 0)
    lead_id: int | None = None
    needs_lead = case["lead"] is not None or any(via == "lead" for _, _, via, _ in case["activities"])
    if needs_lead:
        lead = leads.create_lead(session, LeadBase(person_name=f"Person{number}"))
        lead_id = lead.id or 0
        link_to_contact(session, lead_id, person_id)
        if case["lead"] in (None, "disqualified"):
            leads.set_status(session, lead_id, LeadStatus.DISQUALIFIED, "not a fit")
        elif case["lead"] == "working":
            leads.set_status(session, lead_id, LeadStatus.WORKING)
        elif case["lead"] == "archived":
            leads.archive_lead(session, lead_id)
    for kind, due, via, done in case["activities"]:
        if via == "contact":
            links = {"contact_id": person_id}
        elif via == "lead":
            links = {"lead_id": lead_id}
        else:
            # A closed deal (won) carries the activity without counting as open work.
            owner = donor if via == "moved deal" else person_id
            deal = deals.create_deal(session, DealCreate(title="Carrier", contact_id=owner))
            deals.move_deal(session, deal.id or 0, stage_by_name(session, "Won").id or 0)
            links = {"deal_id": deal.id}
        activity = _activity(session, kind, due=due, **links)
        if via == "moved deal":
            deals.update_deal(session, links["deal_id"], {"contact_id": person_id})
        if done:
            activities.complete_activity(session, activity)
    clock(_moment(NOW))
    if case["touched"] is not None:
        contacts.touch(session, person_id, case["touched"])
    return person_id


def _varied_contacts(session: Session, clock: Callable[[str], None], seed: int, mixed: int) -> list[int]:
    donor = contacts.create_contact(session, ContactCreate(first_name="Donor")).id or 0
    made = [_build(session, clock, case, donor) for case in _scenarios(seed, mixed)]
    session.flush()
    return [donor, *made]


def _assert_sql_agrees(session: Session, ids: list[int]) -> dict[Light, int]:
    health = contacts_health(session, ids)
    sizes: dict[Light, int] = {}
    for light in Light:
        by_sql = set(session.exec(select(Contact.id).where(contact_light_condition(session, light))))
        by_python = {contact_id for contact_id, found in health.items() if found.light is light}
        assert by_sql == by_python, light
        assert session.exec(select(func.count()).where(contact_light_condition(session, light))).one() == len(
            by_python
        )
        sizes[light] = len(by_python)
    without_step = set(session.exec(select(Contact.id).where(no_next_step_condition(session))))
    assert without_step == {
        contact_id
        for contact_id, found in health.items()
        if "no next step" in found.reasons
        or any(reason.startswith("next contact date passed") for reason in found.reasons)
    }
    return sizes


def test_the_sql_condition_picks_the_same_contacts_as_the_python_rules(
    session: Session, clock: Callable[[str], None]
) -> None:
    ids = _varied_contacts(session, clock, seed=11, mixed=40)
    sizes = _assert_sql_agrees(session, ids)
    # The data set is varied enough to mean something: every light is there.
    assert all(size > 0 for size in sizes.values()), sizes
    # Another day, other thresholds: dates and ages move across the boundaries.
    set_health_thresholds(session, 10, 45)
    _assert_sql_agrees(session, ids)
    clock("2026-12-21T23:30:00+00:00")
    _assert_sql_agrees(session, ids)


def test_the_sql_condition_ignores_nothing_archived_on_purpose(session: Session) -> None:
    # The condition judges every row of the table; a list adds its own "not archived" filter.
    anna = _healthy(session)
    contacts.archive_contact(session, anna.id or 0)
    session.flush()
    green = set(session.exec(select(Contact.id).where(contact_light_condition(session, Light.GREEN))))
    assert anna.id in green


@pytest.mark.sqlite_only("SQLite's query plan")
def test_the_light_filter_walks_indexes_not_child_tables(session: Session) -> None:
    _healthy(session)
    session.flush()
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        for light in Light:
            session.exec(select(func.count()).where(contact_light_condition(session, light))).one()
        session.exec(select(col(Contact.id)).where(no_next_step_condition(session))).all()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    connection = session.connection()
    plans = [
        row[3]
        for statement, parameters in statements
        if "FROM contact" in statement
        for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    ]
    assert plans
    # The contact table is read once; every child table is reached through an index.
    scans = {line for line in plans if line.startswith("SCAN")}
    assert scans and all(line.startswith("SCAN contact") for line in scans), scans
    assert not any("ix_activity_open_due" in line for line in plans)
