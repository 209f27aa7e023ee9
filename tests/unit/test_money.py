"""Money helpers: integer fen, Decimal ratios, half-up rounding, no floats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.money import format_yuan, share_of, yuan_to_fen


class TestShareOf:
    def test_forty_percent_of_a_round_amount_is_exact(self) -> None:
        assert share_of(1_000_000, Decimal("0.40")) == 400_000

    def test_a_fraction_of_a_fen_below_a_half_rounds_down(self) -> None:
        assert share_of(1_000_001, Decimal("0.40")) == 400_000  # 400 000.4

    def test_a_fraction_of_a_fen_above_a_half_rounds_up(self) -> None:
        assert share_of(123_456_789, Decimal("0.40")) == 49_382_716  # 49 382 715.6

    @pytest.mark.parametrize(
        ("amount_fen", "ratio", "expected"),
        [
            (1, Decimal("0.5"), 1),  # 0.5 → 1 (half-even would give 0)
            (5, Decimal("0.5"), 3),  # 2.5 → 3 (half-even would give 2)
            (10, Decimal("0.45"), 5),  # 4.5 → 5
            (3, Decimal("0.5"), 2),  # 1.5 → 2
        ],
    )
    def test_exactly_half_a_fen_rounds_up(self, amount_fen: int, ratio: Decimal, expected: int) -> None:
        assert share_of(amount_fen, ratio) == expected

    def test_amounts_beyond_float_precision_stay_exact(self) -> None:
        # 10**17 + 1 is not representable as a float; half of it is 50 000 000 000 000 000.5
        assert share_of(10**17 + 1, Decimal("0.5")) == 50_000_000_000_000_001

    def test_ratio_zero_gives_nothing_and_ratio_one_gives_everything(self) -> None:
        assert share_of(987_654, Decimal("0")) == 0
        assert share_of(987_654, Decimal("1")) == 987_654

    def test_result_is_an_int(self) -> None:
        assert type(share_of(1_000, Decimal("0.40"))) is int

    def test_a_negative_amount_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"^amount must not be negative$"):
            share_of(-1, Decimal("0.40"))

    @pytest.mark.parametrize("ratio", [Decimal("-0.01"), Decimal("1.01"), Decimal("40")])
    def test_a_ratio_outside_zero_to_one_is_refused(self, ratio: Decimal) -> None:
        with pytest.raises(ValueError, match=r"^ratio must be between 0 and 1$"):
            share_of(1_000, ratio)

    def test_a_float_ratio_is_refused(self) -> None:
        with pytest.raises((TypeError, ValueError)):
            share_of(1_000, 0.4)  # type: ignore[arg-type]


class TestYuanToFen:
    @pytest.mark.parametrize(
        ("yuan", "fen"),
        [
            ("1234.56", 123_456),
            ("0.01", 1),
            ("100", 10_000),
            ("1234.5", 123_450),
            ("12.340", 1_234),  # a trailing zero is not extra precision
            ("0.29", 29),  # 0.29 * 100 is 28.999999999999996 in floating point
            ("12345678901234567.89", 1_234_567_890_123_456_789),
        ],
    )
    def test_converts_yuan_with_up_to_two_decimals_exactly(self, yuan: str, fen: int) -> None:
        assert yuan_to_fen(yuan) == fen

    def test_accepts_a_decimal(self) -> None:
        assert yuan_to_fen(Decimal("25000.50")) == 2_500_050

    @pytest.mark.parametrize("yuan", ["0.001", "1.005", "12.3456"])
    def test_sub_fen_precision_is_refused(self, yuan: str) -> None:
        with pytest.raises(ValueError, match="more precision than one fen"):
            yuan_to_fen(yuan)


class TestFormatYuan:
    @pytest.mark.parametrize(
        ("fen", "text"), [(123_456, "1234.56"), (5, "0.05"), (10_000, "100.00"), (0, "0.00")]
    )
    def test_renders_two_decimals(self, fen: int, text: str) -> None:
        assert format_yuan(fen) == text
