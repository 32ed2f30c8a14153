"""Demo data: a realistic, seeded CRM of any size, from a handful of records to the benchmark.

    from crm_tui.services import demo
    demo.generate(session, demo.DemoSize.for_size(200), seed=7)

The same seed and clock (`CRM_TUI_NOW`) give the same database byte for byte — snapshot tests
and README screenshots rely on that. The benchmark set (100,000 contacts, 500,000 events…) has
to build in minutes on two cores, so rows go in through Core bulk inserts (see `world`).

The modules, in the order `generate` runs them: `world` (random state, clock, row writer),
`people` (companies and contacts; `names` makes their names, emails and phones), `leads`,
`deals`, `activities`, and `timeline` (extra notes, interactions and, through
`field_history`, field edits). `words` holds the vocabulary, `records` what the generators
remember about each record, `sizes` how many of each to make.
"""

from __future__ import annotations

from sqlalchemy import case, exists, func, or_, select, update
from sqlmodel import Session, col

from crm_tui.db.models import Activity, Company, Contact, Deal, Event, Lead
from crm_tui.db.table_copy import reset_sequences
from crm_tui.services.demo.activities import make_activities
from crm_tui.services.demo.deals import make_deals
from crm_tui.services.demo.leads import make_leads
from crm_tui.services.demo.people import make_companies, make_contacts
from crm_tui.services.demo.sizes import DemoSize
from crm_tui.services.demo.timeline import make_filler_events
from crm_tui.services.demo.words import DISQUALIFY_REASONS, LOST_REASONS
from crm_tui.services.demo.world import World, table_of
from crm_tui.services.events import EventKind
from crm_tui.services.search import rebuild_index

__all__ = ["DISQUALIFY_REASONS", "LOST_REASONS", "DemoSize", "database_is_empty", "generate"]


def database_is_empty(session: Session) -> bool:
    """True when the user has no records yet (the stages, sources and settings seeded with
    the schema do not count), so the app and `crm-tui demo` can offer demo data safely."""
    connection = session.connection()
    for model in (Contact, Company, Lead, Deal, Activity):
        if connection.execute(select(exists().select_from(table_of(model)))).scalar():
            return False
    return True


def generate(session: Session, size: DemoSize, seed: int = 7) -> dict[str, int]:
    """Write a demo data set into the session's database and index it for search.

    Works on an empty database (ids then start at 1, and contact 1 is Russian) and next to
    existing records (ids continue after them). Returns how many rows of each kind were made.
    The caller's session scope commits.
    """
    world = World.start(session, seed, people=size.contacts + size.leads)
    companies = make_companies(world, size.companies)
    contacts = make_contacts(world, size.contacts, companies)
    leads = make_leads(world, size.leads, contacts)
    deals = make_deals(world, size.deals, contacts, companies, leads)
    make_activities(world, size.activities, contacts, leads, deals)
    make_filler_events(world, size.events, companies, contacts, leads, deals)
    world.writer.flush()
    reset_sequences(session.connection())  # the rows went in with their ids (PostgreSQL)
    _last_touch_from_timeline(session)
    rebuild_index(session)
    return world.writer.counts()


def _last_touch_from_timeline(session: Session) -> None:
    """A contact's last touch is at least its latest call, meeting or email on the timeline, as
    logging one would have made it; the random touches drawn for the people stand for the
    history before the demo's timeline."""
    logged = (
        select(func.max(Event.at))
        .where(
            col(Event.contact_id) == Contact.id,
            col(Event.kind).in_([EventKind.CALL, EventKind.MEETING, EventKind.EMAIL]),
        )
        .scalar_subquery()
    )
    session.execute(
        update(Contact)
        .where(logged.is_not(None))
        .values(
            last_touch_at=case(
                (or_(col(Contact.last_touch_at).is_(None), col(Contact.last_touch_at) < logged), logged),
                else_=col(Contact.last_touch_at),
            )
        )
    )
