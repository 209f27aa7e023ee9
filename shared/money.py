"""Money is integer fen (分) everywhere; ratios are Decimal. No float ever touches an amount.

Why a module of its own: rounding and unit conversion are decided once here (half-up to the fen),
so two services computing the same share of the same amount can never differ by a fen.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["FEN_PER_YUAN", "Fen", "format_yuan", "share_of", "yuan_to_fen"]

Fen = int
"""An amount in fen (1/100 yuan); a plain int so arithmetic stays exact."""

FEN_PER_YUAN = 100


def share_of(amount_fen: Fen, ratio: Decimal) -> Fen:
    """Return `ratio` of `amount_fen`, rounded half-up to a whole fen.

    Args:
        amount_fen: a non-negative amount in fen.
        ratio: a Decimal share, e.g. Decimal("0.40").

    Returns:
        The share in whole fen; a half fen rounds up (``share_of(1, Decimal("0.5")) == 1``).

    Raises:
        ValueError: for a negative amount or a ratio outside [0, 1].
    """
    if amount_fen < 0:
        raise ValueError("amount must not be negative")
    if not Decimal(0) <= ratio <= Decimal(1):
        raise ValueError("ratio must be between 0 and 1")
    return int((Decimal(amount_fen) * ratio).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def yuan_to_fen(yuan: Decimal | str) -> Fen:
    """Convert a yuan amount with at most two decimals to fen; refuse sub-fen precision.

    Args:
        yuan: the amount in yuan, as a Decimal or a decimal string such as ``"1234.56"``;
            never a float, whose binary value is not the decimal one written.

    Returns:
        The same amount in fen, e.g. ``yuan_to_fen("1234.56") == 123456``.

    Raises:
        ValueError: the amount has more than two decimals (``"0.001"``).
        decimal.InvalidOperation: the string is not a number.
    """
    value = Decimal(yuan)
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"{yuan} yuan has more precision than one fen")
    return int(fen)


def format_yuan(amount_fen: Fen) -> str:
    """Render fen as a yuan string with two decimals, for people (documents, bulletins, logs).

    Args:
        amount_fen: the amount in fen; negative amounts keep their sign.

    Returns:
        The yuan amount with exactly two decimals and no grouping, e.g. 123456 -> ``"1234.56"``,
        -5 -> ``"-0.05"``.
    """
    return f"{Decimal(amount_fen) / FEN_PER_YUAN:.2f}"
