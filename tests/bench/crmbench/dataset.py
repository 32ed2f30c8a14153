"""The benchmark data set: one database from the demo generator, plus the files the importers
and khard read, all written by our own exporters.

A folder holds one data set of one scale; `dataset.json` (written last) says which, so an
interrupted build is never mistaken for a finished one and a finished one is not rebuilt.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# Bump when the files a data set holds change, so older caches are rebuilt.
# 3: six open stages (two added to the app's four), for the pipeline board figure.
FORMAT = 3
MARKER = "dataset.json"
SEED = 7
# At scale 1.0: the vCard file and the khard vdir hold this many contacts (DESIGN.md).
CARDS_AT_SCALE_1 = 10_000
# The pipeline board's load (DESIGN.md "Budgets", the pipeline issue): 5,000 open deals over
# six open stages. A new database has four; these go in after the named one before any deal
# is made, so the generator spreads the open deals over all six.
EXTRA_OPEN_STAGES = {"Qualified": ("Demo", 40, 14), "Negotiation": ("Contract", 90, 14)}

_CYRILLIC = re.compile(r"^[\u0400-\u04FF]+$")
_LATIN = re.compile(r"^[A-Za-z]+$")

Log = Callable[[str], None]


@dataclass
class Dataset:
    root: Path
    scale: float
    counts: dict[str, int]
    cards: int
    # Surnames to search for, chosen among the contacts of the vCard file so that crm-tui and
    # khard look for something both have: {"cyrillic": "Иванова", "latin": "Smith"}.
    words: dict[str, str]
    build_s: float
    built_now: bool = False

    @property
    def db(self) -> Path:
        return self.root / "crm.sqlite3"

    @property
    def empty_db(self) -> Path:
        """An empty database for the app to open: the baseline of the start-up figures."""
        return self.root / "empty.sqlite3"

    @property
    def template_db(self) -> Path:
        """A pristine empty database never opened by the app; imports copy it."""
        return self.root / "template.sqlite3"

    def open_deals(self) -> int:
        """Deals in an open stage: the pipeline board's load (5,000 at scale 1.0)."""
        query = "SELECT count(*) FROM deal JOIN stage ON stage.id = deal.stage_id WHERE stage.kind = 'open'"
        return self._count(query)

    def open_stages(self) -> int:
        """The board's columns (6)."""
        return self._count("SELECT count(*) FROM stage WHERE kind = 'open'")

    def _count(self, query: str) -> int:
        with sqlite3.connect(self.db) as connection:
            count: int = connection.execute(query).fetchone()[0]
        return count

    @property
    def vcf(self) -> Path:
        return self.root / "contacts.vcf"

    @property
    def csv(self) -> Path:
        return self.root / "leads.csv"

    @property
    def vdir(self) -> Path:
        return self.root / "vdir"


def cards_for(scale: float) -> int:
    return max(round(CARDS_AT_SCALE_1 * scale), 1)


def load(root: Path, scale: float) -> Dataset | None:
    """The data set already in `root`, if it is complete, of this scale and format."""
    try:
        marker = json.loads((root / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if marker.get("format") != FORMAT or marker.get("scale") != scale:
        return None
    dataset = Dataset(
        root=root,
        scale=scale,
        counts=marker["counts"],
        cards=marker["cards"],
        words=marker["words"],
        build_s=marker["build_s"],
    )
    files = (dataset.db, dataset.empty_db, dataset.template_db, dataset.vcf, dataset.csv, dataset.vdir)
    return dataset if all(path.exists() for path in files) else None


def ensure(root: Path, scale: float, force: bool = False, log: Log = print) -> Dataset:
    """The data set in `root`, built first if it is missing, of another scale, or `force`."""
    if not force and (found := load(root, scale)) is not None:
        log(f"Data set at scale {scale} found in {root} (built in {found.build_s:.0f} s); reusing it.")
        upgrade(found, log)
        return found
    return build(root, scale, log)


def upgrade(dataset: Dataset, log: Log = print) -> None:
    """Bring a cached data set's databases to the app's current schema before anything is timed.

    The app upgrades an older file when it opens it, after a snapshot. Left to the measured
    runs, that one-off would land in the first of them, and in every import into a fresh copy
    of an old template.
    """
    from crm_tui.db.schema import SCHEMA_VERSION

    for path in (dataset.db, dataset.empty_db, dataset.template_db):
        if _schema_version(path) != SCHEMA_VERSION:
            started = time.perf_counter()
            _open_and_fold(path)
            log(f"  {path.name} upgraded to schema {SCHEMA_VERSION} in {time.perf_counter() - started:.1f} s")
    # The upgrade's snapshots are copies of files this harness generated: not worth the disk.
    shutil.rmtree(dataset.root / "backups", ignore_errors=True)


def _schema_version(path: Path) -> int | None:
    with sqlite3.connect(path) as connection:
        try:
            row = connection.execute("SELECT version FROM schemaversion WHERE id = 1").fetchone()
        except sqlite3.Error:
            return None
    return int(row[0]) if row else None


def build(root: Path, scale: float, log: Log = print) -> Dataset:
    started = time.perf_counter()
    _clear(root)
    log(f"Building the scale-{scale} data set in {root} …")
    counts = _generate(root / "crm.sqlite3", scale, log)
    cards = cards_for(scale)
    words = _write_files(root, cards, log)
    _open_and_fold(root / "empty.sqlite3")
    _open_and_fold(root / "template.sqlite3")
    dataset = Dataset(root, scale, counts, cards, words, time.perf_counter() - started, built_now=True)
    marker = {key: value for key, value in asdict(dataset).items() if key not in ("root", "built_now")}
    (root / MARKER).write_text(json.dumps(marker | {"format": FORMAT}, ensure_ascii=False, indent=1))
    log(f"Data set built in {dataset.build_s:.1f} s: " + ", ".join(f"{n:,} {k}" for k, n in counts.items()))
    return dataset


def _clear(root: Path) -> None:
    """Remove what an older or broken build left, the marker first."""
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).unlink(missing_ok=True)
    for path in root.glob("*.sqlite3*"):
        path.unlink()
    for name in ("contacts.vcf", "leads.csv"):
        (root / name).unlink(missing_ok=True)
    shutil.rmtree(root / "vdir", ignore_errors=True)


def _generate(path: Path, scale: float, log: Log) -> dict[str, int]:
    from crm_tui.db.engine import session_scope
    from crm_tui.db.schema import open_database
    from crm_tui.services.demo import DemoSize, generate

    started = time.perf_counter()
    engine = open_database(str(path))
    with session_scope(engine) as session:
        _add_open_stages(session)
        counts: dict[str, int] = generate(session, DemoSize.benchmark(scale), seed=SEED)
    engine.dispose()
    _checkpoint(path)
    log(f"  database: {time.perf_counter() - started:.1f} s")
    return counts


def _add_open_stages(session: Any) -> None:
    """The stages of EXTRA_OPEN_STAGES, each after its named one, positions renumbered."""
    from crm_tui.db.models import Stage
    from crm_tui.services.stages import list_stages

    ordered: list[Stage] = []
    for stage in list_stages(session):
        ordered.append(stage)
        if stage.name in EXTRA_OPEN_STAGES:
            name, probability, rot_days = EXTRA_OPEN_STAGES[stage.name]
            ordered.append(Stage(name=name, probability=probability, rot_days=rot_days))
    for position, stage in enumerate(ordered):
        stage.position = position
        session.add(stage)
    session.flush()


def _checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so the first timed open does not replay it
    and a copy of the file alone is the whole database."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _open_and_fold(path: Path) -> None:
    """Open (so create, or upgrade, with the app's schema) and fold the log into the file."""
    from crm_tui.db.schema import open_database

    open_database(str(path)).dispose()
    _checkpoint(path)


def _write_files(root: Path, cards: int, log: Log) -> dict[str, str]:
    from crm_tui.db.engine import session_scope
    from crm_tui.db.schema import open_database
    from crm_tui.services.exports import ExportOptions, export_to_file
    from crm_tui.services.records import iter_records

    started = time.perf_counter()
    engine = open_database(str(root / "crm.sqlite3"))
    with session_scope(engine) as session:
        export_to_file(session, root / "leads.csv", "leads", ExportOptions(fmt="csv"))
        contacts = list(itertools.islice(iter_records(session, "contacts"), cards))
    engine.dispose()
    _write_vcards(root, contacts)
    log(
        f"  leads.csv, contacts.vcf ({len(contacts):,} cards) and vdir: {time.perf_counter() - started:.1f} s"
    )
    return _search_words(contacts)


def _write_vcards(root: Path, contacts: list[dict[str, Any]]) -> None:
    """The same cards twice: one file for our importer, one file per card for khard."""
    from crm_tui.io.vcard import write_vcards

    for contact in contacts:
        # A vdir card without a UID is ignored by khard; demo contacts have none of their own.
        contact["uid"] = contact.get("uid") or f"crm-tui-bench-{contact['id']}"
    vdir = root / "vdir"
    vdir.mkdir()
    # newline="": vCard lines end in CRLF on every platform, as the exporter writes them.
    with open(root / "contacts.vcf", "w", encoding="utf-8", newline="") as whole:
        for contact, card in zip(contacts, write_vcards(contacts), strict=True):
            whole.write(card)
            (vdir / f"{_safe(contact['uid'])}.vcf").write_text(card, encoding="utf-8", newline="")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def _search_words(contacts: Iterable[dict[str, Any]]) -> dict[str, str]:
    """The commonest Cyrillic and Latin surnames: searches that find many records, as a real
    user's search for "Иванова" does."""
    names = Counter(contact.get("last_name") or "" for contact in contacts)
    words = {}
    for script, pattern, fallback in (("cyrillic", _CYRILLIC, "Иванова"), ("latin", _LATIN, "Smith")):
        found = [name for name, _ in names.most_common() if len(name) >= 4 and pattern.match(name)]
        words[script] = found[0] if found else fallback
    return words
