"""Every real-world vCard and CSV file in the shared corpus goes through the whole import of
contacts: nothing escapes, every card or row is imported or explained, and a second import of
the same file creates nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from crm_tui.db.engine import session_scope
from crm_tui.db.schema import open_database
from crm_tui.services.file_import import plan_file
from crm_tui.services.import_apply import apply_plan
from crm_tui.services.import_plan import Action


def corpus_folder(kind: str) -> Path | None:
    configured = os.environ.get("CRM_TUI_CORPUS")
    folder = Path(configured) if configured else Path(__file__).resolve().parents[3] / "shared" / "corpus"
    return folder / kind if (folder / kind).is_dir() else None


FOLDER = corpus_folder("vcard")
CSV_FOLDER = corpus_folder("csv")
FILES = sorted(FOLDER.glob("*.vcf")) if FOLDER else []
FILES += sorted(CSV_FOLDER.glob("*.csv")) if CSV_FOLDER else []


@pytest.fixture
def fresh_engine(tmp_path: Path):
    engine = open_database(str(tmp_path / "corpus.sqlite3"))
    yield engine
    engine.dispose()


@pytest.mark.skipif(FOLDER is None, reason="no corpus: set CRM_TUI_CORPUS or put it at ../shared/corpus")
@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_every_corpus_file_imports_or_explains_each_card(path: Path, fresh_engine: Engine) -> None:
    with session_scope(fresh_engine) as session:
        plan = plan_file(session, path)
        apply_plan(session, plan)
    assert plan.records, f"{path.name}: no card read"
    for planned in plan.records:
        assert planned.action in set(Action)
        if planned.action is Action.REJECT:
            assert planned.reason, f"{path.name} {planned.where}: rejected without a reason"
        else:
            assert planned.name, f"{path.name} {planned.where}: imported without a name"

    with session_scope(fresh_engine) as session:
        again = plan_file(session, path)
        apply_plan(session, again)
    created_again = [p.where for p in again.records if p.action is Action.CREATE]
    assert created_again == [], f"{path.name}: a second import created {created_again}"


@pytest.mark.skipif(CSV_FOLDER is None, reason="no corpus: set CRM_TUI_CORPUS or put it at ../shared/corpus")
@pytest.mark.parametrize(
    "path", [path for path in FILES if path.suffix == ".csv"], ids=lambda path: path.name
)
def test_every_corpus_csv_row_lands_when_bad_cells_are_left_blank(path: Path, fresh_engine: Engine) -> None:
    """With the bad cells (a label where a phone should be, an `@invalid` address) left blank,
    every row of these real exports becomes a contact, the cells that were left named."""
    from sqlmodel import func, select

    from crm_tui.db.models import Contact
    from crm_tui.services.file_import import ImportOptions
    from crm_tui.services.import_plan import BadCells

    with session_scope(fresh_engine) as session:
        plan = plan_file(session, path, None, ImportOptions(bad_cells=BadCells.BLANK))
        apply_plan(session, plan)
    assert [planned.where for planned in plan.records if planned.action is Action.REJECT] == []
    with session_scope(fresh_engine) as session:
        contacts = session.exec(select(func.count()).select_from(Contact)).one()
    assert contacts == plan.count(Action.CREATE) - sum(
        1 for p in plan.records if p.record and p.record.is_company
    )
    for planned in plan.records:
        for warning in planned.warnings:
            if warning.endswith("(left blank)"):
                assert warning.startswith(f"{planned.where}, column "), warning
