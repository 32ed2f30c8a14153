"""Money as people read it. Amounts are integers of minor units (kopecks, cents) everywhere
else; only these turn them into text. Light on purpose: `crm-tui search` uses it without
loading the database layer."""

from __future__ import annotations


def format_money(minor_units: int | None, currency: str = "") -> str:
    """`1 234 567.50 RUB` (no decimals when whole)."""
    if minor_units is None:
        return ""
    whole, cents = divmod(minor_units, 100)
    text = f"{whole:,}".replace(",", "\u202f")
    if cents:
        text += f".{cents:02d}"
    return f"{text} {currency}".strip()


def plain_amount(minor_units: int | None) -> str:
    """`150000` or `1500.50`: an amount as a person types it into a form (and parse_money reads)."""
    if minor_units is None:
        return ""
    whole, cents = divmod(minor_units, 100)
    return f"{whole}.{cents:02d}" if cents else str(whole)


def format_amounts(amounts: dict[str, int], separator: str = " + ") -> str:
    """Sums in several currencies, largest first: `1 250 000 RUB + 4 800 USD`; `0` when none."""
    ordered = sorted(amounts.items(), key=lambda item: -item[1])
    return separator.join(format_money(amount, currency) for currency, amount in ordered) or "0"
