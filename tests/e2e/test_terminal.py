"""The installed `crm-tui` in a real terminal: tmux runs it, the test types the keys a person
would type and reads the screen as they would see it, then opens the database to check what
was stored.

One morning's work on a fresh database: import a CSV of leads (`i`, the path, `p` for the
plan, enter), convert the newest lead (`c`, enter), move its deal on to the next stage (`3`,
`L`), tick off the call planned for today (`4`, `d`, the outcome, esc for no next step), and
quit (`q`). Every wait polls the screen until the expected text is there.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from crm_tui.io.csv_write import write_csv

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(
    TMUX is None,
    reason="tmux is not installed: this test drives crm-tui in a real terminal under tmux "
    "(.ci/run installs it; apt-get install tmux)",
)

NOW = "2026-11-20T09:00:00+00:00"  # a Friday
WIDTH, HEIGHT = 100, 30
# Generous: a loaded CI machine may take seconds to start Python and Textual. Never a fixed
# sleep: each step polls the screen until what a person waits for is there.
WAIT_SECONDS = 45.0
POLL_SECONDS = 0.1
EXIT_LINE = "crm-tui exited with status"
SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})

# Newest first in the inbox: the lead converted is "Annual support" (Diana Yates).
LEADS = [
    {
        "title": "Website redesign",
        "name": "Olga Smirnova",
        "company": "Vektor LLC",
        "emails": ["olga@vektor.example"],
        "phones": ["+7 912 345-67-89"],
        "source": "Website",
        "value": 150000,
        "currency": "RUB",
        "created_at": "2026-11-18T10:00:00",
    },
    {
        "title": "CRM training",
        "name": "Ivan Petrov",
        "company": "Granit",
        "emails": ["ivan@granit.example"],
        "source": "Referral",
        "value": 90000,
        "currency": "RUB",
        "created_at": "2026-11-18T11:00:00",
    },
    {
        "title": "Annual support",
        "name": "Diana Yates",
        "company": "Blue Ridge",
        "emails": ["diana@blueridge.example"],
        "source": "Fair",
        "value": 46400,
        "currency": "USD",
        "created_at": "2026-11-19T15:00:00",
    },
]


def crm_command() -> list[str]:
    """`crm-tui` as a person runs it: the console script beside this interpreter."""
    script = Path(sys.executable).with_name("crm-tui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "crm_tui"]


def terminal_environment() -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TMUX", "TMUX_PANE", "CRM_TUI_DB", "LC_ALL", "LC_CTYPE", "NO_COLOR")
    }
    return environment | {"CRM_TUI_NOW": NOW, "TZ": "UTC", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}


class Terminal:
    """A tmux server of its own (its own socket), one window WIDTH × HEIGHT."""

    def __init__(self) -> None:
        self.socket = f"crm-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.environment = terminal_environment()
        self.last = ""
        self.socket_path: Path | None = None

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        # -u: UTF-8 whatever the locale; -f /dev/null: none of the machine's tmux settings.
        result = subprocess.run(
            [TMUX, "-u", "-f", os.devnull, "-L", self.socket, *args],
            capture_output=True,
            env=self.environment,
            timeout=30,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {result.stderr.decode(errors='replace')}")
        return result.stdout.decode("utf-8", errors="replace")

    def start(self, command: str) -> None:
        """Run `command` in the window; the server (started here) passes on this environment."""
        self.tmux("new-session", "-d", "-s", "t", "-x", str(WIDTH), "-y", str(HEIGHT), command)
        with suppress(AssertionError):  # only to tidy up: an old tmux may not say
            self.socket_path = Path(self.tmux("display-message", "-p", "#{socket_path}").strip())

    def screen(self) -> str:
        """The text on the screen, as a person reads it (the thin spaces in amounts as spaces)."""
        self.last = self.tmux("capture-pane", "-p", "-t", "t").translate(SPACES)
        return self.last

    def keys(self, *keys: str) -> None:
        """Keys by tmux name (Enter, Escape) or single characters."""
        self.tmux("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "t", "-l", text)

    def wait_for(self, *texts: str, gone: str | None = None) -> str:
        """Poll until every text is on the screen (and `gone` is not); fail showing the screen."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            screen = self.screen()
            if all(text in screen for text in texts) and (gone is None or gone not in screen):
                return screen
            if "Traceback" in screen:
                pytest.fail(f"a traceback on the screen:\n{screen}")
            if time.monotonic() > deadline:
                wanted = ", ".join(repr(text) for text in texts) + (f", without {gone!r}" if gone else "")
                pytest.fail(f"waited {WAIT_SECONDS:.0f} s for {wanted}; the screen:\n{screen}")
            time.sleep(POLL_SECONDS)

    def kill(self) -> None:
        """Stop the server and everything in it; its socket file goes too."""
        assert TMUX is not None
        subprocess.run(
            [TMUX, "-L", self.socket, "kill-server"],
            capture_output=True,
            env=self.environment,
            timeout=30,
            check=False,
        )
        if self.socket_path is not None and self.socket_path.name == self.socket:
            self.socket_path.unlink(missing_ok=True)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    terminal = Terminal()
    try:
        yield terminal
    finally:
        terminal.kill()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*crm_command(), *args],
        capture_output=True,
        text=True,
        env=terminal_environment(),
        timeout=120,
        check=False,
    )


def test_a_morning_in_the_terminal(terminal: Terminal, tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite3"
    sample = tmp_path / "fair-leads.csv"
    with sample.open("w", encoding="utf-8", newline="") as handle:
        write_csv(handle, "leads", LEADS)
    planned = run_cli("--db", str(db), "add-task", "call Olga today 10:00")
    assert planned.returncode == 0, planned.stderr

    # The clock and time zone said again on the command line, whatever the shell's start files do.
    app = shlex.join(["env", f"CRM_TUI_NOW={NOW}", "TZ=UTC", *crm_command(), "--db", str(db)])
    terminal.start(f'{app}; echo "{EXIT_LINE} $?"; sleep 60')

    # An empty inbox first.
    terminal.wait_for("Inbox · New · 0", "No leads here")

    # i: the import screen; the CSV is recognised as our own lead export.
    terminal.keys("i")
    terminal.wait_for("Import contacts (vCard or CSV)", "Type the path")
    terminal.type(str(sample))
    terminal.wait_for(sample.name)
    terminal.keys("Enter")
    # The first rows' values beside each column (the table settles to its width in a moment).
    terminal.wait_for(
        "columns go into leads", "crm-tui leads preset", "Olga Smirnova · Ivan Petrov · Diana Yates"
    )
    terminal.keys("p")
    screen = terminal.wait_for("3 to create", "Nothing written yet")
    assert screen.count("new lead") >= 3
    terminal.keys("Enter")
    terminal.wait_for("Imported (3 created)", "crm-tui imports undo 1")
    terminal.keys("Escape")

    # The inbox lists them, newest first; c converts the highlighted one.
    screen = terminal.wait_for("Inbox · New · 3", "Diana Yates", "Ivan Petrov", "Olga Smirnova")
    assert [row.split()[:2] for row in list_rows(screen)] == [
        ["Diana", "Yates"],
        ["Ivan", "Petrov"],
        ["Olga", "Smirnova"],
    ]
    terminal.keys("c")
    screen = terminal.wait_for("Convert lead: Annual support", "Save ctrl+s")
    assert "diana@blueridge.example" in screen and "Blue Ridge" in screen
    terminal.keys("Enter")
    screen = terminal.wait_for("Inbox · New · 2", "Converted 1", "Converted: contact Diana Yates")
    assert [row.split()[:2] for row in list_rows(screen)] == [["Ivan", "Petrov"], ["Olga", "Smirnova"]]

    # 3: the board; the new deal stands in New; L moves it on to Qualified.
    terminal.keys("3")
    terminal.wait_for("Pipeline · 1 open deal", "New · 1", "Annual support", "46 400 USD")
    terminal.keys("L")
    terminal.wait_for("New → Qualified", "New · 0", "Qualified · 1")

    # 4: Today has the call; d asks how it went, then offers a next step (esc skips it).
    terminal.keys("4")
    terminal.wait_for("1 today", "call Olga")
    terminal.keys("d")
    terminal.wait_for("Done: call Olga", "Outcome")
    terminal.type("Agreed on a demo")
    terminal.wait_for("Agreed on a demo")
    terminal.keys("Enter")
    terminal.wait_for("Next step after", "esc skips")
    terminal.keys("Escape")
    terminal.wait_for("0 today", "Nothing left for today", gone="Next step after")

    # q quits, cleanly.
    terminal.keys("q")
    screen = terminal.wait_for(EXIT_LINE)
    assert f"{EXIT_LINE} 0" in screen, screen
    assert "Traceback" not in screen and "Error" not in screen, screen

    check_database(db)


def list_rows(screen: str) -> list[str]:
    """The inbox's rows: the lines under its column header, up to the first blank one."""
    lines = screen.splitlines()
    header = next(number for number, line in enumerate(lines) if "Person" in line and "Company" in line)
    rows = []
    for line in lines[header + 1 :]:
        if not line.strip():
            break
        rows.append(line)
    return rows


def check_database(db: Path) -> None:
    connection = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT person_name, status, contact_id, deal_id FROM lead ORDER BY id"
        ).fetchall()
        assert {(name, status) for name, status, _, _ in rows} == {
            ("Olga Smirnova", "new"),
            ("Ivan Petrov", "new"),
            ("Diana Yates", "converted"),
        }
        _, _, contact_id, deal_id = next(row for row in rows if row[0] == "Diana Yates")
        assert contact_id is not None and deal_id is not None

        contact = connection.execute(
            "SELECT contact.full_name, company.name FROM contact "
            "LEFT JOIN company ON company.id = contact.company_id WHERE contact.id = ?",
            (contact_id,),
        ).fetchone()
        assert contact == ("Diana Yates", "Blue Ridge")
        emails = connection.execute(
            "SELECT value FROM contactemail WHERE contact_id = ?", (contact_id,)
        ).fetchall()
        assert emails == [("diana@blueridge.example",)]

        deal = connection.execute(
            "SELECT deal.title, deal.amount, deal.currency, deal.contact_id, stage.name FROM deal "
            "JOIN stage ON stage.id = deal.stage_id WHERE deal.id = ?",
            (deal_id,),
        ).fetchone()
        assert deal == ("Annual support", 4_640_000, "USD", contact_id, "Qualified")
        moves = connection.execute(
            "SELECT payload FROM event WHERE entity_kind = ? AND entity_id = ? AND kind = ?",
            ("deal", deal_id, "stage_changed"),
        ).fetchall()
        assert [(json.loads(payload)["from"], json.loads(payload)["to"]) for (payload,) in moves] == [
            ("New", "Qualified")
        ]

        activity = connection.execute("SELECT title, kind, done_at, outcome FROM activity").fetchall()
        assert len(activity) == 1
        title, kind, done_at, outcome = activity[0]
        assert (title, kind, outcome) == ("call Olga", "call", "Agreed on a demo")
        assert done_at is not None
    finally:
        connection.close()
