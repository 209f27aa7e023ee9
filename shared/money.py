"""Money is integer fen (分) everywhere; ratios are Decimal. No float ever touches an amount."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

Fen = int

FEN_PER_YUAN = 100


def share_of(amount_fen: Fen, ratio: Decimal) -> Fen:
    """Return `ratio` of `amount_fen`, rounded half-up to a whole fen.

    Args:
        amount_fen: a non-negative amount in fen.
        ratio: a Decimal share, e.g. Decimal("0.40").

    Raises:
        ValueError: for a negative amount or a ratio outside [0, 1].
    """
    if amount_fen < 0:
        raise ValueError("amount must not be negative")
    if not Decimal(0) <= ratio <= Decimal(1):
        raise ValueError("ratio must be between 0 and 1")
    return int((Decimal(amount_fen) * ratio).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def yuan_to_fen(yuan: Decimal | str) -> Fen:
    """Convert a yuan amount with at most two decimals to fen; refuse sub-fen precision."""
    value = Decimal(yuan)
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"{yuan} yuan has more precision than one fen")
    return int(fen)


def format_yuan(amount_fen: Fen) -> str:
    """Render fen as a yuan string with two decimals, e.g. 123456 -> '1234.56'."""
    return f"{Decimal(amount_fen) / FEN_PER_YUAN:.2f}"
