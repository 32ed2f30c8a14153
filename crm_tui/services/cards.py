"""Everything a record's card shows: fields, related records, open activities, timeline.

The UI renders any card the same way, so the rules of what a card holds live here, testable
without the app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from crm_tui.dates import days_since, describe_due, humanize_age, to_local
from crm_tui.db.models import Activity, Company, Contact, Deal, EntityKind, Lead, Stage, StageKind
from crm_tui.money import format_money
from crm_tui.services import activities, contacts, events
from crm_tui.services.companies import CompanyTotals, company_totals, get_company
from crm_tui.services.contacts import get_contact
from crm_tui.services.deals import get_deal
from crm_tui.services.events import Subject
from crm_tui.services.health import Health, company_health, contact_health
from crm_tui.services.leads import get_lead


@dataclass(frozen=True)
class CardLink:
    """A related record shown on a card; `enter` on it opens its own card."""

    kind: EntityKind
    id: int
    text: str


@dataclass(frozen=True)
class TimelineEntry:
    when: str
    kind: str
    text: str
    actor: str = ""  # who did it; "" for events written before crm-tui recorded it


@dataclass
class Card:
    kind: EntityKind
    id: int
    title: str
    subtitle: str
    fields: list[tuple[str, str]]
    links: list[tuple[str, list[CardLink]]] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    subject: Subject | None = None
    # Contacts and companies only: the light and its reasons, shown under the title.
    health: Health | None = None
    # A won or lost deal: `r` on its card puts it back on the board.
    reopenable: bool = False
    # A deal's or a lead's row version as read for the card: its actions hand it back as
    # seen_version (services/versions.py).
    version: int | None = None


def subject_of(session: Session, kind: EntityKind, record_id: int) -> Subject:
    """The timeline subject of a record, with the people it involves."""
    if kind is EntityKind.CONTACT:
        return contacts.subject(get_contact(session, record_id))
    if kind is EntityKind.COMPANY:
        return Subject(kind, get_company(session, record_id).id or record_id, company_id=record_id)
    if kind is EntityKind.LEAD:
        lead = get_lead(session, record_id)
        return Subject(kind, record_id, contact_id=lead.contact_id, company_id=lead.company_id)
    if kind is EntityKind.DEAL:
        deal = get_deal(session, record_id)
        return Subject(kind, record_id, contact_id=deal.contact_id, company_id=deal.company_id)
    raise ValueError(f"{kind} has no card")


def _due(activity: Activity) -> str:
    day, clock = activities.local_due(activity)
    if day is None:
        return "no date"
    text = describe_due(day)
    return f"{text} {clock.strftime('%H:%M')}" if clock else text


def _activity_links(session: Session, subject: Subject) -> list[CardLink]:
    return [
        CardLink(EntityKind.ACTIVITY, a.id or 0, f"{a.kind:<7} {a.title} · {_due(a)}")
        for a in activities.open_activities_for(session, subject)
    ]


def _deal_links(session: Session, condition: object) -> list[tuple[str, list[CardLink]]]:
    """The record's deals in two sections, open ones first (newest first in each)."""
    rows = session.exec(
        select(Deal.id, Deal.title, Stage.name, Stage.kind, Deal.amount, Deal.currency)  # type: ignore[call-overload]  # >4 columns
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(condition, col(Deal.archived_at).is_(None))  # type: ignore[arg-type]
        .order_by(col(Deal.id).desc())
    ).all()
    sections: dict[bool, list[CardLink]] = {True: [], False: []}
    for deal_id, title, stage, kind, amount, currency in rows:
        text = f"{title} · {stage} · {format_money(amount, currency)}"
        sections[kind == StageKind.OPEN.value].append(CardLink(EntityKind.DEAL, deal_id or 0, text))
    return [("Open deals", sections[True]), ("Closed deals", sections[False])]


def _timeline(session: Session, subject: Subject) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            to_local(event.at).strftime("%Y-%m-%d %H:%M"), event.kind, event.text, event.actor or ""
        )
        for event in events.timeline(session, subject)
    ]


def _ago(moment: datetime) -> str:
    """`3d ago`, but `now` alone: humanize_age words the last minute without a number."""
    age = humanize_age(moment)
    return f"{age} ago" if age[:1].isdigit() else age


def _next_step(next_on: object, goal: str | None) -> str:
    return " ".join(filter(None, [str(next_on) if next_on else "", goal or ""])) or "—"


def load_card(session: Session, kind: EntityKind, record_id: int) -> Card:
    builders = {
        EntityKind.CONTACT: _contact_card,
        EntityKind.COMPANY: _company_card,
        EntityKind.LEAD: _lead_card,
        EntityKind.DEAL: _deal_card,
    }
    card = builders[kind](session, record_id)
    card.subject = subject_of(session, kind, record_id)
    card.timeline = _timeline(session, card.subject)
    return card


def _contact_card(session: Session, contact_id: int) -> Card:
    contact = get_contact(session, contact_id)
    company = session.get(Company, contact.company_id) if contact.company_id else None
    emails = contacts.emails_of(session, contact_id)
    phones = contacts.phones_of(session, contact_id)
    addresses = contacts.addresses_of(session, contact_id)
    fields = [
        ("Company", company.name if company else "—"),
        ("Title", contact.title or "—"),
        *[
            (f"Email ({e.kind})", e.value + (" ★" if e.is_primary and len(emails) > 1 else ""))
            for e in emails
        ],
        *[
            (f"Phone ({p.kind})", p.value + (f"  {p.e164}" if p.e164 and not p.value.startswith("+") else ""))
            for p in phones
        ],
        *[
            (
                f"Address ({a.kind})",
                ", ".join(filter(None, [a.street, a.city, a.region, a.postcode, a.country])),
            )
            for a in addresses
        ],
        ("Birthday", contact.birthday.isoformat() if contact.birthday else "—"),
        ("Tags", ", ".join(contacts.tags_of(session, contact_id)) or "—"),
        ("Source", contact.source or "—"),
        ("Last touch", _ago(contact.last_touch_at) if contact.last_touch_at else "never"),
        ("Next step", _next_step(contact.next_contact_on, contact.next_contact_goal)),
        ("Notes", contact.notes or "—"),
        *[(f"vCard {key}", str(value)) for key, value in sorted(contact.extra.items())],
    ]
    links = [
        ("Company", [CardLink(EntityKind.COMPANY, company.id or 0, company.name)] if company else []),
        *_deal_links(session, col(Deal.contact_id) == contact_id),
        ("Open activities", _activity_links(session, contacts.subject(contact))),
    ]
    return Card(
        EntityKind.CONTACT,
        contact_id,
        contact.full_name,
        " · ".join(filter(None, [contact.title, company.name if company else ""])),
        fields,
        links,
        health=contact_health(session, contact_id),
    )


def _company_card(session: Session, company_id: int) -> Card:
    company = get_company(session, company_id)
    people = session.exec(
        select(Contact)
        .where(Contact.company_id == company_id, col(Contact.archived_at).is_(None))
        .order_by(Contact.full_name_fold)
    ).all()
    fields = [
        ("Industry", company.industry or "—"),
        ("Website", company.website or "—"),
        ("Phone", company.phone or "—"),
        ("Email", company.email or "—"),
        ("Address", company.address or "—"),
        ("Next step", _next_step(company.next_contact_on, company.next_contact_goal)),
        ("Deals", _totals_text(company_totals(session, company_id))),
        ("Notes", company.notes or "—"),
        *[(f"vCard {key}", str(value)) for key, value in sorted(company.extra.items())],
    ]
    subject = Subject(EntityKind.COMPANY, company_id, company_id=company_id)
    links = [
        (
            "People",
            [
                CardLink(
                    EntityKind.CONTACT, p.id or 0, f"{p.full_name}" + (f" · {p.title}" if p.title else "")
                )
                for p in people
            ],
        ),
        *_deal_links(session, col(Deal.company_id) == company_id),
        ("Open activities", _activity_links(session, subject)),
    ]
    return Card(
        EntityKind.COMPANY,
        company_id,
        company.name,
        company.industry or "",
        fields,
        links,
        health=company_health(session, company_id),
    )


def _totals_text(totals: CompanyTotals) -> str:
    """`2 open: 1 200 000 RUB · 1 won: 300 000 RUB · 1 lost`, or `—` without deals."""
    parts = []
    for count, sums, word in (
        (totals.open_count, totals.open_sums, "open"),
        (totals.won_count, totals.won_sums, "won"),
    ):
        if count:
            money = " + ".join(format_money(amount, currency) for currency, amount in sorted(sums.items()))
            parts.append(f"{count} {word}: {money}")
    if totals.lost_count:
        parts.append(f"{totals.lost_count} lost")
    return " · ".join(parts) or "—"


def _lead_card(session: Session, lead_id: int) -> Card:
    lead = get_lead(session, lead_id)
    fields = [
        ("Status", lead.status + (f" ({lead.disqualify_reason})" if lead.disqualify_reason else "")),
        ("Person", lead.person_name or "—"),
        ("Company", lead.company_name or "—"),
        ("Email", lead.email or "—"),
        ("Phone", lead.phone or "—"),
        ("Source", lead.source or "—"),
        ("Value", format_money(lead.value, lead.currency) or "—"),
        ("Received", to_local(lead.created_at).strftime("%Y-%m-%d %H:%M")),
        ("Next step", _next_step(lead.next_contact_on, lead.next_contact_goal)),
        ("Notes", lead.notes or "—"),
    ]
    became = [
        link
        for link in (
            CardLink(EntityKind.CONTACT, lead.contact_id, "contact") if lead.contact_id else None,
            CardLink(EntityKind.COMPANY, lead.company_id, "company") if lead.company_id else None,
            CardLink(EntityKind.DEAL, lead.deal_id, "deal") if lead.deal_id else None,
        )
        if link is not None
    ]
    subject = Subject(EntityKind.LEAD, lead_id)
    links = [("Converted into", became), ("Open activities", _activity_links(session, subject))]
    return Card(EntityKind.LEAD, lead_id, lead.title, lead.status, fields, links)


def _in_stage(entered_at: datetime) -> str:
    """`12 days · since 2026-11-08`."""
    count = days_since(entered_at)
    return f"{count} day{'' if count == 1 else 's'} · since {to_local(entered_at):%Y-%m-%d}"


def _moment(moment: datetime) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M")


def _deal_card(session: Session, deal_id: int) -> Card:
    deal = get_deal(session, deal_id)
    stage = session.get(Stage, deal.stage_id)
    contact = session.get(Contact, deal.contact_id) if deal.contact_id else None
    company = session.get(Company, deal.company_id) if deal.company_id else None
    stage_name = stage.name if stage else "?"
    closed = stage is not None and stage.kind != StageKind.OPEN
    fields = [
        ("Stage", f"{stage_name} ({stage.probability}%)" if stage else "?"),
        ("Amount", format_money(deal.amount, deal.currency)),
        ("Expected close", deal.expected_close_on.isoformat() if deal.expected_close_on else "—"),
        ("In stage", _in_stage(deal.stage_entered_at)),
        ("Created", _moment(deal.created_at)),
        *([("Closed", _moment(deal.closed_at))] if closed and deal.closed_at else []),
        *([("Lost reason", deal.lost_reason or "—")] if stage and stage.kind == StageKind.LOST else []),
        ("Contact", contact.full_name if contact else "—"),
        ("Company", company.name if company else "—"),
        ("Notes", deal.notes or "—"),
    ]
    people = [
        *([CardLink(EntityKind.CONTACT, contact.id or 0, contact.full_name)] if contact else []),
        *([CardLink(EntityKind.COMPANY, company.id or 0, company.name)] if company else []),
    ]
    lead = session.get(Lead, deal.lead_id) if deal.lead_id else None
    subject = Subject(EntityKind.DEAL, deal_id, contact_id=deal.contact_id, company_id=deal.company_id)
    links = [
        ("Contact and company", people),
        *(
            [
                (
                    "Came from lead",
                    [CardLink(EntityKind.LEAD, lead.id or 0, lead.title or lead.person_name or "lead")],
                )
            ]
            if lead
            else []
        ),
        ("Open activities", _activity_links(session, subject)),
    ]
    return Card(
        EntityKind.DEAL,
        deal_id,
        deal.title,
        f"{stage_name} · {format_money(deal.amount, deal.currency)}",
        fields,
        links,
        reopenable=closed,
        version=deal.version,
    )


def contact_details(session: Session, kind: EntityKind, record_id: int) -> list[tuple[str, str]]:
    """The emails and phones of a contact (primary first) or a company, for copying or
    writing: (label, value) pairs such as ("email work", "a@b.ru")."""
    if kind is EntityKind.CONTACT:
        return [(f"email {e.kind}", e.value) for e in contacts.emails_of(session, record_id)] + [
            (f"phone {p.kind}", p.value) for p in contacts.phones_of(session, record_id)
        ]
    company = get_company(session, record_id)
    return [(label, value) for label, value in (("email", company.email), ("phone", company.phone)) if value]
