"""Companies and contacts, with their emails, phones, addresses and tags."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from crm_tui.db.models import (
    Company,
    CompanyTag,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    EntityKind,
)
from crm_tui.services.contacts import full_name_of, name_columns
from crm_tui.services.demo import names
from crm_tui.services.demo.records import DemoCompany, DemoPerson
from crm_tui.services.demo.words import INDUSTRIES, JOB_TITLES, NOTES
from crm_tui.services.demo.world import World, next_contact
from crm_tui.services.events import EventKind
from crm_tui.services.validation import fold


def make_companies(world: World, count: int) -> list[DemoCompany]:
    made = []
    for index in range(count):
        lang = "ru" if index == 0 else world.lang()
        made.append(_make_company(world, lang))
    world.writer.flush()
    return made


def _company_identity(world: World, lang: str) -> tuple[str, str | None]:
    """A name and web domain no other demo company has: duplicates would flood the merge screen.

    The short patterns run out after a few hundred names, so a clash retries with the wide ones.
    """
    name = names.make_company_name(world, lang)
    attempts = 0
    while name.casefold() in world.used_names and attempts < 50:
        name = names.make_company_name(world, lang, wide=True)
        attempts += 1
    if name.casefold() in world.used_names:
        name = f"{name} {len(world.used_names)}"
    world.used_names.add(name.casefold())
    domain = names.domain_for(name, lang)
    if domain is not None and domain in world.used_domains:
        stem, _, tld = domain.rpartition(".")
        domain = f"{stem}{len(world.used_domains)}.{tld}"
    if domain is not None:
        world.used_domains.add(domain)
    return name, domain


def _make_company(world: World, lang: str) -> DemoCompany:
    company_id = world.writer.new_id(Company)
    name, domain = _company_identity(world, lang)
    created_at = world.days_ago(30, 730)
    phone = names.make_phone(world, lang, mobile=False)[0] if world.chance(0.7) else None
    address = None
    if world.chance(0.5):
        address = f"{world.pools(lang, 'city')}, {world.pools(lang, 'street_address')}"
    row: dict[str, Any] = {
        "id": company_id,
        "name": name,
        "name_fold": fold(name),
        "website": f"https://{domain}" if domain and world.chance(0.75) else None,
        "industry": world.rng.choice(INDUSTRIES[lang]) if world.chance(0.85) else None,
        "phone": phone,
        "email": f"info@{domain}" if domain and world.chance(0.6) else None,
        "address": address,
        "notes": world.rng.choice(NOTES[lang]) if world.chance(0.1) else None,
        "next_contact_on": None,
        "next_contact_goal": None,
        "extra": {},
        "created_at": created_at,
        "updated_at": created_at,
        "archived_at": None,
    }
    world.writer.add(Company, row)
    if world.chance(0.1):
        world.writer.add(CompanyTag, {"company_id": company_id, "tag_id": world.rng.choice(world.tag_ids)})
    world.event(
        created_at,
        EventKind.CREATED,
        (EntityKind.COMPANY, company_id),
        (None, company_id),
        f"Company created: {name}",
    )
    company = DemoCompany(company_id, lang, name, domain, created_at, industry=row["industry"])
    world.companies[company_id] = company
    return company


def make_contacts(world: World, count: int, companies: list[DemoCompany]) -> list[DemoPerson]:
    by_lang: dict[str, list[DemoCompany]] = {"ru": [], "en": []}
    for employer in companies:
        by_lang[employer.lang].append(employer)
    made = []
    for index in range(count):
        # Contact 1 is Russian so a test (and a person trying the demo) can search a Cyrillic name.
        lang = "ru" if index == 0 else world.lang()
        # People mostly work for companies of their own language; fall back to any company.
        pool = by_lang[lang] or companies
        company = world.rng.choice(pool) if pool and world.chance(0.8) else None
        made.append(_make_contact(world, lang, company))
    world.writer.flush()
    return made


def _make_contact(world: World, lang: str, company: DemoCompany | None) -> DemoPerson:
    contact_id = world.writer.new_id(Contact)
    first, middle, last = names.make_person_name(world, lang)
    full_name = full_name_of(first, middle, last)
    created_at = world.days_ago(1, 700)
    if company is not None:
        created_at = max(created_at, company.created_at)
    next_on, goal = next_contact(world, lang, 0.2)
    birthday = None
    if world.chance(0.3):
        birthday = date(1960, 1, 1) + timedelta(days=world.rng.randint(0, 40 * 365))
    row: dict[str, Any] = {
        "id": contact_id,
        "company_id": company.id if company else None,
        "first_name": first,
        "middle_name": middle,
        "last_name": last,
        **name_columns(full_name, last),
        "title": world.rng.choice(JOB_TITLES[lang]) if world.chance(0.7) else None,
        "birthday": birthday,
        "notes": world.rng.choice(NOTES[lang]) if world.chance(0.1) else None,
        "source": world.rng.choice(world.sources) if world.chance(0.4) else None,
        "is_client": world.chance(0.3),
        "next_contact_on": next_on,
        "next_contact_goal": goal,
        "extra": {},
        "last_touch_at": world.between(created_at, world.now) if world.chance(0.6) else None,
        "created_at": created_at,
        "updated_at": created_at,
        "archived_at": None,
    }
    world.writer.add(Contact, row)
    email = _add_emails(world, contact_id, first, last, lang, company)
    phone, e164 = _add_phones(world, contact_id, lang)
    _add_extras(world, contact_id, lang)
    world.event(
        created_at,
        EventKind.CREATED,
        (EntityKind.CONTACT, contact_id),
        (contact_id, company.id if company else None),
        f"Contact created: {full_name}",
    )
    company_id = company.id if company else None
    return DemoPerson(
        contact_id,
        lang,
        full_name,
        company_id,
        created_at,
        email,
        phone,
        e164,
        title=row["title"],
        is_client=row["is_client"],
        next_contact_on=next_on,
    )


def _add_emails(
    world: World, contact_id: int, first: str, last: str, lang: str, company: DemoCompany | None
) -> str:
    """One or two addresses: a work one at the company's domain when there is one."""
    domains: list[str | None] = [company.domain if company and company.domain else None]
    if world.chance(0.3):
        domains.append(None)
    values = []
    for position, domain in enumerate(domains):
        value = names.make_email(world, first, last, lang, domain)
        values.append(value)
        world.writer.add(
            ContactEmail,
            {
                "id": world.writer.new_id(ContactEmail),
                "contact_id": contact_id,
                "value": value,
                "value_fold": fold(value),
                "kind": "work" if domain else "home",
                "is_primary": position == 0,
            },
        )
    return values[0]


def _add_phones(world: World, contact_id: int, lang: str) -> tuple[str, str]:
    phones = [names.make_phone(world, lang)]
    if world.chance(0.35):
        phones.append(names.make_phone(world, lang, mobile=world.chance(0.3)))
    for position, (value, e164) in enumerate(phones):
        world.writer.add(
            ContactPhone,
            {
                "id": world.writer.new_id(ContactPhone),
                "contact_id": contact_id,
                "value": value,
                "e164": e164,
                "kind": "mobile" if position == 0 else "work",
                "is_primary": position == 0,
            },
        )
    return phones[0]


def _add_extras(world: World, contact_id: int, lang: str) -> None:
    """Tags for some contacts, a postal address for some."""
    if world.chance(0.15):
        for tag_id in world.rng.sample(world.tag_ids, world.rng.choice([1, 1, 2])):
            world.writer.add(ContactTag, {"contact_id": contact_id, "tag_id": tag_id})
    if world.chance(0.2):
        world.writer.add(
            ContactAddress,
            {
                "id": world.writer.new_id(ContactAddress),
                "contact_id": contact_id,
                "kind": "work",
                "street": world.pools(lang, "street_address"),
                "city": world.pools(lang, "city"),
                "region": "",
                "postcode": world.pools(lang, "postcode"),
                "country": "Россия" if lang == "ru" else world.rng.choice(["USA", "United Kingdom"]),
                "is_primary": True,
            },
        )
