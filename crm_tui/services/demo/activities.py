"""Calls, meetings, emails and tasks: done, overdue, due today and upcoming.

Each is planned on the timeline of what it is about; done ones also log the interaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from crm_tui.dates import day_start_utc, to_local
from crm_tui.db.models import Activity, ActivityKind, EntityKind, LeadStatus, StageKind
from crm_tui.services.activities import due_moment
from crm_tui.services.demo.records import DemoDeal, DemoLead, DemoPerson
from crm_tui.services.demo.words import ACTIVITY_TITLES, NOTES, OUTCOMES
from crm_tui.services.demo.world import World, spread
from crm_tui.services.events import EventKind

_ACTIVITY_KIND_WEIGHTS = {
    ActivityKind.CALL: 35,
    ActivityKind.MEETING: 20,
    ActivityKind.EMAIL: 20,
    ActivityKind.TASK: 25,
}
# When an activity is due relative to today. About 40% are done; of the open ones some are
# overdue, a few due today, most upcoming. The first five are fixed so that even a tiny demo
# has a Today list with overdue, timed and untimed items.
_WHEN_GUARANTEED = ["today_timed", "today", "overdue", "done", "upcoming"]
_WHEN_WEIGHTS = {"done": 40, "overdue": 18, "today": 4, "upcoming": 38}
# Done calls, meetings and emails are interactions and go to the timeline under their own kind
# (as services.activities.complete_activity writes them); a done task is `activity_done`.
_DONE_EVENTS = {
    ActivityKind.CALL: EventKind.CALL,
    ActivityKind.MEETING: EventKind.MEETING,
    ActivityKind.EMAIL: EventKind.EMAIL,
    ActivityKind.TASK: EventKind.ACTIVITY_DONE,
}


@dataclass(slots=True)
class _Owner:
    """What an activity is about: the ids it links to and the record whose timeline shows it."""

    entity: tuple[EntityKind, int]
    lang: str
    created_at: datetime
    lead_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None
    deal_id: int | None = None


@dataclass(slots=True)
class _Due:
    due_on: date
    due_time: time | None
    created_at: datetime
    done_at: datetime | None


def make_activities(
    world: World, count: int, contacts: list[DemoPerson], leads: list[DemoLead], deals: list[DemoDeal]
) -> None:
    open_leads = [lead for lead in leads if lead.status in (LeadStatus.NEW, LeadStatus.WORKING)]
    open_deals = [deal for deal in deals if world.stages[deal.stage][2] == StageKind.OPEN]
    for index, when in enumerate(spread(world, count, _WHEN_GUARANTEED, _WHEN_WEIGHTS)):
        # The guaranteed ones hang on contacts, which are at least a day old, so "overdue" fits.
        pick = (
            "contact"
            if index < len(_WHEN_GUARANTEED)
            else world.rng.choices(["contact", "deal", "lead"], [40, 35, 25])[0]
        )
        done = when == "done"
        # Open activities hang on open leads and deals; done ones may be on anything.
        owner = _activity_owner(
            world, pick, contacts, leads if done else open_leads, deals if done else open_deals
        )
        if owner is not None:
            _make_activity(world, when, owner)
    world.writer.flush()


def _activity_owner(
    world: World, pick: str, contacts: list[DemoPerson], leads: list[DemoLead], deals: list[DemoDeal]
) -> _Owner | None:
    """Deal, lead or contact; falls back to a contact when there is none of the kind picked.

    Like services.activities, an activity on a deal also carries the deal's person and company
    so that it shows on their cards, and the timeline owner is the deal, else the lead, else
    the contact.
    """
    if pick == "deal" and deals:
        deal = world.rng.choice(deals)
        return _Owner(
            (EntityKind.DEAL, deal.id),
            deal.lang,
            deal.created_at,
            contact_id=deal.contact_id,
            company_id=deal.company_id,
            deal_id=deal.id,
        )
    if pick == "lead" and leads:
        lead = world.rng.choice(leads)
        return _Owner((EntityKind.LEAD, lead.id), lead.lang, lead.created_at, lead_id=lead.id)
    if not contacts:
        return None
    person = world.rng.choice(contacts)
    return _Owner(
        (EntityKind.CONTACT, person.id),
        person.lang,
        person.created_at,
        contact_id=person.id,
        company_id=person.company_id,
    )


def _clock_time(world: World, first_hour: int = 9, last_hour: int = 18) -> time:
    return time(world.rng.randint(first_hour, last_hour), world.rng.choice([0, 15, 30, 45]))


def _activity_due(world: World, when: str, owner_created: datetime, kind: ActivityKind) -> _Due:
    """Due date, time, creation and completion, never before the owner existed or after now."""
    age = (world.today - to_local(owner_created).date()).days
    rng = world.rng
    if when == "overdue" and age < 1:
        when = "today"
    timed = kind in (ActivityKind.CALL, ActivityKind.MEETING) and world.chance(0.4)
    if when == "done":
        due_on = world.today - timedelta(days=rng.randint(0, min(90, max(age - 1, 0))))
        day = day_start_utc(due_on)
        # Done during working hours on the day it was due.
        done_at = world.between(
            max(owner_created, day + timedelta(hours=8)), min(world.now, day + timedelta(hours=20))
        )
        created_at = world.between(max(owner_created, done_at - timedelta(days=14)), done_at)
        return _Due(due_on, _clock_time(world) if timed else None, created_at, done_at)
    if when == "overdue":
        due_on = world.today - timedelta(days=rng.randint(1, min(30, age)))
        day = day_start_utc(due_on)
        created_at = world.between(max(owner_created, day - timedelta(days=14)), day)
        return _Due(due_on, _clock_time(world) if timed else None, created_at, None)
    created_at = world.between(max(owner_created, world.now - timedelta(days=14)), world.now)
    if when in ("today", "today_timed"):
        timed = timed or when == "today_timed"
        return _Due(world.today, _clock_time(world) if timed else None, created_at, None)
    due_on = world.today + timedelta(days=rng.randint(1, 45))
    return _Due(due_on, _clock_time(world) if timed else None, created_at, None)


def _make_activity(world: World, when: str, owner: _Owner) -> None:
    activity_id = world.writer.new_id(Activity)
    kind = world.rng.choices(list(_ACTIVITY_KIND_WEIGHTS), list(_ACTIVITY_KIND_WEIGHTS.values()))[0]
    title = world.rng.choice(ACTIVITY_TITLES[kind][owner.lang])
    due = _activity_due(world, when, owner.created_at, kind)
    outcome = world.rng.choice(OUTCOMES[kind][owner.lang]) if due.done_at and world.chance(0.8) else None
    world.writer.add(
        Activity,
        {
            "id": activity_id,
            "kind": kind.value,
            "title": title,
            "due_on": due.due_on,
            "due_at": due_moment(due.due_on, due.due_time),
            "notes": world.rng.choice(NOTES[owner.lang]) if world.chance(0.1) else None,
            "done_at": due.done_at,
            "outcome": outcome,
            "lead_id": owner.lead_id,
            "contact_id": owner.contact_id,
            "company_id": owner.company_id,
            "deal_id": owner.deal_id,
            "created_at": due.created_at,
        },
    )
    people = (owner.contact_id, owner.company_id)
    label = kind.value.capitalize()
    world.event(
        due.created_at,
        EventKind.TASK,
        owner.entity,
        people,
        f"{label} planned: {title} due {due.due_on.isoformat()}",
        {"activity_id": activity_id},
    )
    if due.done_at is not None:
        world.event(
            due.done_at,
            _DONE_EVENTS[kind],
            owner.entity,
            people,
            f"{label}: {title}" + (f" — {outcome}" if outcome else ""),
            {"activity_id": activity_id, "outcome": outcome},
        )
