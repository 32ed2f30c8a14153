"""Deals on the board: every stage used, moves through the stages on the timeline.

A deal's title is what is being sold ("Внедрение CRM", "CRM rollout"); the company and
person are shown next to it everywhere, so the title does not repeat them. A second deal on
the same subject with the same client is its next phase ("CRM rollout, phase 2").
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, update

from crm_tui.db.models import Deal, EntityKind, Lead, StageKind
from crm_tui.services.demo.records import DemoCompany, DemoDeal, DemoLead, DemoPerson
from crm_tui.services.demo.words import DEAL_PHASE, DEAL_SUBJECTS, LOST_REASONS, NOTES
from crm_tui.services.demo.world import World, money, spread, table_of
from crm_tui.services.events import EventKind

# How many deals each client has on each subject: (company id, contact id, subject) → count.
_SubjectsUsed = Counter[tuple[int | None, int | None, str]]


def _deal_stages(world: World, count: int) -> list[int]:
    """Stage indexes: half the deals open, the rest won (60%) or lost (40%), every stage used."""
    open_ = world.open_stages
    won = [i for i, stage in enumerate(world.stages) if stage[2] == StageKind.WON]
    lost = [i for i, stage in enumerate(world.stages) if stage[2] == StageKind.LOST]
    closed_weights = {i: max(60 // len(won), 1) for i in won} | {i: max(40 // len(lost), 1) for i in lost}
    # Stages are editable: a board without won/lost (or without open) stages still gets deals.
    open_count = count if not closed_weights else 0 if not open_ else count - count // 2
    closed = spread(world, count - open_count, won[:1] + lost[:1], closed_weights) if closed_weights else []
    # Earlier stages hold more deals, as in any real funnel.
    open_weights = {index: len(open_) - rank for rank, index in enumerate(open_)}
    stages = spread(world, open_count, open_, open_weights) + closed
    world.rng.shuffle(stages)
    return stages


def make_deals(
    world: World, count: int, contacts: list[DemoPerson], companies: list[DemoCompany], leads: list[DemoLead]
) -> list[DemoDeal]:
    if not world.stages:
        return []
    converted = [lead for lead in leads if lead.converted_at is not None]
    # Up to a third of the deals came from converted leads; the rest were started directly.
    from_leads = converted[: count // 3]
    made: list[DemoDeal] = []
    lead_links = []
    subjects_used: _SubjectsUsed = Counter()
    for index, stage in enumerate(_deal_stages(world, count)):
        lead = from_leads[index] if index < len(from_leads) else None
        deal = _make_deal(world, stage, contacts, companies, lead, subjects_used)
        made.append(deal)
        if lead is not None:
            lead_links.append({"lead": lead.id, "deal": deal.id})
    world.writer.flush()
    if lead_links:
        lead_table = table_of(Lead)
        world.writer.connection.execute(
            update(lead_table).where(lead_table.c.id == bindparam("lead")).values(deal_id=bindparam("deal")),
            lead_links,
        )
    return made


def _make_deal(
    world: World,
    stage: int,
    contacts: list[DemoPerson],
    companies: list[DemoCompany],
    lead: DemoLead | None,
    subjects_used: _SubjectsUsed,
) -> DemoDeal:
    deal_id = world.writer.new_id(Deal)
    stage_id, _stage_name, kind = world.stages[stage]
    person = world.rng.choice(contacts) if contacts else None
    contact_id, company_id = (person.id, person.company_id) if person else (None, None)
    lang = person.lang if person else world.lang()
    if lead is not None:
        contact_id, company_id, lang = lead.contact_id, lead.company_id, lead.lang
    elif company_id is None and companies and world.chance(0.5):
        company_id = world.rng.choice(companies).id
    company = world.companies.get(company_id) if company_id is not None else None
    # A deal is written in the language of the company it is with, else of the person.
    lang = company.lang if company else lang
    first_stage = world.open_stages[0] if world.open_stages else stage
    created_at, stage_entered_at = _deal_times(world, stage == first_stage, lead)
    currency = "USD" if lang == "en" and world.chance(0.5) else "RUB"
    title = _deal_title(world.rng.choice(DEAL_SUBJECTS[lang]), lang, company_id, contact_id, subjects_used)
    closed = kind != StageKind.OPEN
    expected: date | None = world.today + timedelta(days=world.rng.randint(-10, 90))
    if closed:
        expected = (stage_entered_at + timedelta(days=world.rng.randint(-5, 5))).date()
    elif world.chance(0.15):
        expected = None
    deal = DemoDeal(
        deal_id,
        lang,
        title,
        stage,
        money(world, currency),
        contact_id,
        company_id,
        created_at,
        stage_entered_at,
        world.rng.choice(LOST_REASONS) if kind == StageKind.LOST else None,
        currency=currency,
        expected_close_on=expected,
    )
    world.writer.add(
        Deal,
        {
            "id": deal_id,
            "title": title,
            "amount": deal.amount,
            "currency": currency,
            "expected_close_on": expected,
            "notes": world.rng.choice(NOTES[lang]) if world.chance(0.15) else None,
            "contact_id": contact_id,
            "company_id": company_id,
            "stage_id": stage_id,
            "lead_id": lead.id if lead else None,
            "stage_entered_at": stage_entered_at,
            "closed_at": stage_entered_at if closed else None,
            "lost_reason": deal.lost_reason,
            "created_at": created_at,
            "updated_at": stage_entered_at,
            "archived_at": None,
        },
    )
    _deal_events(world, deal)
    return deal


def _deal_title(
    subject: str, lang: str, company_id: int | None, contact_id: int | None, subjects_used: _SubjectsUsed
) -> str:
    """The subject; the client's second deal on it is "…, phase 2", the third "…, phase 3".

    The client is the company, else the person (a person's deals with a company are the
    company's). Nothing is drawn here, so titles do not shift the rest of the data.
    """
    client = (company_id, None if company_id is not None else contact_id, subject)
    subjects_used[client] += 1
    phase = subjects_used[client]
    return subject if phase == 1 else DEAL_PHASE[lang].format(subject=subject, phase=phase)


def _deal_times(world: World, in_first_stage: bool, lead: DemoLead | None) -> tuple[datetime, datetime]:
    """(created_at, stage_entered_at).

    Time in the current stage is spread over the past 60 days (that is what rotting measures);
    a deal that has moved on from the first stage was created some time before that. A deal
    made from a lead was created when the lead was converted.
    """
    stage_entered_at = world.days_ago(0, 60)
    created_at = stage_entered_at
    if not in_first_stage:
        created_at -= timedelta(days=world.rng.uniform(1, 90))
    if lead is not None and lead.converted_at is not None:
        created_at = lead.converted_at
        stage_entered_at = created_at if in_first_stage else max(stage_entered_at, created_at)
    return created_at, stage_entered_at


def _deal_path(world: World, deal: DemoDeal) -> list[int]:
    """The stages a deal went through: open deals walked the board one stage at a time;
    won and lost deals left from some open stage."""
    open_ = world.open_stages
    if deal.stage in open_:
        return open_[: open_.index(deal.stage) + 1]
    if not open_:
        return [deal.stage]
    return [*open_[: world.rng.randint(1, len(open_))], deal.stage]


def _deal_events(world: World, deal: DemoDeal) -> None:
    """`created` in the first stage, then each move that brought the deal where it is.

    The moves are spread between creation and `stage_entered_at`, and the last one happens at
    `stage_entered_at`, so days-in-stage and the timeline agree.
    """
    entity, people = (EntityKind.DEAL, deal.id), (deal.contact_id, deal.company_id)
    path = _deal_path(world, deal)
    first_name = world.stages[path[0]][1]
    world.event(
        deal.created_at,
        EventKind.CREATED,
        entity,
        people,
        f"Deal created: {deal.title} ({first_name})",
        {"stage": first_name},
    )
    steps = len(path) - 1
    span = deal.stage_entered_at - deal.created_at
    for number in range(1, steps + 1):
        old, new = world.stages[path[number - 1]], world.stages[path[number]]
        at = deal.stage_entered_at
        if number < steps:
            at = deal.created_at + span * ((number - 1 + world.rng.random()) / steps)
        reason = deal.lost_reason if new[2] == StageKind.LOST else None
        world.event(
            at,
            EventKind.STAGE_CHANGED,
            entity,
            people,
            f"stage: {old[1]} → {new[1]}" + (f" ({reason})" if reason else ""),
            {"from": old[1], "to": new[1], "from_id": old[0], "to_id": new[0], "reason": reason},
        )
