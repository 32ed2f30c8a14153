"""How the UI reaches the database: services run in a session, on a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from sqlmodel import Session
from textual.dom import DOMNode

from crm_tui.db.engine import session_scope
from crm_tui.errors import BUSY_MESSAGE, CrmError, ValidationError, is_database_busy

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp

Result = TypeVar("Result")


def crm_app(node: DOMNode) -> CrmApp:
    return cast("CrmApp", node.app)


def run_in_session(node: DOMNode, operation: Callable[[Session], Result]) -> Result:
    """Run a service call in one unit of work (call it from a thread worker)."""
    with session_scope(crm_app(node).engine) as session:
        return operation(session)


def describe_failure(error: BaseException) -> str:
    """What to tell the user when a database task fails."""
    if isinstance(error, CrmError):
        return str(error)
    if is_database_busy(error):
        return BUSY_MESSAGE[0].upper() + BUSY_MESSAGE[1:]
    return f"Something went wrong: {type(error).__name__}: {error}"


def said(error: BaseException) -> str:
    """A service's refusal as the person reads it (without the field name in front)."""
    return error.message if isinstance(error, ValidationError) else str(error)


__all__ = ["crm_app", "describe_failure", "run_in_session", "said"]
