"""Leads: loosely typed input, create, update, status changes with reasons, archive, list."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, func, select

from crm_tui.db.models import Event, Lead, LeadBase, LeadStatus
from crm_tui.errors import ValidationError
from crm_tui.services import leads, search
from crm_tui.services.events import EventKind
from crm_tui.services.settings import set_setting


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _lead(session: Session, **fields) -> Lead:
    return leads.create_lead(session, leads.lead_from_fields({"name": "Anna Smith"} | fields))


# --- lead_from_fields -----------------------------------------------------------------------


def test_lead_from_fields_maps_every_documented_key() -> None:
    data = leads.lead_from_fields(
        {
            "name": " Anna Smith ",
            "company": "Acme",
            "email": "anna@acme.example",
            "phone": "+79123456789",
            "source": "Website",
            "note": "wants a demo",
            "value": "150 000,50",
            "currency": "eur",
            "title": "Demo request",
            "next_contact": "15.12.2026",
            "goal": "call back",
        }
    )
    assert data == LeadBase(
        title="Demo request",
        person_name="Anna Smith",
        company_name="Acme",
        email="anna@acme.example",
        phone="+79123456789",
        source="Website",
        notes="wants a demo",
        value=15_000_050,
        currency="EUR",
        next_contact_on=date(2026, 12, 15),
        next_contact_goal="call back",
    )


def test_lead_from_fields_accepts_the_long_names_too() -> None:
    data = leads.lead_from_fields(
        {
            "person_name": "Anna",
            "company_name": "Acme",
            "notes": "hi",
            "next_contact_on": "2026-12-01",
            "next_contact_goal": "demo",
        }
    )
    assert (data.person_name, data.company_name, data.notes) == ("Anna", "Acme", "hi")
    assert (data.next_contact_on, data.next_contact_goal) == (date(2026, 12, 1), "demo")


@pytest.mark.parametrize(
    ("value", "minor_units"),
    [("150000", 15_000_000), ("12.5k", 1_250_000), (900, 90_000), ("", None), (None, None)],
)
def test_lead_from_fields_parses_the_value(value: str | int | None, minor_units: int | None) -> None:
    assert leads.lead_from_fields({"name": "Anna", "value": value}).value == minor_units


def test_lead_from_fields_refuses_unknown_keys_naming_them() -> None:
    with pytest.raises(ValidationError) as caught:
        leads.lead_from_fields({"name": "Anna", "budget": "100", "zodiac": "leo"})
    assert caught.value.field == "budget"
    assert "is not a lead field" in caught.value.message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Anna", "value": "lots"}, "value"),
        ({"name": "Anna", "value": "-100"}, "value"),
        ({"name": "Anna", "next_contact": "someday"}, "next_contact"),
        ({"name": ["Anna", "Bob"]}, "name"),
        ({"name": "Anna", "email": {"work": "a@b.c"}}, "email"),
    ],
)
def test_lead_from_fields_bad_values_name_the_field(fields: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        leads.lead_from_fields(fields)
    assert caught.value.field == field


@pytest.mark.parametrize("fields", [{}, {"name": "   ", "company": ""}, {"note": "no one to call"}])
def test_empty_input_is_refused_and_nothing_is_written(session: Session, fields: dict) -> None:
    with pytest.raises(ValidationError) as caught:
        leads.create_lead(session, leads.lead_from_fields(fields))
    assert caught.value.field == "name"
    assert _count(session, Lead) == 0
    assert _count(session, Event) == 0


# --- create ---------------------------------------------------------------------------------


def test_create_lead_derives_title_folds_and_phone(session: Session, events_of) -> None:
    lead = leads.create_lead(
        session,
        leads.lead_from_fields(
            {
                "name": "Иван Иванов",
                "company": "ООО Ромашка",
                "email": "Ivan@Romashka.example",
                "phone": "8 912 345-67-89",
                "source": "Referral",
            }
        ),
    )
    stored = session.get(Lead, lead.id)
    assert stored.title == "Иван Иванов · ООО Ромашка"
    assert stored.email_fold == "ivan@romashka.example"
    assert (stored.phone, stored.phone_e164) == ("8 912 345-67-89", "+79123456789")
    assert stored.status == LeadStatus.NEW
    assert stored.currency == "RUB"  # the database's default currency
    created = events_of("lead", lead.id)
    assert [(e.kind, e.text, e.payload) for e in created] == [
        (EventKind.CREATED, "Lead created: Иван Иванов · ООО Ромашка", {"source": "Referral"})
    ]


@pytest.mark.parametrize(
    ("fields", "title"),
    [
        ({"company": "Acme"}, "Acme"),
        ({"email": "who@example.com"}, "who@example.com"),
        ({"phone": "+44 20 7946 0958"}, "+44 20 7946 0958"),
        ({"title": "Big one", "name": "Anna"}, "Big one"),
    ],
)
def test_lead_title_falls_back_to_what_is_known(session: Session, fields: dict, title: str) -> None:
    assert leads.create_lead(session, leads.lead_from_fields(fields)).title == title


def test_create_lead_uses_the_currency_setting(session: Session) -> None:
    set_setting(session, "currency", "EUR")
    assert _lead(session).currency == "EUR"
    assert _lead(session, currency="usd").currency == "USD"


@pytest.mark.parametrize(("fields", "field"), [({"email": "nope"}, "email"), ({"phone": "call me"}, "phone")])
def test_create_lead_validates_contact_details(session: Session, fields: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _lead(session, **fields)
    assert caught.value.field == field
    assert _count(session, Lead) == 0


def test_new_lead_is_searchable(session: Session) -> None:
    lead = _lead(session, company="Acme")
    assert [(hit.kind, hit.id) for hit in search.search(session, "acme")] == [("lead", lead.id)]


# --- update ---------------------------------------------------------------------------------


def test_update_lead_writes_field_changes_and_refolds(session: Session, events_of) -> None:
    lead = _lead(session, email="anna@old.example", phone="+79123456789", source="Website")
    leads.update_lead(
        session, lead.id, {"email": "Anna@New.example", "phone": "8 (912) 000-00-01", "source": "Website"}
    )
    stored = session.get(Lead, lead.id)
    assert stored.email_fold == "anna@new.example"
    assert stored.phone_e164 == "+79120000001"
    assert [e.payload for e in events_of("lead", lead.id, EventKind.FIELD_CHANGED)] == [
        {"field": "email", "old": "anna@old.example", "new": "Anna@New.example"},
        {"field": "phone", "old": "+79123456789", "new": "8 (912) 000-00-01"},
    ]


def test_update_lead_refuses_bad_input(session: Session) -> None:
    lead = _lead(session)
    with pytest.raises(ValueError, match="not lead fields"):
        leads.update_lead(session, lead.id, {"status": "converted"})
    with pytest.raises(ValidationError):
        leads.update_lead(session, lead.id, {"email": "nope"})
    assert session.get(Lead, lead.id).email is None


# --- status ---------------------------------------------------------------------------------


def test_set_status_writes_status_changed(session: Session, events_of) -> None:
    lead = _lead(session)
    leads.set_status(session, lead.id, LeadStatus.WORKING)
    leads.set_status(session, lead.id, LeadStatus.WORKING)  # no change, no event
    changed = events_of("lead", lead.id, EventKind.STATUS_CHANGED)
    assert [(e.text, e.payload["old"], e.payload["new"]) for e in changed] == [
        ("status: new → working", "new", "working")
    ]
    assert session.get(Lead, lead.id).status == "working"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_disqualify_without_a_reason_fails_and_changes_nothing(session: Session, events_of, reason) -> None:
    lead = _lead(session)
    with pytest.raises(ValidationError) as caught:
        leads.set_status(session, lead.id, LeadStatus.DISQUALIFIED, reason)
    assert caught.value.field == "reason"
    stored = session.get(Lead, lead.id)
    assert (stored.status, stored.disqualify_reason) == ("new", None)
    assert [e.kind for e in events_of("lead", lead.id)] == [EventKind.CREATED]


def test_disqualify_with_a_reason_and_requalify(session: Session, events_of) -> None:
    lead = _lead(session)
    leads.set_status(session, lead.id, LeadStatus.DISQUALIFIED, "  no budget ")
    stored = session.get(Lead, lead.id)
    assert (stored.status, stored.disqualify_reason) == ("disqualified", "no budget")
    leads.set_status(session, lead.id, LeadStatus.WORKING)
    assert session.get(Lead, lead.id).disqualify_reason is None
    texts = [e.text for e in events_of("lead", lead.id, EventKind.STATUS_CHANGED)]
    assert texts == ["status: new → disqualified (no budget)", "status: disqualified → working"]


# --- archive and lists ----------------------------------------------------------------------


def test_archive_lead_once(session: Session, events_of) -> None:
    lead = _lead(session)
    leads.archive_lead(session, lead.id)
    leads.archive_lead(session, lead.id)
    assert [e.kind for e in events_of("lead", lead.id)] == [EventKind.CREATED, EventKind.ARCHIVED]
    assert leads.count_leads(session) == 0
    assert search.search(session, "anna") == []


def test_list_leads_shows_open_ones_newest_first(session: Session, clock) -> None:
    clock("2026-11-18T09:00:00+00:00")
    oldest = _lead(session, name="Oldest", value="100")
    clock("2026-11-19T09:00:00+00:00")
    thrown = _lead(session, name="Thrown out")
    clock("2026-11-20T09:00:00+00:00")
    newest = _lead(session, name="Newest")
    leads.set_status(session, thrown.id, LeadStatus.DISQUALIFIED, "spam")

    rows = leads.list_leads(session)
    assert [row.id for row in rows] == [newest.id, oldest.id]
    assert (rows[1].value, rows[1].currency) == (10_000, "RUB")
    assert leads.count_leads(session) == 2
    assert [row.id for row in leads.list_leads(session, statuses=None)] == [newest.id, thrown.id, oldest.id]
    assert leads.count_leads(session, statuses=None) == 3
    assert [row.id for row in leads.list_leads(session, statuses=["disqualified"])] == [thrown.id]
    assert [row.id for row in leads.list_leads(session, offset=1, limit=1)] == [oldest.id]


# --- inbox tabs -----------------------------------------------------------------------------


def _inbox(session: Session, clock) -> dict[str, Lead]:
    """A lead in every corner of the inbox; today is 2026-11-20 (the frozen clock)."""
    made: dict[str, Lead] = {}
    for day, name, fields in (
        (10, "new", {"source": "Website"}),
        (11, "new_due", {"next_contact": "2026-11-20", "source": "Referral"}),
        (12, "new_later", {"next_contact": "2026-11-21", "source": "Website"}),
        (13, "working", {"next_contact": "2026-11-19", "source": "Website"}),
        (14, "working_later", {"next_contact": "2026-12-01"}),
        (15, "thrown", {"next_contact": "2026-12-01", "source": "Website"}),
        (16, "converted", {}),
        (17, "archived", {}),
    ):
        clock(f"2026-11-{day}T09:00:00+00:00")
        made[name] = _lead(session, name=name, **fields)
    clock("2026-11-20T09:00:00+00:00")
    for name in ("working", "working_later"):
        leads.set_status(session, made[name].id, LeadStatus.WORKING)
    leads.set_status(session, made["thrown"].id, LeadStatus.DISQUALIFIED, "spam")
    leads.set_status(session, made["converted"].id, LeadStatus.CONVERTED)
    leads.archive_lead(session, made["archived"].id)
    session.flush()
    return made


def _names(rows: list[leads.LeadRow]) -> list[str]:
    return [row.person_name for row in rows]


def test_each_tab_holds_its_leads_newest_first(session: Session, clock) -> None:
    _inbox(session, clock)
    expected = {
        leads.InboxTab.NEW: ["new_due", "new"],
        leads.InboxTab.WORKING: ["working"],
        leads.InboxTab.SCHEDULED: ["working_later", "new_later"],
        leads.InboxTab.DISQUALIFIED: ["thrown"],
        leads.InboxTab.CONVERTED: ["converted"],
        leads.InboxTab.ALL: [
            "converted",
            "thrown",
            "working_later",
            "working",
            "new_later",
            "new_due",
            "new",
        ],
    }
    for tab, names in expected.items():
        assert _names(leads.list_leads_in(session, tab)) == names, tab
        assert leads.count_leads_in(session, tab) == len(names), tab
    assert leads.tab_counts(session) == {tab: len(names) for tab, names in expected.items()}


def test_a_scheduled_lead_comes_back_on_its_day(session: Session, clock) -> None:
    _inbox(session, clock)
    clock("2026-11-21T09:00:00+00:00")
    assert _names(leads.list_leads_in(session, leads.InboxTab.NEW)) == ["new_later", "new_due", "new"]
    assert _names(leads.list_leads_in(session, leads.InboxTab.SCHEDULED)) == ["working_later"]
    counts = leads.tab_counts(session)
    assert (counts[leads.InboxTab.NEW], counts[leads.InboxTab.SCHEDULED]) == (3, 1)


def test_tabs_page_filter_by_source_and_sort_oldest_first(session: Session, clock) -> None:
    _inbox(session, clock)
    all_tab = leads.InboxTab.ALL
    assert _names(leads.list_leads_in(session, all_tab, offset=2, limit=2)) == ["working_later", "working"]
    assert _names(leads.list_leads_in(session, all_tab, limit=3, oldest_first=True)) == [
        "new",
        "new_due",
        "new_later",
    ]
    assert _names(leads.list_leads_in(session, all_tab, source="Website")) == [
        "thrown",
        "working",
        "new_later",
        "new",
    ]
    assert leads.count_leads_in(session, leads.InboxTab.NEW, source="Website") == 1
    counts = leads.tab_counts(session, source="Website")
    assert counts[leads.InboxTab.ALL] == 4
    assert (counts[leads.InboxTab.NEW], counts[leads.InboxTab.SCHEDULED]) == (1, 1)
    assert leads.tab_counts(session, source="Nowhere") == dict.fromkeys(leads.InboxTab, 0)


def test_lead_sources_are_edited_as_a_list(session: Session) -> None:
    from crm_tui.db.schema import DEFAULT_LEAD_SOURCES
    from crm_tui.errors import ValidationError
    from crm_tui.services.stages import lead_sources, set_lead_sources

    kept = leads.create_lead(session, leads.lead_from_fields({"name": "Ann", "source": "Referral"}))
    assert set_lead_sources(session, ["  Trade  fair ", "website", "", "Cold list"]) == [
        "Trade fair",
        "website",
        "Cold list",
    ]
    assert lead_sources(session) == ["Trade fair", "website", "Cold list"]  # renamed by case too
    # A source taken off the list stays on the leads that came from it.
    assert leads.get_lead(session, kept.id or 0).source == "Referral"
    for wrong, message in ((["A", "a"], "twice"), (["", " "], "at least one")):
        with pytest.raises(ValidationError, match=message):
            set_lead_sources(session, wrong)
    assert lead_sources(session) == ["Trade fair", "website", "Cold list"]
    assert "Website" in DEFAULT_LEAD_SOURCES
