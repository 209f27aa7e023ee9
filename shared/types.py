"""Bounded input types every API body uses, so no value can overflow, smuggle or surprise.

Money is strict integer fen (a JSON string "100", a float 100.0 or 1e3 is refused, never
coerced) between 0 and `MONEY_CEILING_FEN`; counts have realistic maxima; text is normalised (NFC,
trimmed) and refused when blank or carrying control or bidirectional-override characters; dates
sit in a plausible static window (the domain adds the window that needs `now`). Why one module:
every service's request bodies share these limits, so an amount or a name is refused the same way
(a 422 naming the field and the rule) wherever it enters.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StrictInt

__all__ = [
    "MONEY_CEILING_FEN",
    "BODY",
    "Count",
    "EarliestDate",
    "Fen",
    "LatestDate",
    "Name",
    "Note",
    "ProcessDate",
    "SignedFen",
    "clean_text",
]

MONEY_CEILING_FEN = 10**13
"""100 billion yuan in fen: far above any renovation project or programme, far below 2**63."""

EarliestDate = date(1990, 1, 1)
"""The earliest `ProcessDate`: before any of the programmes' communities were renovated."""

LatestDate = date(2100, 12, 31)
"""The latest `ProcessDate`: a typo guard; "not in the future" is the domain's check (needs now)."""

BODY = ConfigDict(extra="forbid")
"""Request bodies refuse unknown fields (a typo in an optional field is an error, not lost)."""

Fen = Annotated[StrictInt, Field(ge=0, le=MONEY_CEILING_FEN, description="Amount in fen (分).")]
"""A strict integer amount in fen, 0..`MONEY_CEILING_FEN`; "100", 100.0 and 1e3 are refused."""

SignedFen = Annotated[
    StrictInt,
    Field(ge=-MONEY_CEILING_FEN, le=MONEY_CEILING_FEN, description="Signed amount in fen (分)."),
]
"""A strict integer amount in fen that may be negative (adjustments, reversals), within ±ceiling."""


def Count(maximum: int, *, minimum: int = 0) -> object:  # noqa: N802 - reads as a type
    """A strict integer count between `minimum` and `maximum` (e.g. households in a community).

    Args:
        maximum: the largest realistic value.
        minimum: the smallest allowed value (0 by default).

    Returns:
        An `Annotated[int, ...]` usable as a field type.
    """
    return Annotated[StrictInt, Field(ge=minimum, le=maximum)]


_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


def clean_text(value: str) -> str:
    """NFC-normalise and trim; refuse blank text and control, format or bidi characters.

    Used as the validator of `Name` and `Note`; newlines and tabs inside the text are kept.

    Args:
        value: the text as received.

    Returns:
        The NFC-normalised text without leading or trailing whitespace.

    Raises:
        ValueError: blank after trimming, or a forbidden character (its code point named).
    """
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise ValueError("must not be blank")
    for char in text:
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES and char not in "\n\t":
            raise ValueError(f"must not contain control or formatting characters (U+{ord(char):04X})")
    return text


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(clean_text)]
"""A short text (names, titles, references): 1..200 characters as received, then `clean_text`."""

Note = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(clean_text)]
"""A longer text (remarks, reasons): 1..2000 characters as received, then `clean_text`."""

ProcessDate = Annotated[date, Field(ge=EarliestDate, le=LatestDate)]
"""A calendar date of a process step, within `EarliestDate`..`LatestDate`."""
