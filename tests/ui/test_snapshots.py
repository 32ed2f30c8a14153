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


def test_search_dialog(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("slash", *"ива"))


def test_add_lead_form(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("a"))


def test_help(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("question_mark"))


def test_first_run(snap_compare, empty_app: CrmApp) -> None:
    assert snap_compare(empty_app, terminal_size=SIZE, run_before=pressing())


def test_import_plan(snap_compare, empty_app: CrmApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[2])

    async def plan_the_fixture(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        # A path relative to the repository, so the screen reads the same on every machine.
        pilot.app.screen.query_one(
            "#import-path"
        ).value = "tests/fixtures/vcard/cli-three-cards-one-broken.vcf"
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(empty_app, terminal_size=SIZE, run_before=plan_the_fixture)
