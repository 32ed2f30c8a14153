"""The periods reports cover (local days, UTC bounds) and how a report is written out: cell
text, bars, JSON and CSV."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crm_tui.db.models import EntityKind
from crm_tui.errors import UnreadableInput, ValidationError
from crm_tui.io.report_write import (
    bar,
    chart_title,
    chart_values,
    format_value,
    report_json,
    save_report_csv,
    write_report_csv,
)
from crm_tui.services.reports.model import Column, Fact, RecordLink, Report, Row, Table, ValueKind
from crm_tui.services.reports.period import (
    Period,
    PeriodPreset,
    custom_period,
    parse_preset,
    preset_period,
    stepped,
)

# The conftest's frozen clock: Friday 20 November 2026, 09:00 UTC; TZ=UTC.


@pytest.mark.parametrize(
    ("preset", "first", "last"),
    [
        (PeriodPreset.THIS_MONTH, date(2026, 11, 1), date(2026, 11, 30)),
        (PeriodPreset.LAST_MONTH, date(2026, 10, 1), date(2026, 10, 31)),
        (PeriodPreset.THIS_QUARTER, date(2026, 10, 1), date(2026, 12, 31)),
        (PeriodPreset.THIS_YEAR, date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_presets_on_the_frozen_day(preset: PeriodPreset, first: date, last: date) -> None:
    period = preset_period(preset)
    assert (period.first, period.last, period.preset) == (first, last, preset)


def test_last_month_in_january_is_last_years_december() -> None:
    period = preset_period(PeriodPreset.LAST_MONTH, date(2027, 1, 15))
    assert (period.first, period.last) == (date(2026, 12, 1), date(2026, 12, 31))
    assert period.span() == "1 Dec – 31 Dec 2026"


def test_a_quarter_in_february_and_its_months() -> None:
    period = preset_period(PeriodPreset.THIS_QUARTER, date(2027, 2, 28))
    assert (period.first, period.last) == (date(2027, 1, 1), date(2027, 3, 31))
    assert period.months() == [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]
    assert period.label == "This quarter · 1 Jan – 31 Mar 2027"


def test_the_utc_bounds_are_local_midnights(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Moscow")
    time.tzset()
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert period.start_utc == datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
    assert period.end_utc == datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    assert period.days == 30


def test_custom_periods_read_what_people_type() -> None:
    assert custom_period("1.10.2026", "15.10.2026") == Period(date(2026, 10, 1), date(2026, 10, 15))
    # From alone runs to today; to alone starts on its month's first day.
    assert custom_period("2026-11-10", "") == Period(date(2026, 11, 10), date(2026, 11, 20))
    assert custom_period(None, "2026-10-12") == Period(date(2026, 10, 1), date(2026, 10, 12))
    assert custom_period("2026-12-01", None).last == date(2026, 12, 1)
    assert custom_period("2026-10-01", "2026-12-31").span() == "1 Oct – 31 Dec 2026"
    assert custom_period("2025-12-15", "2026-01-10").span() == "15 Dec 2025 – 10 Jan 2026"
    # The last thirty days.
    assert custom_period("-30d", "") == Period(date(2026, 10, 21), date(2026, 11, 20))


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [("soon", "", "from"), ("", "31.02.2026", "to"), ("2026-11-10", "2026-11-01", "to"), ("", "", "from")],
)
def test_a_wrong_custom_period_names_the_field(first: str, last: str, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        custom_period(first, last)
    assert raised.value.field == field


def test_presets_by_name_and_stepping() -> None:
    assert parse_preset("this month") is PeriodPreset.THIS_MONTH
    assert parse_preset("Last_Month") is PeriodPreset.LAST_MONTH
    with pytest.raises(ValidationError, match="choose this-month"):
        parse_preset("custom")
    this_month = preset_period(PeriodPreset.THIS_MONTH)
    assert stepped(this_month, 1).preset is PeriodPreset.LAST_MONTH
    assert stepped(this_month, -1).preset is PeriodPreset.THIS_YEAR
    assert stepped(custom_period("2026-01-01", "2026-01-31"), 1) == this_month


def _report() -> Report:
    table = Table(
        "stages",
        "Deals reaching each stage",
        (
            Column("stage", "Stage"),
            Column("deals", "Deals", ValueKind.COUNT),
            Column("amount", "Amount", ValueKind.MONEY, chart=True),
            Column("rate", "→ won", ValueKind.PERCENT),
        ),
        [
            Row(
                {"stage": "New", "deals": 1200, "amount": {"RUB": 150_000_00, "USD": 2_000_50}, "rate": 33.3}
            ),
            Row({"stage": "+Won", "deals": 1, "amount": {"RUB": 100_000_00}, "rate": None}),
            Row({"stage": "Empty", "deals": 0, "amount": {}, "rate": None}, RecordLink(EntityKind.DEAL, 7)),
        ],
        total=5,
    )
    facts = [
        Fact("win_rate", "Win rate", 33.3, ValueKind.PERCENT),
        Fact("cycle", "Cycle", None, ValueKind.DAYS),
    ]
    return Report("funnel", "Sales funnel", preset_period(PeriodPreset.THIS_MONTH), facts, [table])


def test_cells_as_people_read_them() -> None:
    assert (
        format_value({"RUB": 150_000_00, "USD": 2_000_50}, ValueKind.MONEY)
        == "150\u202f000 RUB + 2\u202f000.50 USD"
    )
    assert format_value({}, ValueKind.MONEY) == "0"
    assert format_value(33.333, ValueKind.PERCENT) == "33.3%"
    assert format_value(None, ValueKind.PERCENT) == "—"
    assert format_value(2.25, ValueKind.DAYS) == "2.2 d"
    assert format_value(12345, ValueKind.COUNT) == "12\u202f345"
    assert format_value(date(2026, 11, 3), ValueKind.DATE) == "2026-11-03"


def test_bars_measure_the_main_currency() -> None:
    table = _report().tables[0]
    assert chart_values(table) == [150_000_00, 100_000_00, 0]
    assert chart_title(table) == "Amount (RUB)"
    assert bar(150, 150, 10) == "█" * 10
    assert bar(100, 150, 10) == "██████▋"
    assert bar(0, 150, 10) == ""
    assert bar(1, 10_000, 10) == "▏"


def test_json_gives_major_units_links_and_totals() -> None:
    shown = report_json(_report())
    assert shown["period"] == {"preset": "this-month", "from": "2026-11-01", "to": "2026-11-30"}
    assert shown["facts"] == {"win_rate": 33.3, "cycle": None}
    first, _, last = shown["tables"]["stages"]
    assert first == {
        "stage": "New",
        "deals": 1200,
        "amount": {"RUB": 150_000.0, "USD": 2_000.5},
        "rate": 33.3,
    }
    assert last["record"] == {"kind": "deal", "id": 7}
    assert shown["tables"]["stages_total"] == 5


def test_csv_blocks_split_money_by_currency_and_guard_formulas(tmp_path: Path) -> None:
    stream = io.StringIO()
    write_report_csv(stream, _report())
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert rows == [
        ["Report", "Sales funnel"],
        ["From", "2026-11-01"],
        ["To", "2026-11-30"],
        ["Win rate", "33.3"],
        ["Cycle", ""],
        [],
        ["Deals reaching each stage"],
        ["Stage", "Deals", "Amount RUB", "Amount USD", "→ won"],
        ["New", "1200", "150000", "2000.50", "33.3"],
        ["'+Won", "1", "100000", "0", ""],
        ["Empty", "0", "0", "0", ""],
    ]
    saved = save_report_csv(_report(), tmp_path / "funnel.csv")
    assert saved.read_bytes().decode("utf-8-sig") == stream.getvalue()
    with pytest.raises(UnreadableInput, match="no such folder"):
        save_report_csv(_report(), tmp_path / "missing" / "funnel.csv")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["funnel.csv"]
