"""The command line run as a real subprocess, the way scripts and web-form hooks use it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest


def crm(*args: str, db: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"CRM_TUI_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


# CSV as Excel writes and reads it in a Russian locale.
EXCEL_RU_CSV = ("--format", "csv", "--delimiter", ";", "--encoding", "cp1251")


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "crm.sqlite3"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "crm.sqlite3"
    result = crm("demo", "--size", "60", db=path)
    assert result.returncode == 0, result.stderr
    return path


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crm_tui", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("crm-tui ")


def test_demo_creates_a_private_database_and_refuses_to_run_twice(demo_db: Path) -> None:
    assert stat.S_IMODE(demo_db.stat().st_mode) == 0o600
    again = crm("demo", db=demo_db)
    assert again.returncode == 2
    assert "--force" in again.stderr
    assert_no_traceback(again)


def test_search_finds_a_demo_surname_typed_in_lowercase_cyrillic(demo_db: Path) -> None:
    contacts = json.loads(crm("export", "contacts", "--format", "json", db=demo_db).stdout)
    cyrillic = next(c for c in contacts if c["last_name"] and "а" <= c["last_name"][0].lower() <= "я")
    result = crm("search", cyrillic["last_name"].lower(), db=demo_db)
    assert result.returncode == 0, result.stderr
    assert cyrillic["full_name"] in result.stdout

    as_json = json.loads(crm("search", cyrillic["last_name"].lower(), "--json", db=demo_db).stdout)
    assert any(record["kind"] == "contact" and record["id"] == cyrillic["id"] for record in as_json)


def test_export_contacts_as_json_carries_the_readable_fields(demo_db: Path, tmp_path: Path) -> None:
    result = crm("export", "contacts", "--format", "json", db=demo_db)
    assert result.returncode == 0, result.stderr
    contacts = json.loads(result.stdout)
    assert len(contacts) == 60
    first = contacts[0]
    for field in (
        "id",
        "full_name",
        "first_name",
        "last_name",
        "company",
        "title",
        "emails",
        "phones",
        "addresses",
        "birthday",
        "tags",
        "notes",
    ):
        assert field in first
    assert {"value", "kind"} <= set(first["emails"][0])
    assert {"value", "e164", "kind"} <= set(first["phones"][0])

    target = tmp_path / "deals.json"
    written = crm("export", "deals", "--format", "json", "-o", str(target), db=demo_db)
    assert written.returncode == 0, written.stderr
    deals = json.loads(target.read_text(encoding="utf-8"))
    assert deals and {"title", "stage", "status", "amount", "currency", "contact", "company"} <= set(deals[0])


@pytest.mark.parametrize("kind", ["companies", "leads", "activities", "events"])
def test_export_every_kind(demo_db: Path, kind: str) -> None:
    result = crm("export", kind, db=demo_db)
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), list)


def test_add_lead_from_options_and_find_it(db: Path) -> None:
    result = crm(
        "add-lead",
        "--name",
        "Ольга Смирнова",
        "--company",
        "Вектор",
        "--email",
        "Olga@Vektor.ru",
        "--phone",
        "8 912 345 67 89",
        "--source",
        "Website",
        "--value",
        "250 000",
        db=db,
    )
    assert result.returncode == 0, result.stderr
    lead = json.loads(result.stdout)
    assert lead["name"] == "Ольга Смирнова" and lead["status"] == "new" and lead["value"] == 250000
    assert lead["phone_e164"] == "+79123456789"
    found = crm("search", "смирнова", db=db)
    assert "Ольга Смирнова" in found.stdout


def test_add_lead_json_from_stdin_partly_applied_exits_3(db: Path) -> None:
    payload = json.dumps(
        [{"name": "Good One", "email": "good@example.com"}, {"name": "Bad", "email": "nope"}]
    )
    result = crm("add-lead", "--json", "-", db=db, stdin=payload)
    assert result.returncode == 3
    assert "lead 2: email" in result.stderr
    assert_no_traceback(result)
    leads = json.loads(crm("export", "leads", db=db).stdout)
    assert [lead["name"] for lead in leads] == ["Good One"]


def test_unreadable_input_exits_2_and_writes_nothing(db: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    for args, stdin in [
        (("add-lead", "--json", str(broken)), None),
        (("add-lead", "--json", str(tmp_path / "missing.json")), None),
        (("add-lead", "--json", "-"), "[1, 2]"),
        (("add-lead",), None),
        (("add-lead", "--email", "not-an-email"), None),
    ]:
        result = crm(*args, db=db, stdin=stdin)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.strip().count("\n") < 3, result.stderr
        assert_no_traceback(result)
    assert json.loads(crm("export", "leads", db=db).stdout) == []


def test_bad_usage_exits_2(db: Path) -> None:
    assert crm("export", "contacts", "--format", "yaml", db=db).returncode == 2
    assert crm("export", "nothing", db=db).returncode == 2
    assert crm("no-such-command", db=db).returncode == 2


def test_a_file_that_is_not_a_database_is_refused_cleanly(tmp_path: Path) -> None:
    garbage = tmp_path / "notes.txt"
    garbage.write_text("just some notes\n" * 100, encoding="utf-8")
    result = crm("search", "x", db=garbage)
    assert result.returncode == 2
    assert "cannot open as a crm-tui database" in result.stderr
    assert_no_traceback(result)
    assert garbage.read_text(encoding="utf-8").startswith("just some notes")


def test_today_lists_overdue_and_due_work(demo_db: Path) -> None:
    text = crm("today", db=demo_db)
    assert text.returncode == 0, text.stderr
    records = json.loads(crm("today", "--json", db=demo_db).stdout)
    assert records, "the demo data plans work due today and overdue"
    assert all(not record["done"] for record in records)
    assert records[0]["title"] in text.stdout


def test_db_option_works_after_the_subcommand_too(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "crm_tui", "add-lead", "--name", "X Y", "--db", str(path)],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ | {"CRM_TUI_DB": str(tmp_path / "unused.sqlite3")},
    )
    assert result.returncode == 0, result.stderr
    assert path.exists() and not (tmp_path / "unused.sqlite3").exists()


def test_a_reader_that_stops_early_is_not_an_error(demo_db: Path) -> None:
    # `crm-tui export events | head -1`: the pipe closes long before the export ends.
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_tui", "export", "events"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"CRM_TUI_DB": str(demo_db)},
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().strip() == b"["
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0
    assert errors == ""


FIXTURES = Path(__file__).parent.parent / "fixtures" / "vcard"


def test_import_a_vcard_file_twice_then_undo(db: Path) -> None:
    source = FIXTURES / "cli-three-cards-one-broken.vcf"
    dry = crm("import", str(source), "--dry-run", db=db)
    assert "dry run" in dry.stdout
    assert json.loads(crm("export", "contacts", db=db).stdout) == []

    first = crm("import", str(source), db=db)
    assert_no_traceback(first)
    assert first.returncode == 3, first.stderr  # the broken card is rejected, the others land
    assert "2 created" in first.stdout and "1 rejected" in first.stdout
    assert "card 2 (line " in first.stdout
    exported = json.loads(crm("export", "contacts", db=db).stdout)
    assert sorted(contact["full_name"] for contact in exported) == ["John Smith", "Анна Петрова"]

    again = json.loads(crm("import", str(source), "--json", db=db).stdout)
    assert again[0]["counts"]["create"] == 0 and again[0]["counts"]["skip"] == 2
    assert len(json.loads(crm("export", "contacts", db=db).stdout)) == 2

    listing = crm("imports", db=db).stdout
    assert "cli-three-cards-one-broken.vcf" in listing
    batch_id = again[0]["batch"] - 1
    undone = crm("imports", "undo", str(batch_id), db=db)
    assert undone.returncode == 0, undone.stderr
    assert json.loads(crm("export", "contacts", db=db).stdout) == []


def test_import_refuses_a_file_that_is_not_a_vcard(db: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.vcf"
    notes.write_text("just words\n", encoding="utf-8")
    result = crm("import", str(notes), str(FIXTURES / "cli-three-cards-one-broken.vcf"), db=db)
    assert result.returncode == 2
    assert "not a vCard file" in result.stderr
    assert_no_traceback(result)
    # Nothing written, not even from the good file named after the bad one.
    assert json.loads(crm("export", "contacts", db=db).stdout) == []


def test_export_vcard_then_import_into_an_empty_database(db: Path, tmp_path: Path) -> None:
    assert crm("import", str(FIXTURES / "cli-three-cards-one-broken.vcf"), db=db).returncode == 3
    for version in ("3.0", "4.0"):
        exported = tmp_path / f"out-{version}.vcf"
        result = crm(
            "export", "contacts", "--format", "vcard", "--vcard-version", version, "-o", str(exported), db=db
        )
        assert result.returncode == 0, result.stderr
        fresh = tmp_path / f"fresh-{version}.sqlite3"
        assert crm("import", str(exported), db=fresh).returncode == 0
        before = json.loads(crm("export", "contacts", db=db).stdout)
        after = json.loads(crm("export", "contacts", db=fresh).stdout)
        fields = ("full_name", "title", "company", "notes", "tags", "extra", "uid")
        assert [{f: c[f] for f in fields} for c in after] == [{f: c[f] for f in fields} for c in before]
        assert [[e["value"] for e in c["emails"]] for c in after] == [
            [e["value"] for e in c["emails"]] for c in before
        ]
        assert [[p["e164"] for p in c["phones"]] for c in after] == [
            [p["e164"] for p in c["phones"]] for c in before
        ]
    assert crm("export", "deals", "--format", "vcard", db=db).returncode == 2


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_a_round_trip_keeps_every_field(db: Path, tmp_path: Path, version: str) -> None:
    assert crm("import", str(FIXTURES / "rich.vcf"), db=db).returncode == 0
    exported = tmp_path / "out.vcf"
    assert (
        crm(
            "export", "contacts", "--format", "vcard", "--vcard-version", version, "-o", str(exported), db=db
        ).returncode
        == 0
    )
    fresh = tmp_path / "fresh.sqlite3"
    assert crm("import", str(exported), db=fresh).returncode == 0
    (before,) = json.loads(crm("export", "contacts", db=db).stdout)
    (after,) = json.loads(crm("export", "contacts", db=fresh).stdout)
    for field in (
        "uid",
        "full_name",
        "first_name",
        "middle_name",
        "last_name",
        "company",
        "title",
        "birthday",
        "notes",
        "tags",
    ):
        assert after[field] == before[field], field
    assert before["birthday"] == "1604-04-15"  # a birthday without a year stays without one
    assert [(e["value"], e["kind"]) for e in after["emails"]] == [
        (e["value"], e["kind"]) for e in before["emails"]
    ]
    assert [(p["e164"], p["kind"]) for p in after["phones"]] == [
        (p["e164"], p["kind"]) for p in before["phones"]
    ]
    assert after["addresses"] == before["addresses"] and len(before["addresses"]) == 2
    assert set(after["extra"]) == set(before["extra"]) >= {"PHOTO", "URL", "X-SKYPE", "ANNIVERSARY"}
    if version == "3.0":
        assert after["extra"] == before["extra"]


def test_export_csv_in_the_encoding_and_delimiter_asked_for(db: Path, tmp_path: Path) -> None:
    crm(
        "add-lead",
        "--title",
        '=HYPERLINK("http://evil")',
        "--name",
        "Олег Лебедев",
        "--value",
        "150 000",
        db=db,
    )
    target = tmp_path / "leads.csv"
    result = crm("export", "leads", *EXCEL_RU_CSV, "-o", str(target), db=db)
    assert result.returncode == 0, result.stderr
    text = target.read_bytes().decode("cp1251")
    assert text.startswith("id;title;name;")
    assert "'=HYPERLINK" in text and "Олег Лебедев" in text and ";150000;" in text
    default = crm("export", "leads", "--format", "csv", "-o", str(tmp_path / "utf8.csv"), db=db)
    assert default.returncode == 0
    assert (tmp_path / "utf8.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads UTF-8
    for args in (("--encoding", "klingon"), ("--encoding", "ascii", "-o", str(tmp_path / "x.csv"))):
        refused = crm("export", "leads", "--format", "csv", *args, db=db)
        assert refused.returncode == 2, refused.stderr
        assert_no_traceback(refused)
    assert not (tmp_path / "x.csv").exists()
    assert crm("export", "events", "--format", "csv", db=db).returncode == 2


CSV_FIXTURES = Path(__file__).parent.parent / "fixtures" / "csv"


def test_csv_contacts_import_and_our_own_export_round_trips(db: Path, tmp_path: Path) -> None:
    sources = [CSV_FIXTURES / name for name in ("google_new.csv", "outlook.csv", "bitrix24_contacts.csv")]
    result = crm("import", *map(str, sources), db=db)
    assert result.returncode == 0, result.stdout + result.stderr
    before = json.loads(crm("export", "contacts", db=db).stdout)
    assert "Иван Сергеевич Петров" in {contact["full_name"] for contact in before}
    exported = tmp_path / "contacts.csv"
    assert crm("export", "contacts", "--format", "csv", "-o", str(exported), db=db).returncode == 0
    fresh = tmp_path / "fresh.sqlite3"
    assert crm("import", str(exported), db=fresh).returncode == 0
    after = json.loads(crm("export", "contacts", db=fresh).stdout)
    fields = (
        "full_name",
        "first_name",
        "middle_name",
        "last_name",
        "company",
        "title",
        "birthday",
        "tags",
        "notes",
    )
    assert [{f: c[f] for f in fields} for c in after] == [{f: c[f] for f in fields} for c in before]
    assert [[p["e164"] for p in c["phones"]] for c in after] == [
        [p["e164"] for p in c["phones"]] for c in before
    ]
    again = json.loads(crm("import", str(exported), "--json", db=db).stdout)
    assert again[0]["counts"]["create"] == 0


def test_bitrix24_leads_into_the_inbox_then_out_in_cp1251_and_back(db: Path, tmp_path: Path) -> None:
    source = CSV_FIXTURES / "bitrix24_leads_cp1251.csv"
    result = crm("import", str(source), "--into", "leads", "--json", db=db)
    assert result.returncode == 0, result.stderr
    [report] = json.loads(result.stdout)
    assert (report["into"], report["kind"], report["counts"]["create"]) == ("leads", "csv", 3)
    assert report["mapping"]["preset"] == "Bitrix24 leads"
    assert [record["row"] for record in report["records"]] == [2, 3, 4]
    exported = tmp_path / "leads.csv"
    assert crm("export", "leads", *EXCEL_RU_CSV, "-o", str(exported), db=db).returncode == 0
    assert exported.read_bytes().decode("cp1251").startswith("id;title;name;company;email;phone;")
    fresh = tmp_path / "fresh.sqlite3"
    assert crm("import", str(exported), "--into", "leads", db=fresh).returncode == 0
    leads = json.loads(crm("export", "leads", db=fresh).stdout)
    assert {lead["name"]: lead["value"] for lead in leads} == {
        "Иван Сергеевич Петров": 150000.0,
        "Мария Сидорова": 12500.0,
        "Олег Кузнецов": 1234567.0,
    }


def test_bad_cells_are_listed_by_row_and_column_and_exit_3(db: Path) -> None:
    result = crm("import", str(CSV_FIXTURES / "bad_cells.csv"), "--into", "leads", db=db)
    assert result.returncode == 3
    assert_no_traceback(result)
    assert "  row 4: rejected: column 'Email': 'not-an-email@@example..com' is not an email address" in (
        result.stdout
    )
    assert "some records were rejected" in result.stderr
    blank = crm(
        "import", str(CSV_FIXTURES / "bad_cells.csv"), "--into", "leads", "--bad-cells", "blank", db=db
    )
    assert blank.returncode == 0, blank.stderr
    assert "1 unchanged" in blank.stdout and "3 created" in blank.stdout
    assert "(left blank)" in blank.stdout


def test_a_mapping_is_saved_listed_and_reused(db: Path, tmp_path: Path) -> None:
    source = tmp_path / "fair.csv"
    source.write_text("Who,Firm,Tel\nAnna Smith,Acme,+1 555 0100\n", encoding="utf-8")
    mapping = tmp_path / "fair.toml"
    mapping.write_text(
        'target = "leads"\n[columns]\nWho = "person_name"\nFirm = "company_name"\nTel = "phone"\n'
    )
    saved = crm(
        "import", str(source), "--mapping", str(mapping), "--save-mapping", "fair", "--dry-run", db=db
    )
    assert saved.returncode == 0, saved.stderr
    assert "rows as leads" in saved.stdout and "1 to create" in saved.stdout
    listed = crm("mappings", db=db)
    assert listed.stdout.startswith("fair: rows as leads")
    assert crm("import", str(source), "--mapping", "fair", db=db).returncode == 0
    [lead] = json.loads(crm("export", "leads", db=db).stdout)
    assert (lead["name"], lead["company"]) == ("Anna Smith", "Acme")
    missing = crm("import", str(source), "--mapping", "weekly", db=db)
    assert missing.returncode == 2
    assert_no_traceback(missing)
    assert "no saved mapping or file named 'weekly' (saved mappings: fair)" in missing.stderr
    vcard = crm("import", str(FIXTURES / "rich.vcf"), "--into", "deals", db=db)
    assert vcard.returncode == 2 and "a vCard file holds contacts" in vcard.stderr
