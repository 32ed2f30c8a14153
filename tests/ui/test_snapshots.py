"""One snapshot per screen at 80×24, the smallest terminal the app must look right in.

Update after an intended change with `pytest tests/ui/test_snapshots.py --snapshot-update`
and look at the SVGs in the report before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from crm_tui.ui.app import CrmApp

from .conftest import settle

SIZE = (80, 24)


def pressing(*keys: str):
    """Wait for the first screen's data, press the keys, wait for the data they bring."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param([], id="inbox"),
        pytest.param(["2"], id="contacts"),
        pytest.param(["2", "right_square_bracket"], id="companies"),
        pytest.param(["3"], id="pipeline"),
        pytest.param(["4"], id="today"),
        pytest.param(["5"], id="reports"),
    ],
)
def test_mode(snap_compare, app: CrmApp, keys: list[str]) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing(*keys))


def test_contact_card(snap_compare, app: CrmApp) -> None:
    # Иванов sorts last (Latin before Cyrillic), so G then enter opens his card.
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("2", "G", "enter"))


def test_contacts_list_searched_and_filtered(snap_compare, app: CrmApp) -> None:
    # Typed lowercase Cyrillic finds Иванов; the health light's reason shows under the list.
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("2", "slash", *"ива", "down"))


def test_contacts_filter_form(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("2", "f"))


def test_contact_edit_form(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("2", "G", "enter", "e"))


def test_company_card(snap_compare, app: CrmApp) -> None:
    # Ромашка sorts after Acme; its card lists Иванов, his deal and the company totals.
    assert snap_compare(
        app, terminal_size=SIZE, run_before=pressing("2", "right_square_bracket", "G", "enter")
    )


def test_search_dialog(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("slash", *"ива"))


def test_add_lead_form(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("a"))


def test_inbox_with_the_preview_beside_the_list(snap_compare, app: CrmApp) -> None:
    # Wide enough for the lead's preview to sit beside the list.
    assert snap_compare(app, terminal_size=(120, 30), run_before=pressing())


def test_lead_conversion_dialog(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("c"))


def test_help(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("question_mark"))


def test_first_run(snap_compare, empty_app: CrmApp) -> None:
    assert snap_compare(empty_app, terminal_size=SIZE, run_before=pressing())


def importing(path: str, *keys: str):
    """Open the import screen on a file given relative to the repository (so the screen
    reads the same on every machine), then press the keys."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        pilot.app.screen.query_one("#import-path").value = path  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.fixture
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[2])


BITRIX_LEADS = "tests/fixtures/csv/bitrix24_leads_cp1251.csv"


@pytest.mark.usefixtures("in_repository")
def test_import_plan(snap_compare, empty_app: CrmApp) -> None:
    run_before = importing("tests/fixtures/vcard/cli-three-cards-one-broken.vcf")
    assert snap_compare(empty_app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.usefixtures("in_repository")
@pytest.mark.parametrize("size", [SIZE, (120, 40)], ids=["80x24", "120x40"])
def test_import_csv_mapping(snap_compare, empty_app: CrmApp, size: tuple[int, int]) -> None:
    # A Bitrix24 lead export opens as leads: its preset says what it is.
    assert snap_compare(empty_app, terminal_size=size, run_before=importing(BITRIX_LEADS))


@pytest.mark.usefixtures("in_repository")
def test_import_field_picker(snap_compare, empty_app: CrmApp) -> None:
    # On the third column (Имя), enter opens the picker; "ph" narrows it to the phone fields.
    keys = ("down", "down", "enter", "p", "h")
    assert snap_compare(empty_app, terminal_size=SIZE, run_before=importing(BITRIX_LEADS, *keys))


@pytest.mark.usefixtures("in_repository")
def test_import_csv_plan(snap_compare, empty_app: CrmApp) -> None:
    keys = ("t", "p", "down")
    run_before = importing("tests/fixtures/csv/bad_cells.csv", *keys)
    assert snap_compare(empty_app, terminal_size=SIZE, run_before=run_before)
