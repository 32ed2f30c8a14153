"""Our own CSV export imports back as the same records; formula-like cells stay harmless in a
spreadsheet and come back as they were; saved mappings are reused."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Lead
from crm_tui.db.schema import open_database
from crm_tui.errors import UnreadableInput
from crm_tui.io.csv_fields import Mapping
from crm_tui.services import leads
from crm_tui.services.exports import ExportOptions, export_to_file, write_export
from crm_tui.services.file_import import ImportOptions, plan_file
from crm_tui.services.import_apply import apply_plan
from crm_tui.services.import_plan import ImportPlan
from crm_tui.services.mappings import load_mapping, save_mapping, saved_mappings

FIXTURES = Path(__file__).parent.parent / "fixtures" / "csv"


def import_file(engine: Engine, path: Path, into: str, mapping: Mapping | None = None) -> ImportPlan:
    with session_scope(engine) as session:
        plan = plan_file(session, path, None, ImportOptions(into=into, mapping=mapping))
        apply_plan(session, plan)
        return plan


def export_rows(engine: Engine, kind: str, drop: tuple[str, ...]) -> list[dict[str, str]]:
    stream = io.StringIO()
    with session_scope(engine) as session:
        write_export(session, stream, kind, ExportOptions(fmt="csv"))
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    return [{key: value for key, value in row.items() if key not in drop} for row in rows]


# What an import cannot give back: new ids, and the time a contact or company was created.
ROUND_TRIPS = [
    ("leads", ["bitrix24_leads_cp1251.csv", "bad_cells.csv"], ("id",)),
    ("contacts", ["google_new.csv", "outlook.csv", "bitrix24_contacts.csv"], ("id", "created_at")),
    ("companies", ["bitrix24_companies.csv"], ("id",)),
    ("deals", ["bitrix24_deals.csv"], ("id",)),
]


@pytest.mark.parametrize(("kind", "sources", "drop"), ROUND_TRIPS, ids=[trip[0] for trip in ROUND_TRIPS])
def test_import_export_import_gives_the_same_records(
    tmp_path: Path, kind: str, sources: list[str], drop: tuple[str, ...]
) -> None:
    first = open_database(str(tmp_path / "first.sqlite3"))
    for name in sources:
        import_file(first, FIXTURES / name, kind)
    exported = tmp_path / f"{kind}.csv"
    with session_scope(first) as session:
        export_to_file(session, exported, kind, ExportOptions(fmt="csv"))
    before = export_rows(first, kind, drop)
    assert before, "the sources imported nothing"

    second = open_database(str(tmp_path / "second.sqlite3"))
    plan = import_file(second, exported, kind)
    assert plan.mapping is not None and plan.mapping.preset == f"crm-tui {kind}"
    assert plan.counts["reject"] == 0
    assert export_rows(second, kind, drop) == before
    # And once more into the same database: everything is already there.
    again = import_file(second, exported, kind)
    assert again.counts["create"] == again.counts["update"] == 0
    first.dispose()
    second.dispose()


def test_a_formula_like_lead_title_is_neutralised_and_comes_back(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        leads.create_lead(
            session, leads.lead_from_fields({"title": '=HYPERLINK("http://x.example","click")'})
        )
        leads.create_lead(session, leads.lead_from_fields({"title": "@SUM(A1)", "phone": "+7 912 345-67-89"}))
    path = tmp_path / "leads.csv"
    with session_scope(engine) as session:
        export_to_file(session, path, "leads", ExportOptions(fmt="csv"))
    cells = {row["title"]: row for row in csv.DictReader(path.open(encoding="utf-8-sig"))}
    assert set(cells) == {'\'=HYPERLINK("http://x.example","click")', "'@SUM(A1)"}
    assert cells["'@SUM(A1)"]["phone"] == "'+7 912 345-67-89"

    fresh = open_database(str(tmp_path / "fresh.sqlite3"))
    import_file(fresh, path, "leads")
    with session_scope(fresh) as session:
        titles = set(session.exec(select(Lead.title)))
        phones = set(session.exec(select(Lead.phone)))
    assert titles == {'=HYPERLINK("http://x.example","click")', "@SUM(A1)"}
    assert "+7 912 345-67-89" in phones
    fresh.dispose()


def test_a_mapping_saved_by_name_or_written_as_toml_is_reused(engine: Engine, tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text("Who,Where,Tel\nAnna Smith,Acme,+1 555 0100\n", encoding="utf-8")
    toml = tmp_path / "list.toml"
    toml.write_text(
        'target = "leads"\n[columns]\nWho = "person_name"\nWhere = "company_name"\nTel = "phone:work"\n',
        encoding="utf-8",
    )
    with session_scope(engine) as session:
        mapping = load_mapping(session, str(toml))
        save_mapping(session, "trade show", mapping)
    with session_scope(engine) as session:
        assert saved_mappings(session) == ["trade show"]
        assert load_mapping(session, "trade show") == mapping
    import_file(engine, source, "leads", mapping)
    with session_scope(engine) as session:
        lead = session.exec(select(Lead)).one()
        assert (lead.person_name, lead.company_name, lead.phone) == ("Anna Smith", "Acme", "+1 555 0100")


def test_a_missing_or_broken_mapping_is_refused_with_a_reason(engine: Engine, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('target = "leads"\n[columns]\nWho = "shoe_size"\n', encoding="utf-8")
    with session_scope(engine) as session:
        with pytest.raises(UnreadableInput, match="no saved mapping or file named 'weekly'"):
            load_mapping(session, "weekly")
        with pytest.raises(UnreadableInput, match="column 'Who': leads have no field 'shoe_size'"):
            load_mapping(session, str(broken))
    mapping = Mapping("companies", {"Who": "name"})
    with session_scope(engine) as session, pytest.raises(UnreadableInput, match="use --into companies"):
        plan_file(session, FIXTURES / "utf8_plain.csv", None, ImportOptions(into="leads", mapping=mapping))
