"""Running things to time them: commands and probes, each in a process of its own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PROBES = Path(__file__).resolve().parent.parent / "probes"
# One run of anything measured here; past this the harness is broken, not the app slow.
TIMEOUT_S = 600


class Skip(Exception):
    """A figure that cannot be measured here (a tool is missing): reported, not failed."""


class BenchError(Exception):
    """A measured command failed: the figure has no number."""


def crm_tui_command() -> list[str]:
    """`crm-tui` as a person runs it: the console script beside this interpreter."""
    script = Path(sys.executable).with_name("crm-tui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "crm_tui"]


def bench_env() -> dict[str, str]:
    """The environment of every measured process: the same for the app and its baseline."""
    env = dict(os.environ)
    # CI has no TERM; tmux needs one, and the app should draw as in a common terminal.
    env.setdefault("TERM", "xterm-256color")
    return env


def run(argv: Sequence[str], ok: Sequence[int] = (0,), timeout: float = TIMEOUT_S) -> tuple[float, str]:
    """Run a command to its end: (wall seconds, stdout). Raises BenchError if it failed."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            env=bench_env(),
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"{_show(argv)} ran past {timeout:.0f} s") from error
    elapsed = time.perf_counter() - started
    if done.returncode not in ok:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BenchError(f"{_show(argv)} exited {done.returncode}: {' / '.join(tail)}")
    return elapsed, done.stdout


def probe(script: str, *args: str) -> dict[str, Any]:
    """Run a probe script from probes/ and return the JSON it printed last."""
    _, out = run([sys.executable, str(PROBES / script), *args])
    lines = out.strip().splitlines()
    if not lines:
        raise BenchError(f"{script} printed nothing")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def fresh_copy(template: Path, destination: Path) -> Path:
    """A new empty database: a copy of the pristine one (its schema made once, not timed)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{destination}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, destination)
    return destination


def _show(argv: Sequence[str]) -> str:
    shown = [Path(argv[0]).name, *argv[1:]]
    return " ".join(shown)[:200]
