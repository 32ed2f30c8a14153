"""Several processes opening the same new database at the same moment: one creates it, the
others wait for it; nothing is seeded twice and nobody fails."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def test_processes_opening_a_new_database_together_all_succeed(tmp_path: Path) -> None:
    database = tmp_path / "crm.sqlite3"
    environment = os.environ | {"PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, "-m", "crm_tui", "--db", str(database), "leads", "--status", "all"]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
        for _ in range(4)
    ]
    results = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0, 0], results
    assert all("Traceback" not in err and "locked" not in err for _, err in results)
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM schemaversion").fetchone() == (1,)
        assert connection.execute("SELECT count(*) FROM stage").fetchone() == (6,)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
