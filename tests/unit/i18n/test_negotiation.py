"""Accept-Language negotiation: Chinese by default, English when asked, weights respected."""

from __future__ import annotations

import pytest

from shared.i18n import negotiate, rule_message


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "zh-CN"),
        ("", "zh-CN"),
        ("*", "zh-CN"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("zh-Hant-TW", "zh-CN"),
        ("fr-FR", "zh-CN"),
        ("fr, en;q=0.5, zh;q=0.4", "en"),
        ("zh;q=0.2, en;q=0.7", "en"),
        ("en;q=0, zh", "zh-CN"),
        ("en;q=bogus", "zh-CN"),
        ("x-klingon, en", "en"),
    ],
)
def test_the_reply_language_follows_the_header(header: str | None, language: str) -> None:
    assert negotiate(header) == language


def test_an_empty_message_gets_the_catalogue_sentence_in_english() -> None:
    assert rule_message("required_for_channel", "en", "") == "This channel needs this field."


def test_an_unknown_rule_keeps_its_original_message_in_either_language() -> None:
    assert rule_message("no_such_rule_code", "zh-CN", "as written") == "as written"
