"""The Textual front end. Screens call services; they never write SQL."""

import os

# Textual draws changed screen regions at most this many times a second; a keystroke's
# answer waits for the next frame. At the default 60 a frame is 17 ms of a search-as-you-type
# budget of 50 ms, at 120 half that, and nothing is drawn when nothing changed. Set before
# Textual is imported (it reads the variable once); a user's own setting wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
