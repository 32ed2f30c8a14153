"""Running `crm-tui` in-process from a test: its exit code, and what it printed."""

from __future__ import annotations

import pytest

from crm_tui import cli


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`crm-tui ARGS…` → (exit code, stdout, stderr)."""
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
