"""Cell values: text cleaning and tolerant date, time and amount parsing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

_DAY_FIRST = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_CURRENCY_MARKS = re.compile(r"^[A-Z]{3}|[A-Z]{3}$|[€$£¥]")
_CENT = Decimal("0.01")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial day 0 of the 1900 date system (leap-year bug included)


def cell_text(value: Any) -> str | None:
    """A cell as cleaned text: stripped, empty -> None; numbers without a spurious ``.0``."""
    if type(value) is str:  # the CSV case, by far the most frequent: keep it cheap
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    text = str(value).strip()
    return text or None


def parse_date(value: Any, date_format: str | None = None) -> date:
    """A cell as a date. Text: ``date_format`` if given, else ISO ``YYYY-MM-DD`` (a time part
    is ignored), then ``dd.mm.yyyy``. XLSX date cells and Excel serial day numbers are accepted.
    Raises ValueError when the value is not a date.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2_958_466:  # Excel's 9999-12-31
            raise ValueError(f"{value} is not an Excel day number")
        return _EXCEL_EPOCH + timedelta(days=int(value))
    text = str(value).strip()
    if date_format:
        return datetime.strptime(text, date_format).date()
    if len(text) >= 10 and text[4:5] == "-" and (len(text) == 10 or text[10] in "T "):
        return date.fromisoformat(text[:10])
    match = _DAY_FIRST.match(text)
    if match:
        return date(int(match[3]), int(match[2]), int(match[1]))
    raise ValueError(f"{text!r} is not a date")


def parse_datetime(value: Any, date_format: str | None = None) -> datetime:
    """A cell as a naive datetime (ISO, ``dd.mm.yyyy HH:MM[:SS]``, a date alone, or an XLSX time)."""
    if isinstance(value, datetime):
        return (
            value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        )
    if isinstance(value, date):
        return datetime.combine(value, time())
    text = str(value).strip()
    if date_format:
        return datetime.strptime(text, date_format)
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        return datetime(year, month, day, hour, minute, second)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def parse_cost(value: Any) -> Decimal:
    """A cost cell as a Decimal rounded to cents.

    Accepts currency marks (``€``, ``EUR``), thousands separators (``1,234.50``, ``1.234,50``,
    ``1 234,50``, ``1'234.50``), a decimal comma (``234,50``) and accounting negatives
    (``(12.00)``, ``12.00-``). A single ``.`` is always the decimal point. Raises ValueError.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(str(value))
    else:
        text = _CURRENCY_MARKS.sub("", str(value).strip())
        text = "".join(text.split()).replace("'", "")
        negative = False
        if text.startswith("(") and text.endswith(")"):
            negative, text = True, text[1:-1]
        if text.endswith("-"):
            negative, text = True, text[:-1]
        if "," in text and "." in text:
            text = (
                text.replace(".", "").replace(",", ".")
                if text.rfind(",") > text.rfind(".")
                else text.replace(",", "")
            )
        elif "," in text:
            groups = text.split(",")
            thousands = all(len(group) == 3 for group in groups[1:])
            text = "".join(groups) if thousands else text.replace(",", ".")
        elif text.count(".") > 1:
            text = text.replace(".", "")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not an amount") from exc
        if negative:
            number = -number
    if not number.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return number.quantize(_CENT, rounding=ROUND_HALF_UP)
