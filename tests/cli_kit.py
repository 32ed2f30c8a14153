"""Running `crm-tui` in-process from a test: its exit code, and what it printed."""

from __future__ import annotations

import pytest

from crm_tui import cli
from crm_tui.errors import UnreadableInput
from crm_tui.services.exports import check_format
from crm_tui.vocabulary import EXPORT_FORMATS, EXPORT_KINDS


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`crm-tui ARGS…` → (exit code, stdout, stderr)."""
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def export_combinations() -> list[tuple[str, str]]:
    """Every (kind, format) `crm-tui export` accepts."""
    combinations = []
    for kind in EXPORT_KINDS:
        for fmt in EXPORT_FORMATS:
            try:
                check_format(kind, fmt)
            except UnreadableInput:
                continue
            combinations.append((kind, fmt))
    return combinations
