"""The benchmark harness (tests/bench/) runs end to end at a tiny scale, so it cannot rot.

Only that it runs and reports numbers: no timing is asserted (benchmarks are not tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

RUNNER = Path(__file__).resolve().parents[1] / "bench" / "run.py"


def run_bench(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    out = tmp_path / "bench.json"
    tiny = ["--scale", "0.005", "--repeats", "1", "--data", str(tmp_path / "data"), "--no-md"]
    done = subprocess.run(
        [sys.executable, str(RUNNER), *tiny, "--tools", str(tmp_path / "tools"), "--json", str(out), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def test_runner_measures_first_paint_search_and_memory(tmp_path: Path) -> None:
    report = run_bench(tmp_path, "--only", "first_paint,cli_search,peak_rss")

    figures = report["figures"]
    assert set(figures) == {"first_paint", "cli_search", "peak_rss"}
    for name, figure in figures.items():
        assert figure["ok"], (name, figure["status"])
        for side in ("measured", "baseline"):
            assert isinstance(figure[side]["median"], float), (name, side)
        assert figure["ratio"] > 0
    assert report["dataset"]["counts"]["contacts"] == 500
    assert report["machine"]["cores"] >= 1


def test_a_missing_tool_is_a_skip_not_a_failure(tmp_path: Path) -> None:
    # No tmux on PATH (as on a CI machine without it): the figure says why it has no number.
    env = dict(os.environ, PATH=str(tmp_path / "empty-path"))
    report = run_bench(tmp_path, "--only", "first_paint_tmux", env=env)

    figure = report["figures"]["first_paint_tmux"]
    assert figure["status"].startswith("skipped: ")
    assert "tmux" in figure["status"]
    assert figure["measured"] is None
