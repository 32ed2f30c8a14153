"""Start the app in a real terminal (tmux, on a private server) and time what a person sees."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass

from crmbench.measure import BenchError, Skip, bench_env

# A server of our own (`tmux -L`), so nothing here touches the user's tmux sessions.
SOCKET = "crm-tui-bench"
WIDTH, HEIGHT = 120, 40
# The mode bar: the first screen has painted.
MODE_BAR = "1 Inbox"
# The inbox title gets its count ("… · 1,234") when the first page of leads has arrived.
INBOX_LOADED = re.compile(r"Inbox\b[^\n]*· \d")
POLL_S = 0.005
# How often (in polls) to ask tmux whether the app has died, which costs another process.
DEATH_CHECK_EVERY = 50
TIMEOUT_S = 60.0


@dataclass
class Launch:
    mode_bar_s: float
    loaded_s: float


class Terminal:
    """A tmux server for one figure; each launch runs in a session of its own, then is closed."""

    def __init__(self) -> None:
        if shutil.which("tmux") is None:
            raise Skip("tmux is not installed")
        self.count = 0
        # Start the server before timing anything: its start-up is not the app's. A pane whose
        # program exits stays, so a crash leaves its message to report.
        self._tmux("new-session", "-d", "-s", "idle", "-x", str(WIDTH), "-y", str(HEIGHT))
        self._tmux("set-option", "-g", "remain-on-exit", "on")

    def launch(self, argv: Sequence[str]) -> Launch:
        """Run `argv` in a new session: seconds until the mode bar, and until the list is filled."""
        self.count += 1
        session = f"run{self.count}"
        started = time.perf_counter()
        self._tmux("new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT), shlex.join(argv))
        try:
            return self._watch(session, started)
        finally:
            self._tmux("kill-session", "-t", session, check=False)

    def _watch(self, session: str, started: float) -> Launch:
        mode_bar_s: float | None = None
        screen = ""
        polls = 0
        while (elapsed := time.perf_counter() - started) < TIMEOUT_S:
            screen = self._tmux("capture-pane", "-p", "-t", session)
            if mode_bar_s is None and MODE_BAR in screen:
                mode_bar_s = elapsed
            if mode_bar_s is not None and INBOX_LOADED.search(screen):
                return Launch(mode_bar_s, elapsed)
            polls += 1
            if polls % DEATH_CHECK_EVERY == 0 and self._dead(session):
                raise BenchError(f"the app exited before showing its inbox: {_tail(screen)}")
            time.sleep(POLL_S)
        raise BenchError(f"the app did not show its inbox within {TIMEOUT_S:.0f} s: {_tail(screen)}")

    def _dead(self, session: str) -> bool:
        return self._tmux("display-message", "-p", "-t", session, "#{pane_dead}").strip() == "1"

    def close(self) -> None:
        self._tmux("kill-server", check=False)

    def _tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, env=bench_env(), check=False
        )
        if check and done.returncode != 0:
            raise BenchError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout


def _tail(screen: str) -> str:
    lines = [line for line in screen.splitlines() if line.strip()]
    return " / ".join(lines[-4:])[:400]
