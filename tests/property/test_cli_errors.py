"""`crm-tui import` on the nastiest files, as a script would run it (`python -m crm_tui` in a
process of its own): the documented exit code (0 imported, 2 unreadable and nothing written,
3 some records rejected), each problem on one line, and never a traceback.

The runs are started together (each waits on its own database most of its time) and checked
one test each.
"""

from __future__ import annotations

import base64
import os
import random
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from crm_tui.io import limits
from tests.property.strategies import corpus_files

REPO = Path(__file__).resolve().parents[2]
_LOCALE = ("LC_ALL", "LC_CTYPE", "LANG")
# What a line of `crm-tui import` output is: a file's summary, or one record's problem.
_RECORD_LINE = re.compile(r"  (card \d+ \(line \d+\)|row \d+): \S")


@dataclass
class Case:
    name: str
    files: list[Path]
    exits: set[int]  # the exit codes the contract allows for these files
    says: tuple[str, ...] = ()  # what the output must hold


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def _card(*lines: str) -> bytes:
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\n" + "".join(lines) + "END:VCARD\r\n").encode()


def _nasty_files(folder: Path) -> tuple[list[Case], list[Case]]:
    """The cases of every run, and those of --slow runs only."""

    def write(name: str, data: bytes) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    noise = random.Random(11)
    encoded = base64.b64encode(noise.randbytes(limits.MAX_BINARY_BYTES + 1_000_000)).decode()
    folded = "\r\n ".join(encoded[start : start + 74] for start in range(0, len(encoded), 74))
    long_note = "z" * (limits.MAX_LINE_CHARS + 10)
    table = (
        "Name,Email,Birthday,Notes\n"
        "Anna Petrova,anna@example.com,17.06.1990,fine\n"
        "Bob,not-an-email,10000000000000000000000000000M march,bad cells\n"
        "Eve,eve@example.com,12 March 1985 10:00 MSK,a time zone dateutil does not know\n"
        + ",".join(["x"] * (limits.MAX_FIELDS + 1))
        + "\n"
        + "Cid,cid@example.com,,"
        + "y" * (2 * limits.MAX_LINE_CHARS)
        + "\n"
        + 'Dan,"dan@exa\x00mple.com",,"never closed\n'
    ).encode() + "Иван,ivan@example.com,,cp1251 in a UTF-8 file\n".encode("cp1251")
    photo = write("photo.vcf", _card("FN:Anna Petrova\r\n", f"PHOTO;ENCODING=b:{folded}\r\n"))
    never_closed = write(
        "never_closed.vcf",
        b"BEGIN:VCARD\r\nFN:Anna\r\nNOTE:"
        + long_note.encode()
        + b"\r\n"
        + b"X-JUNK:y\r\n" * 3000
        # BEGIN inside BEGIN, never closed
        + b"BEGIN:VCARD\r\n" * 50,
    )
    utf16 = write("utf16.vcf", "BEGIN:VCARD\r\nFN:Åsa Öberg\r\nEND:VCARD\r\n".encode("utf-16-le"))
    faults = write("faults.csv", table)
    random_vcf = write("random.vcf", noise.randbytes(5000))
    photo_says = "PHOTO dropped: about 6 MB of data, over the 5 MB cap"
    note_says = "NOTE dropped: 1,048,591 characters, over the cap of 1,048,576 for one line"
    # Readable files go in one run (a process start each costs seconds on a loaded machine);
    # each fault gets a run of its own under --slow.
    together = [photo, never_closed, utf16, faults]
    return [
        Case("readable nasty files together", together, {3}, (photo_says, note_says, "is not a date")),
        Case(
            "a good file, then random bytes: nothing is written", [utf16, random_vcf], {2}, ("not a vCard",)
        ),
        Case("an empty file", [write("empty.csv", b"")], {2}, ("not a vCard or CSV file",)),
    ], [
        Case("photo over the cap", [photo], {0}, (photo_says,)),
        Case(
            "a line over the cap, a card never closed, BEGIN inside BEGIN", [never_closed], {3}, (note_says,)
        ),
        Case("UTF-16 without a BOM", [utf16], {0}),
        Case("a CSV with every fault", [faults], {3}, ("is not a date", "over the cap of 1,000 for one row")),
        Case("random bytes", [random_vcf], {2}, ("not a vCard file",)),
        Case(
            "random bytes, no suffix", [write("random", noise.randbytes(5000))], {2}, ("not a vCard or CSV",)
        ),
        Case("a file that is not there", [folder / "missing.vcf"], {2}, ("missing.vcf",)),
    ]


def _corpus_cases(slow: bool) -> list[Case]:
    files = corpus_files("vcard", "*.vcf") + corpus_files("csv", "*.csv")
    if not files:
        return []
    if not slow:  # all of them in one run: one process start instead of fifty
        return [Case("the corpus", files, {0, 3})]
    return [Case(path.name, [path], {0, 3}) for path in files]


def _truncated_corpus(folder: Path) -> list[Case]:
    """Under --slow: every corpus file cut at a random byte."""
    cut = random.Random(5)
    cases = []
    for path in corpus_files("vcard", "*.vcf") + corpus_files("csv", "*.csv"):
        data = path.read_bytes()
        target = folder / f"cut_{path.name}"
        target.write_bytes(data[: cut.randrange(len(data) + 1)])
        cases.append(Case(f"{path.name} cut short", [target], {0, 2, 3}))
    return cases


def _run(case: Case, folder: Path, environment: dict[str, str]) -> Run:
    database = folder / f"{abs(hash(case.name))}.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "crm_tui", "import", *map(str, case.files), "--db", str(database)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environment,
        timeout=600,
    )
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, tuple[Case, Run]]:
    """Every case run at once: {name: (what it expects, what came of it)}."""
    slow = bool(request.config.getoption("--slow"))
    folder = tmp_path_factory.mktemp("cli")
    nasty, slower = _nasty_files(folder)
    cases = nasty + _corpus_cases(slow) + (slower + _truncated_corpus(folder) if slow else [])
    # The module-scoped fixture is set up before the per-test clock, zone and locale (conftest):
    # give the children the same, so a phone's region does not follow the machine's language.
    environment = {name: value for name, value in os.environ.items() if name not in _LOCALE}
    environment |= {"TZ": "UTC", "CRM_TUI_NOW": "2026-11-20T09:00:00+00:00"}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda case: _run(case, folder, environment), cases))
    return {case.name: (case, run) for case, run in zip(cases, results, strict=True)}


def _check(run: Run, case: Case) -> None:
    both = run.stdout + run.stderr
    where = f"{case.name}: exit {run.code}\nstdout: {run.stdout[-2000:]}\nstderr: {run.stderr}"
    assert "Traceback" not in both, where
    assert "please report" not in run.stderr, where
    assert run.code in case.exits, where
    errors = run.stderr.splitlines()
    if run.code == 0:
        assert errors == [], where
    else:
        # One line says what went wrong (exit 2) or that some records were rejected (exit 3);
        # each record's problem is its own line of the listing above it.
        assert len(errors) == 1 and errors[0].startswith("crm-tui: "), where
    if run.code == 2:
        assert run.stdout == "", f"{where}\nan unreadable file must stop the import before anything"
    files = tuple(f"{path}: " for path in case.files)
    for line in run.stdout.splitlines():
        assert line.startswith(files) or _RECORD_LINE.match(line), (
            f"{where}\nnot one line per problem: {line!r}"
        )
    for text in case.says:
        assert text in both, where


def _corpus(name: str) -> bool:
    return name == "the corpus" or name.endswith((".vcf", ".csv"))


def test_import_of_nasty_files_ends_as_documented(runs: dict[str, tuple[Case, Run]]) -> None:
    for name, (case, run) in runs.items():
        if not _corpus(name):
            _check(run, case)


def test_import_of_the_corpus_ends_as_documented(runs: dict[str, tuple[Case, Run]]) -> None:
    corpus = [name for name in runs if _corpus(name)]
    if not corpus:
        pytest.skip("no corpus: set CRM_TUI_CORPUS or put it at ../shared/corpus")
    for name in corpus:
        case, run = runs[name]
        _check(run, case)


def test_a_file_over_the_size_cap_stops_the_import_before_any_file_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crm_tui import cli

    good = tmp_path / "a.vcf"
    good.write_bytes(_card("FN:Olga Petrova", "N:Petrova;Olga;;;"))
    huge = tmp_path / "huge.vcf"
    with huge.open("wb") as handle:  # sparse: over the cap without writing it
        handle.write(b"BEGIN:VCARD\r\n")
        handle.truncate(limits.MAX_FILE_BYTES + 1)
    database = tmp_path / "crm.sqlite3"
    code = cli.main(["--db", str(database), "import", str(good), str(huge)])
    err = capsys.readouterr().err
    assert code == 2
    assert "over the 256 MB cap" in err and len(err.strip().splitlines()) == 1
    code = cli.main(["--db", str(database), "search", "Petrova", "--json"])
    assert code == 0 and "Petrova" not in capsys.readouterr().out  # a.vcf was not imported either
