"""Snapshots at 80×24 of "mine" (M) on Inbox, Pipeline and Today, and of a card whose timeline
says who did what (the tester's sample data; anna's lead, deal, overdue call and note).

Update after an intended change with
`pytest tests/ui/test_mine_snapshots.py --snapshot-update` and look at the SVGs first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from crm_tui.ui.app import CrmApp

from .test_mine import annas  # noqa: F401  # the fixture
from .test_snapshots import pressing

SIZE = (80, 24)


@pytest.fixture
def database_target(tmp_path: Path) -> str:
    """A screen looks the same on either engine: these snapshots are taken on SQLite only."""
    return str(tmp_path / "crm.sqlite3")


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(["M"], id="inbox"),
        pytest.param(["3", "M"], id="pipeline"),
        pytest.param(["4", "M"], id="today"),
    ],
)
def test_mine(snap_compare, app: CrmApp, annas: dict[str, int], keys: list[str]) -> None:  # noqa: F811
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing(*keys))


def test_lead_card_timeline_with_who(
    snap_compare,
    app: CrmApp,
    engine: Engine,
    annas: dict[str, int],  # noqa: F811
) -> None:
    # The newest lead is anna's; below it, the tester's Ольга Смирнова with anna's note.
    assert snap_compare(app, terminal_size=SIZE, run_before=pressing("j", "enter"))
