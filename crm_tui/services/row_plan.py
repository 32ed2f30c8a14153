"""Planning a CSV import of leads, companies or deals: match each row against the database and
the rows before it, and decide create / update / merge / skip / reject, writing nothing.
(Contacts, from a CSV or a vCard, are planned by `import_plan`; `row_apply` carries these
plans out.)

Matching: a lead by its email or phone (E.164) among the leads already here, else by the same
title, person and company; a company by its name in any letter case; a deal by its title at
the same company and contact. A lead whose email or phone belongs to a contact is a returning
customer: it is flagged and linked to that contact. Stages and lead statuses are matched to
ours by name; an unknown lead source is created, an unknown stage is a bad cell.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from crm_tui.db.models import Company, Contact, Deal, Lead, LeadSource, LeadStatus, Stage, StageKind
from crm_tui.io.contact_record import ImportedPhone, SkippedRecord
from crm_tui.io.lead_record import ImportedCompany, ImportedDeal, ImportedLead
from crm_tui.services.import_plan import (
    Action,
    BadCells,
    ImportPlan,
    KnownContacts,
    MatchKeys,
    PlannedRecord,
    bad_cells_verdict,
    refuse_bad_values,
)
from crm_tui.services.key_lookup import among
from crm_tui.services.phone_batch import PhoneBatch
from crm_tui.services.settings import phone_region
from crm_tui.services.validation import digits_of, fold, phone_search_key

RowRecord = ImportedLead | ImportedCompany | ImportedDeal
T = TypeVar("T")

# A lead status as other CRMs write it (English and Russian; Bitrix24's own words included).
_LEAD_STATUS_WORDS: dict[LeadStatus, tuple[str, ...]] = {
    LeadStatus.NEW: ("new", "open", "новый", "новая", "не обработан", "необработанный", "не обработано"),
    LeadStatus.WORKING: (
        "working",
        "in progress",
        "contacted",
        "attempted to contact",
        "в работе",
        "в обработке",
        "обработка",
    ),
    LeadStatus.CONVERTED: (
        "converted",
        "qualified",
        "качественный лид",
        "конвертирован",
        "сконвертирован",
        "качественный",
    ),
    LeadStatus.DISQUALIFIED: (
        "disqualified",
        "unqualified",
        "junk",
        "spam",
        "некачественный лид",
        "некачественный",
        "спам",
        "отказ",
    ),
}
LEAD_STATUSES = {fold(word): status for status, words in _LEAD_STATUS_WORDS.items() for word in words}

# Words meaning a won or lost deal whatever the stages are called (Bitrix24: "Сделка успешна").
_OUTCOME_WORDS = {
    StageKind.WON: ("won", "closed won", "успешно", "сделка успешна", "выиграна", "успешна"),
    StageKind.LOST: ("lost", "closed lost", "сделка провалена", "провалена", "проиграна", "отказ"),
}

# Our default stages as other CRMs (and Russian speakers) name them; a renamed stage still
# matches by its own name.
_STAGE_SYNONYMS = {
    "New": ("новая", "новый", "new deal"),
    "Qualified": ("квалификация", "квалифицирована", "qualification"),
    "Proposal": ("предложение", "коммерческое предложение", "proposal sent", "кп отправлено"),
    "Negotiation": ("переговоры", "negotiations", "согласование"),
}

# Sources that are ours under another name; any other source is created as it is written.
_SOURCE_SYNONYMS = {
    "Website": ("веб-сайт", "сайт", "web", "web site", "web form", "веб-форма", "форма на сайте"),
    "Referral": ("рекомендация", "по рекомендации", "referral"),
    "Trade show": ("выставка", "exhibition", "trade fair"),
    "Partner": ("партнер", "партнёр", "партнеры"),
    "Social media": ("социальные сети", "соцсети", "social"),
    "Other": ("другое", "прочее"),
}


@dataclass
class RowPlanned(PlannedRecord):
    """A planned row of leads, companies or deals."""

    row: Any = None  # the ImportedLead / ImportedCompany / ImportedDeal
    existing_id: int | None = None  # the record an update or skip is about
    # Decided while planning, used when applying: the stage a deal goes to, the source and
    # status a lead gets, the company and contact a deal belongs to.
    resolved: dict[str, Any] = field(default_factory=dict)


def _first_ids(session: Session, key: Any, ident: Any, values: Iterable[Any], *where: Any) -> dict[Any, int]:
    """{value: the oldest record's id} for the values found."""
    found: dict[Any, int] = {}
    wanted = set(values)
    if wanted:
        query = select(key, ident).where(among(key, wanted), *where).order_by(col(ident))
        for value, record_id in session.exec(query):
            found.setdefault(value, record_id)
    return found


def plan_rows(
    session: Session,
    items: Iterable[RowRecord | SkippedRecord],
    file: str,
    target: str,
    bad_cells: BadCells = BadCells.REJECT,
) -> ImportPlan:
    """Decide what to do with every row, writing nothing (this is the dry run)."""
    plan = ImportPlan(file=file, kind="csv", target=target)
    region = phone_region(session)
    numbers = PhoneBatch(region)
    try:
        records = [_noting_phones(item, numbers) for item in items]
        known = numbers.readings()
    finally:
        numbers.close()  # a file that could not be read leaves no helper process behind
    rows: list[RowRecord] = []
    for item in records:
        if isinstance(item, SkippedRecord):
            continue
        if not isinstance(item, ImportedDeal):  # a deal row names people, it holds no contacts
            item.emails, item.phones = refuse_bad_values(
                item.where, item.emails, item.phones, region, item.errors, known
            )
        rows.append(item)
    planners: dict[str, type[_Planner]] = {
        "leads": _LeadPlanner,
        "companies": _CompanyPlanner,
        "deals": _DealPlanner,
    }
    decide = planners[target](session, rows, region)
    for item in records:
        if isinstance(item, SkippedRecord):
            plan.records.append(_planned(item.number, Action.REJECT, "", item.reason))
            continue
        name = decide.name(item)
        warnings: list[str] = item.warnings
        refused = bad_cells_verdict(item.errors, warnings, bad_cells)
        if refused is None and not item.has_substance():
            refused = decide.empty_reason
        if refused is not None:
            plan.records.append(_planned(item.number, Action.REJECT, name, refused, warnings=warnings))
            continue
        plan.records.append(decide.plan(item, name, bad_cells))
    return plan


def _noting_phones(item: T, numbers: PhoneBatch) -> T:
    """The item, its phone numbers handed to the batch that reads them in the background."""
    if isinstance(item, ImportedLead | ImportedCompany):
        numbers.note(phone.value for phone in item.phones)
    return item


def _already_here(row: RowRecord, name: str, what: str, existing_id: int, changes: list[str]) -> RowPlanned:
    """An update when the row adds something to the record already here, else a skip."""
    action = Action.UPDATE if changes else Action.SKIP
    reason = f"already here as {what} {existing_id}: " + (
        "adds " + ", ".join(changes) if changes else "nothing new"
    )
    return _planned(row.number, action, name, reason, warnings=row.warnings, existing_id=existing_id)


def _planned(number: int, action: Action, name: str, reason: str, **more: Any) -> RowPlanned:
    return RowPlanned(number, number, action, name, reason, unit="row", **more)


class _Planner(ABC):
    """Shared by the three targets: the rows planned so far in this file, by key."""

    empty_reason = "nothing to import"

    def __init__(self, session: Session, rows: list[Any], region: str) -> None:
        """Look up, all at once, what the rows could match in the database."""
        self.session = session
        self.in_file: dict[Any, RowPlanned] = {}
        self.loaded: dict[tuple[type, int], Any] = {}

    def prefetch(self, model: Any, ids: Iterable[int]) -> None:
        """Load the records the rows matched in one query (a file imported again matches
        every row; one query each would make it crawl)."""
        wanted = set(ids)
        if wanted:
            for record in self.session.exec(select(model).where(among(model.id, wanted))):
                self.loaded[(model, record.id)] = record

    def found(self, model: Any, record_id: int) -> Any:
        record = self.loaded.get((model, record_id)) or self.session.get(model, record_id)
        assert record is not None, f"{model.__name__} {record_id} vanished while planning"
        return record

    @abstractmethod
    def name(self, row: Any) -> str:
        """What the plan calls the row."""

    @abstractmethod
    def plan(self, row: Any, name: str, bad_cells: BadCells) -> RowPlanned:
        """The decision about one readable row with something in it."""

    def earlier(self, keys: list[Any]) -> RowPlanned | None:
        return _first_found(self.in_file, keys)

    def remember(self, keys: list[Any], planned: RowPlanned) -> None:
        for key in keys:
            self.in_file.setdefault(key, planned)

    def merged(self, item: RowRecord, name: str, earlier: RowPlanned, what: str) -> RowPlanned:
        _fill_empty(earlier.row, item)
        return _planned(
            item.number,
            Action.MERGE,
            name,
            f"same {what} as {earlier.where}",
            warnings=item.warnings,
            merged_into=earlier.number,
        )


def _first_found(known: dict[Any, T], keys: list[Any]) -> T | None:
    """What the first of the keys that is known stands for."""
    for key in keys:
        if key in known:
            return known[key]
    return None


def _fill_empty(first: Any, later: Any) -> None:
    """Fold a later row about the same record into the first: fill what is empty, add emails
    and phones it does not have; the first row's values win."""
    for name, value in vars(later).items():
        if name in ("number", "line", "warnings", "errors"):
            continue
        current = getattr(first, name)
        if isinstance(current, list):
            known = {fold(item.value) for item in current}
            current += [item for item in value if fold(item.value) not in known]
        elif current in (None, "") and value not in (None, ""):
            setattr(first, name, value)


def _e164(phone: ImportedPhone, region: str) -> str | None:
    return phone.checked[1] if phone.checked else phone_search_key(phone.value, region)


# ---------------------------------------------------------------- leads


class _LeadPlanner(_Planner):
    empty_reason = "nothing to import: no title, name, company, email or phone"

    def __init__(self, session: Session, rows: list[Any], region: str) -> None:
        super().__init__(session, rows, region)
        # Worked out once per row: planning a row asks for them again.
        self.keys = {id(row): _lead_keys(row, region) for row in rows}
        emails = set().union(*(contact.emails for _, contact in self.keys.values()))
        phones = set().union(*(contact.phones for _, contact in self.keys.values()))
        live_lead = col(Lead.archived_at).is_(None)
        self.leads: dict[Any, int] = {
            ("email", value): lead_id
            for value, lead_id in _first_ids(session, Lead.email_fold, Lead.id, emails, live_lead).items()
        } | {
            ("phone", value): lead_id
            for value, lead_id in _first_ids(session, Lead.phone_e164, Lead.id, phones, live_lead).items()
        }
        # Rows with no email or phone are known by their title, person and company.
        titles = {row.title for row in rows if self.keys[id(row)][0][0][0] == "described"}
        if titles:
            query = select(Lead).where(among(Lead.title, titles), live_lead).order_by(col(Lead.id))
            for lead in session.exec(query):
                described = _described_by(lead.title, lead.person_name, lead.company_name)
                self.leads.setdefault(described, lead.id or 0)
        self.contacts = KnownContacts(session, [contact for _, contact in self.keys.values()])
        self.sources = _Sources(session)
        self.prefetch(Lead, set(self.leads.values()))

    def name(self, row: ImportedLead) -> str:
        """Who, then what: `Иван Петров · Заявка с сайта` (once, when they are the same)."""
        who, title = row.person_name or row.company_name, row.title
        if who and title and who != title:
            return f"{who} · {title}"
        return who or title or _first_value(row)

    def plan(self, row: ImportedLead, name: str, bad_cells: BadCells) -> RowPlanned:
        keys, contact_keys = self.keys[id(row)]
        earlier = self.earlier(keys)
        if earlier is not None:
            return self.merged(row, name, earlier, "lead")
        resolved: dict[str, Any] = {"source": self.sources.resolve(row.source)}
        resolved["status"] = _lead_status(row)
        existing_id = _first_found(self.leads, keys)
        if existing_id is not None:
            lead = self.found(Lead, existing_id)
            changes = lead_changes(lead, row, resolved)
            planned = _already_here(row, name, "lead", existing_id, changes)
        else:
            planned = _planned(row.number, Action.CREATE, name, "new lead", warnings=row.warnings)
            match = self.contacts.find(contact_keys)
            if match is not None:
                contact, why = match
                planned.contact_id, planned.company_id = contact.id, contact.company_id
                planned.reason = f"new lead from a returning customer: {contact.full_name} ({why})"
        planned.row, planned.resolved = row, resolved
        self.remember(keys, planned)
        return planned


def _lead_keys(row: ImportedLead, region: str) -> tuple[list[Any], MatchKeys]:
    """What a lead row is known by among the rows and the leads (its emails and phones, else
    its title, person and company), and its emails and phones as the contact matcher takes
    them."""
    keys: list[Any] = []
    emails: set[str] = set()
    phones: set[str] = set()
    for email in row.emails:  # loops, not comprehensions: this runs for every row
        key = fold(email.value)
        keys.append(("email", key))
        emails.add(key)
    for phone in row.phones:
        if e164 := _e164(phone, region):
            keys.append(("phone", e164))
            phones.add(e164)
    if not keys:
        keys.append(_described_by(row.title, row.person_name, row.company_name))
    return keys, MatchKeys(None, emails, phones, None)


def _described_by(title: str, person: str, company: str) -> tuple[str, str, str, str]:
    return ("described", fold(title), fold(person), fold(company))


def _first_value(row: Any) -> str:
    values = [*row.emails, *row.phones]
    return values[0].value if values else ""


def _lead_status(row: ImportedLead) -> str:
    if not row.status:
        return LeadStatus.NEW.value
    status = LEAD_STATUSES.get(fold(row.status))
    if status is None:
        row.warnings.append(
            f"{row.where}: status {row.status!r} is not one we know "
            "(new, working, converted, disqualified): imported as new"
        )
        return LeadStatus.NEW.value
    return status.value


def lead_changes(lead: Lead, row: ImportedLead, resolved: dict[str, Any]) -> list[str]:
    """What a row would add to an existing lead: only empty fields are filled, and emails and
    phones it does not have are added."""
    changes = [
        name
        for name, value in lead_fields(row, resolved).items()
        if value not in (None, "") and getattr(lead, name) in (None, "")
    ]
    known = {fold(value) for value in _lead_values(lead, "email")}
    if any(fold(email.value) not in known for email in row.emails):
        changes.append("email")
    known_digits = {digits_of(value) for value in _lead_values(lead, "phone")}
    if any(digits_of(phone.value) not in known_digits for phone in row.phones):
        changes.append("phone")
    return changes


def lead_fields(row: ImportedLead, resolved: dict[str, Any]) -> dict[str, Any]:
    """The plain (single-value) fields a row gives a lead."""
    return {
        "person_name": row.person_name,
        "company_name": row.company_name,
        "source": resolved.get("source"),
        "notes": row.notes,
        "value": row.value_minor,
        "next_contact_on": row.next_contact_on,
        "next_contact_goal": row.next_contact_goal,
    }


def _lead_values(lead: Lead, kind: str) -> list[str]:
    first = lead.email if kind == "email" else lead.phone
    return ([first] if first else []) + [item["value"] for item in lead.extra.get(f"{kind}s", [])]


class _Sources:
    """Lead sources by name: ours (any letter case, or a known synonym), or new ones, which
    the apply step creates."""

    def __init__(self, session: Session) -> None:
        self.known = {fold(name): name for name in session.exec(select(LeadSource.name))}
        for ours, words in _SOURCE_SYNONYMS.items():
            if fold(ours) in self.known:
                for word in words:
                    self.known.setdefault(fold(word), self.known[fold(ours)])
        self.new: dict[str, str] = {}

    def resolve(self, name: str | None) -> str | None:
        if not name:
            return None
        key = fold(name)
        if key in self.known:
            return self.known[key]
        if key not in self.new:
            self.new[key] = name.strip()
        return self.new[key]


# ---------------------------------------------------------------- companies


class _CompanyPlanner(_Planner):
    empty_reason = "nothing to import: the company has no name"

    def __init__(self, session: Session, rows: list[Any], region: str) -> None:
        super().__init__(session, rows, region)
        self.existing = _first_ids(
            session,
            Company.name_fold,
            Company.id,
            {fold(row.name) for row in rows if row.name},
            col(Company.archived_at).is_(None),
        )
        self.prefetch(Company, self.existing.values())

    def name(self, row: ImportedCompany) -> str:
        return row.name

    def plan(self, row: ImportedCompany, name: str, bad_cells: BadCells) -> RowPlanned:
        key = fold(row.name)
        earlier = self.earlier([key])
        if earlier is not None:
            return self.merged(row, name, earlier, "company")
        existing_id = self.existing.get(key)
        if existing_id is None:
            planned = _planned(row.number, Action.CREATE, name, "new company", warnings=row.warnings)
        else:
            company = self.found(Company, existing_id)
            changes = [
                field for field, value in company_fields(row).items() if value and not getattr(company, field)
            ]
            planned = _already_here(row, name, "company", existing_id, changes)
            planned.company_id = existing_id
        planned.row = row
        self.remember([key], planned)
        return planned


def company_fields(row: ImportedCompany) -> dict[str, str | None]:
    """A company row as the company's fields. A company keeps one phone and one email; the
    others go to its notes, so nothing in the file is lost."""
    others = [*(phone.value for phone in row.phones[1:]), *(email.value for email in row.emails[1:])]
    notes = "\n".join(filter(None, [row.notes, "Also: " + ", ".join(others) if others else None]))
    return {
        "website": row.website,
        "industry": row.industry,
        "phone": row.phones[0].value if row.phones else None,
        "email": row.emails[0].value if row.emails else None,
        "address": row.address,
        "notes": notes or None,
    }


# ---------------------------------------------------------------- deals


class _DealPlanner(_Planner):
    empty_reason = "nothing to import: the deal has no title, company or contact"

    def __init__(self, session: Session, rows: list[Any], region: str) -> None:
        super().__init__(session, rows, region)
        stages = list(session.exec(select(Stage).order_by(col(Stage.position))))
        self.stages = {fold(stage.name): stage for stage in stages}
        self.first_open = next(stage for stage in stages if stage.kind == StageKind.OPEN.value)
        for ours, words in _STAGE_SYNONYMS.items():
            if fold(ours) in self.stages:
                for word in words:
                    self.stages.setdefault(fold(word), self.stages[fold(ours)])
        for kind, words in _OUTCOME_WORDS.items():
            outcome = next((stage for stage in stages if stage.kind == kind.value), None)
            if outcome is not None:
                for word in words:
                    self.stages.setdefault(fold(word), outcome)
        live_company = col(Company.archived_at).is_(None)
        self.companies = _first_ids(
            session,
            Company.name_fold,
            Company.id,
            {fold(row.company) for row in rows if row.company},
            live_company,
        )
        self.contacts: dict[str, list[tuple[int, int | None]]] = {}
        names = {fold(row.contact) for row in rows if row.contact}
        if names:
            for contact_id, name_fold, company_id in session.exec(
                select(Contact.id, Contact.full_name_fold, Contact.company_id)
                .where(among(Contact.full_name_fold, names), col(Contact.archived_at).is_(None))
                .order_by(col(Contact.id))
            ):
                self.contacts.setdefault(name_fold, []).append((contact_id or 0, company_id))
        self.deals: dict[tuple[str, int | None, int | None], int] = {}
        titles = {row.title for row in rows if row.title}
        if titles:
            for deal in session.exec(
                select(Deal)
                .where(among(Deal.title, titles), col(Deal.archived_at).is_(None))
                .order_by(col(Deal.id))
            ):
                self.deals.setdefault((fold(deal.title), deal.company_id, deal.contact_id), deal.id or 0)
                self.loaded[(Deal, deal.id or 0)] = deal

    def name(self, row: ImportedDeal) -> str:
        return row.title or " · ".join(filter(None, [row.contact, row.company]))

    def plan(self, row: ImportedDeal, name: str, bad_cells: BadCells) -> RowPlanned:
        stage = self._stage(row, bad_cells)
        if stage is None:
            return _planned(row.number, Action.REJECT, name, row.errors[-1], warnings=row.warnings)
        company_id = self.companies.get(fold(row.company)) if row.company else None
        contact_id = self._contact(row, company_id)
        keys = [("deal", fold(name), fold(row.company), fold(row.contact))]
        earlier = self.earlier(keys)
        if earlier is not None:
            return self.merged(row, name, earlier, "deal")
        # A deal already here is one of that title with the same company and contact, and
        # only when each one the row names is already here too.
        parties_known = (company_id or not row.company) and (contact_id or not row.contact)
        existing_id = self.deals.get((fold(name), company_id, contact_id)) if parties_known else None
        resolved = {
            "stage_id": stage.id,
            "stage_kind": stage.kind,
            "company_id": company_id,
            "contact_id": contact_id,
        }
        if existing_id is not None:
            deal = self.found(Deal, existing_id)
            changes = deal_changes(deal, row)
            planned = _already_here(row, name, "deal", existing_id, changes)
        else:
            news = [
                f"new company {row.company!r}" if row.company and company_id is None else "",
                f"new contact {row.contact!r}" if row.contact and contact_id is None else "",
            ]
            reason = "new deal in " + stage.name + "".join(f"; {new}" for new in news if new)
            planned = _planned(row.number, Action.CREATE, name, reason, warnings=row.warnings)
        planned.row, planned.resolved = row, resolved
        self.remember(keys, planned)
        return planned

    def _stage(self, row: ImportedDeal, bad_cells: BadCells) -> Stage | None:
        if not row.stage:
            return self.first_open
        stage = self.stages.get(fold(row.stage))
        if stage is not None:
            return stage
        names = ", ".join(sorted({stage.name for stage in self.stages.values()}))
        problem = f"{row.where}: stage {row.stage!r} is not one of ours ({names})"
        if bad_cells is BadCells.REJECT:
            row.errors.append(problem + "; add it in the stages editor, or import with bad cells left blank")
            return None
        row.warnings.append(f"{problem}: put in {self.first_open.name}")
        return self.first_open

    def _contact(self, row: ImportedDeal, company_id: int | None) -> int | None:
        """The contact of that name: the one at the deal's company when there are several."""
        candidates = self.contacts.get(fold(row.contact), []) if row.contact else []
        at_company = [contact_id for contact_id, company in candidates if company == company_id]
        if at_company:
            return at_company[0]
        return candidates[0][0] if candidates else None


def deal_fields(row: ImportedDeal) -> dict[str, Any]:
    """The fields a row can fill on a deal already here."""
    return {
        "amount": row.amount_minor,
        "expected_close_on": row.expected_close_on,
        "lost_reason": row.lost_reason,
        "notes": row.notes,
    }


def deal_changes(deal: Deal, row: ImportedDeal) -> list[str]:
    fields = deal_fields(row)
    return [name for name, value in fields.items() if value not in (None, "", 0) and not getattr(deal, name)]
