"""Cards: the fields, related records and timeline the UI shows for each kind of record."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from crm_tui.dates import humanize_age
from crm_tui.db.models import CompanyBase, Contact, EntityKind, LeadStatus
from crm_tui.errors import NotFound
from crm_tui.services import activities, cards, companies, contacts, deals, events, leads
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.cards import CardLink
from crm_tui.services.contacts import AddressIn, ContactCreate, EmailIn, PhoneIn
from crm_tui.services.deals import DealCreate
from crm_tui.services.stages import stage_by_name

NNBSP = "\u202f"


@pytest.fixture
def anna(session: Session) -> Contact:
    return contacts.create_contact(
        session,
        ContactCreate(
            first_name="Anna",
            last_name="Smith",
            company_name="Acme",
            title="CEO",
            birthday=date(1990, 5, 1),
            emails=[
                EmailIn(value="anna@acme.example", kind="work"),
                EmailIn(value="a@home.example", kind="home"),
            ],
            phones=[PhoneIn(value="8 912 345-67-89", kind="cell")],
            addresses=[AddressIn(kind="work", street="1 Main St", city="Springfield")],
            tags=["VIP"],
            extra={"X-SKYPE": "anna.smith"},
        ),
    )


def _links(card: cards.Card) -> dict[str, list[CardLink]]:
    return dict(card.links)


def test_contact_card(session: Session, anna: Contact, clock) -> None:
    deal = deals.create_deal(session, DealCreate(title="Renewal", contact_id=anna.id, amount=1_500_00))
    task = activities.create_activity(
        session,
        ActivityCreate(kind="task", title="Send contract", contact_id=anna.id, due_on=date(2026, 11, 23)),
    )
    clock("2026-11-20T10:00:00+00:00")
    deals.move_deal(session, deal.id, stage_by_name(session, "Proposal").id)
    session.flush()

    card = cards.load_card(session, EntityKind.CONTACT, anna.id)
    assert (card.kind, card.id, card.title, card.subtitle) == (
        EntityKind.CONTACT,
        anna.id,
        "Anna Smith",
        "CEO · Acme",
    )
    fields = dict(card.fields)
    assert fields["Company"] == "Acme"
    assert fields["Title"] == "CEO"
    assert fields["Email (work)"] == "anna@acme.example ★"
    assert fields["Email (home)"] == "a@home.example"
    assert fields["Phone (cell)"] == "8 912 345-67-89  +79123456789"
    assert fields["Address (work)"] == "1 Main St, Springfield"
    assert fields["Birthday"] == "1990-05-01"
    assert fields["Tags"] == "VIP"
    assert fields["Last touch"] == "never"
    assert fields["vCard X-SKYPE"] == "anna.smith"

    links = _links(card)
    assert links["Company"] == [CardLink(EntityKind.COMPANY, anna.company_id, "Acme")]
    assert links["Open deals"] == [
        CardLink(EntityKind.DEAL, deal.id, f"Renewal · Proposal · 1{NNBSP}500 RUB")
    ]
    assert links["Closed deals"] == []
    assert [(link.kind, link.id) for link in links["Open activities"]] == [(EntityKind.ACTIVITY, task.id)]
    assert "Send contract" in links["Open activities"][0].text
    assert "in 3d" in links["Open activities"][0].text

    assert card.subject == contacts.subject(anna)
    assert [(entry.kind, entry.text) for entry in card.timeline] == [
        ("stage_changed", "stage: New → Proposal"),
        ("task", "Task planned: Send contract due 2026-11-23"),
        ("created", "Deal created: Renewal (New)"),
        ("created", "Contact created: Anna Smith"),
    ]
    assert card.timeline[0].when == "2026-11-20 10:00"


def test_contact_card_last_touch(session: Session, anna: Contact, clock) -> None:
    call = activities.create_activity(session, ActivityCreate(kind="call", title="Ring", contact_id=anna.id))
    activities.complete_activity(session, call.id)
    touched = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    # The last minute reads as a word ("now"), never as "now ago".
    just_now = dict(cards.load_card(session, EntityKind.CONTACT, anna.id).fields)["Last touch"]
    assert just_now == humanize_age(touched)
    assert not just_now.endswith("ago")
    clock("2026-11-23T09:00:00+00:00")
    assert dict(cards.load_card(session, EntityKind.CONTACT, anna.id).fields)["Last touch"] == "3d ago"


def test_company_card(session: Session, anna: Contact) -> None:
    company_id = anna.company_id
    contacts.create_contact(session, ContactCreate(first_name="Bob", company_id=company_id))
    gone = contacts.create_contact(session, ContactCreate(first_name="Gone", company_id=company_id))
    contacts.archive_contact(session, gone.id)
    companies.update_company(session, company_id, {"industry": "Retail", "website": "acme.example"})
    won = deals.create_deal(session, DealCreate(title="Old win", company_id=company_id))
    deals.move_deal(session, won.id, stage_by_name(session, "Won").id)
    open_deal = deals.create_deal(session, DealCreate(title="New hope", company_id=company_id))
    activities.create_activity(session, ActivityCreate(title="Visit", company_id=company_id))
    session.flush()

    card = cards.load_card(session, EntityKind.COMPANY, company_id)
    assert (card.title, card.subtitle) == ("Acme", "Retail")
    assert dict(card.fields)["Website"] == "acme.example"
    links = _links(card)
    assert [link.text for link in links["People"]] == ["Anna Smith · CEO", "Bob"]
    assert [link.id for link in links["Open deals"]] == [open_deal.id]
    assert [link.id for link in links["Closed deals"]] == [won.id]
    assert dict(card.fields)["Deals"] == "1 open: 0 RUB · 1 won: 0 RUB"
    assert card.health is not None and card.health.light.value in {"green", "yellow", "red"}
    assert [link.text.split(" · ")[0] for link in links["Open activities"]] == ["task    Visit"]
    timeline_kinds = [entry.kind for entry in card.timeline]
    assert timeline_kinds.count("created") >= 4  # the company, its people and its deals
    assert "field_changed" in timeline_kinds


def test_lead_card(session: Session) -> None:
    lead = leads.create_lead(
        session,
        leads.lead_from_fields({"name": "Bob", "company": "Beta", "value": "12.5k", "source": "Website"}),
    )
    leads.set_status(session, lead.id, LeadStatus.DISQUALIFIED, "no budget")
    activities.create_activity(session, ActivityCreate(kind="call", title="Try again", lead_id=lead.id))
    session.flush()

    card = cards.load_card(session, EntityKind.LEAD, lead.id)
    assert (card.title, card.subtitle) == ("Bob · Beta", "disqualified")
    fields = dict(card.fields)
    assert fields["Status"] == "disqualified (no budget)"
    assert fields["Value"] == f"12{NNBSP}500 RUB"
    assert fields["Received"] == "2026-11-20 09:00"
    assert fields["Email"] == "—"
    links = _links(card)
    assert links["Converted into"] == []
    assert len(links["Open activities"]) == 1
    assert [entry.kind for entry in card.timeline] == ["task", "status_changed", "created"]


def test_deal_card(session: Session, anna: Contact, clock) -> None:
    deal = deals.create_deal(
        session,
        DealCreate(
            title="Renewal", contact_id=anna.id, amount=2_000_00, expected_close_on=date(2026, 12, 31)
        ),
    )
    events.add_note(session, deals.subject(deal), "asked for a discount")
    clock("2026-11-22T09:00:00+00:00")
    deals.move_deal(session, deal.id, stage_by_name(session, "Lost").id, "chose a competitor")
    clock("2026-11-25T10:00:00+00:00")
    session.flush()

    card = cards.load_card(session, EntityKind.DEAL, deal.id)
    assert (card.title, card.subtitle) == ("Renewal", f"Lost · 2{NNBSP}000 RUB")
    assert card.reopenable
    assert card.fields == [
        ("Stage", "Lost (0%)"),
        ("Amount", f"2{NNBSP}000 RUB"),
        ("Expected close", "2026-12-31"),
        ("In stage", "3 days · since 2026-11-22"),
        ("Created", "2026-11-20 09:00"),
        ("Closed", "2026-11-22 09:00"),
        ("Lost reason", "chose a competitor"),
        ("Contact", "Anna Smith"),
        ("Company", "Acme"),
        ("Notes", "—"),
    ]
    assert _links(card)["Contact and company"] == [
        CardLink(EntityKind.CONTACT, anna.id, "Anna Smith"),
        CardLink(EntityKind.COMPANY, anna.company_id, "Acme"),
    ]
    assert "Came from lead" not in _links(card)
    assert [(entry.kind, entry.text) for entry in card.timeline] == [
        ("stage_changed", "stage: New → Lost (chose a competitor)"),
        ("note", "asked for a discount"),
        ("created", "Deal created: Renewal (New)"),
    ]
    assert card.subject == deals.subject(deal)


def test_open_deal_card_has_no_closing_fields(session: Session, anna: Contact, clock) -> None:
    deal = deals.create_deal(
        session, DealCreate(title="Upgrade", company_id=anna.company_id, amount=500_00, currency="usd")
    )
    deals.move_deal(session, deal.id, stage_by_name(session, "Proposal").id)
    activities.create_activity(
        session,
        ActivityCreate(kind="call", title="Walk through it", deal_id=deal.id, due_on=date(2026, 11, 21)),
    )
    clock("2026-11-21T12:00:00+00:00")
    session.flush()

    card = cards.load_card(session, EntityKind.DEAL, deal.id)
    fields = dict(card.fields)
    assert not card.reopenable
    assert fields["Stage"] == "Proposal (50%)"
    assert fields["Amount"] == "500 USD"
    assert fields["In stage"] == "1 day · since 2026-11-20"
    assert "Closed" not in fields and "Lost reason" not in fields
    assert (fields["Contact"], fields["Company"]) == ("—", "Acme")
    links = _links(card)
    assert [link.text for link in links["Contact and company"]] == ["Acme"]
    assert [link.text for link in links["Open activities"]] == ["call    Walk through it · today"]
    assert [entry.text for entry in card.timeline if entry.kind == "stage_changed"] == [
        "stage: New → Proposal"
    ]


def test_won_deal_card(session: Session, anna: Contact) -> None:
    deal = deals.create_deal(session, DealCreate(title="Licences", contact_id=anna.id, amount=900_00))
    deals.move_deal(session, deal.id, stage_by_name(session, "Won").id)
    session.flush()

    card = cards.load_card(session, EntityKind.DEAL, deal.id)
    fields = dict(card.fields)
    assert card.reopenable
    assert (fields["Stage"], fields["Closed"]) == ("Won (100%)", "2026-11-20 09:00")
    assert "Lost reason" not in fields


def test_deal_card_links_the_lead_it_came_from(session: Session) -> None:
    lead = leads.create_lead(session, leads.lead_from_fields({"name": "Olga Petrova", "company": "Vektor"}))
    deal = deals.create_deal(session, DealCreate(title="Pilot", lead_id=lead.id))
    session.flush()

    card = cards.load_card(session, EntityKind.DEAL, deal.id)
    [link] = _links(card)["Came from lead"]
    assert (link.kind, link.id) == (EntityKind.LEAD, lead.id)


def test_card_of_a_missing_record(session: Session) -> None:
    for kind in (EntityKind.CONTACT, EntityKind.COMPANY, EntityKind.LEAD, EntityKind.DEAL):
        with pytest.raises(NotFound):
            cards.load_card(session, kind, 404)


def test_activities_have_no_card(session: Session) -> None:
    with pytest.raises(ValueError, match="has no card"):
        cards.subject_of(session, EntityKind.ACTIVITY, 1)


def test_company_subject(session: Session) -> None:
    company = companies.create_company(session, CompanyBase(name="Solo"))
    assert cards.subject_of(session, EntityKind.COMPANY, company.id) == companies.subject(company)
