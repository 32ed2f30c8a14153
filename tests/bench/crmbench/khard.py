"""khard, the terminal address book people use today, installed for the benchmark only.

The project's `bench` extra installs it beside the app; without it, the harness installs it into
a venv of its own under the tools folder, once, and later runs reuse it. If it cannot be
installed, the figure says why instead of showing a number.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crmbench.measure import Skip

INSTALL_TIMEOUT_S = 600


def khard_command(tools: Path) -> Path:
    """khard from `pip install .[bench]` if present, else tools/khard-venv, installed if need be."""
    beside = Path(sys.executable).with_name("khard")
    if beside.exists() and _works(beside):
        return beside
    venv = tools / "khard-venv"
    khard = venv / "bin" / "khard"
    if khard.exists() and _works(khard):
        return khard
    tools.mkdir(parents=True, exist_ok=True)
    print(f"Installing khard into {venv} (for the benchmark only) …", flush=True)
    _step([sys.executable, "-m", "venv", "--clear", str(venv)], "create its venv")
    _step([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "khard"], "pip install khard")
    if not _works(khard):
        raise Skip("khard was installed but `khard --version` fails")
    return khard


def write_config(vdir: Path, folder: Path) -> Path:
    """A khard.conf with one address book: the vdir of the benchmark's contacts."""
    config = folder / "khard.conf"
    config.write_text(f"[addressbooks]\n[[bench]]\npath = {vdir}\n", encoding="utf-8")
    return config


def version(khard: Path) -> str:
    done = subprocess.run([str(khard), "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).strip()


def _works(khard: Path) -> bool:
    try:
        done = subprocess.run([str(khard), "--version"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _step(argv: list[str], what: str) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as error:
        raise Skip(f"khard not measured: {what} ran past {INSTALL_TIMEOUT_S} s") from error
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise Skip(f"khard not measured: {what} failed ({last[0][:160]})")
