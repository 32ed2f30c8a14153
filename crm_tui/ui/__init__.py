"""The Textual front end. Screens call services; they never write SQL."""

import os
import sys

# Textual draws changed screen regions at most this many times a second; a keystroke's
# answer waits for the next frame. At the default 60 a frame is 17 ms of a search-as-you-type
# budget of 50 ms, at 120 half that, and nothing is drawn when nothing changed. Set before
# Textual is imported (it reads the variable once); a user's own setting wins.
os.environ.setdefault("TEXTUAL_FPS", "120")

# The database runs in worker threads, and SQLite lets go of the GIL for every row it steps
# to; taking it back waits for the UI thread's switch interval (5 ms by default) whenever the
# UI is busy drawing. A page of 50 rows read while the first screen was drawn took 150 ms
# that way, for 2 ms of SQL. At 1 ms the worker gets its turns back five times sooner.
sys.setswitchinterval(0.001)
