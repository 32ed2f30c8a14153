"""The core (db, services, io) and the command line never import Textual.

Checked in a fresh interpreter, because in the test process something else may already have
loaded Textual.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import importlib
import json
import pkgutil
import sys

imported = []
for package_name in ("crm_tui.db", "crm_tui.services", "crm_tui.io"):
    try:
        package = importlib.import_module(package_name)
    except ModuleNotFoundError:
        continue
    imported.append(package_name)
    for module in pkgutil.iter_modules(package.__path__, package_name + "."):
        importlib.import_module(module.name)
        imported.append(module.name)
for name in ("crm_tui.dates", "crm_tui.paths", "crm_tui.errors", "crm_tui.cli"):
    importlib.import_module(name)
    imported.append(name)

textual = sorted(name for name in sys.modules if name == "textual" or name.startswith("textual."))
print(json.dumps({"imported": imported, "textual": textual}))
"""


def test_core_and_cli_do_not_import_textual() -> None:
    environment = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # The probe really imported the core, not an empty list.
    for expected in ("crm_tui.db.models", "crm_tui.db.schema", "crm_tui.services.search", "crm_tui.cli"):
        assert expected in report["imported"]
    assert report["textual"] == [], f"textual loaded by the core: {report['textual']}"
