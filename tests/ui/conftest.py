"""Fixtures for driving the app: a database with the sample data, and a way to wait for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from crm_tui.db.engine import session_scope
from crm_tui.ui.app import CrmApp

from .sample_data import fill


@pytest.fixture
def sample_ids(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return fill(session)


@pytest.fixture
def app(engine: Engine, sample_ids: dict[str, int]) -> Iterator[CrmApp]:
    yield CrmApp(engine, database="/tmp/crm-test.sqlite3")


@pytest.fixture
def empty_app(engine: Engine) -> Iterator[CrmApp]:
    yield CrmApp(engine, database="/tmp/crm-test.sqlite3")


async def settle(pilot: Pilot[None]) -> None:
    """Wait until every worker finished and the screen caught up with its messages."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press each key and wait for what it started."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def fill_form(pilot: Pilot[None], values: dict[str, str]) -> None:
    """Type into the open form's fields by name (replacing what is there), then save."""
    from textual.widgets import Input

    from crm_tui.ui.dialogs.form_dialog import FormDialog

    dialog = pilot.app.screen
    assert isinstance(dialog, FormDialog), dialog
    for name, value in values.items():
        field = dialog.query_one(f"#field-{name}")
        if isinstance(field, Input):
            field.value = value
        else:
            field.text = value  # type: ignore[attr-defined]
    await press(pilot, "ctrl+s")


def shown_text(widget: Widget) -> str:
    """The text a widget shows on the screen right now, line by line."""
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(line.text for line in lines)
