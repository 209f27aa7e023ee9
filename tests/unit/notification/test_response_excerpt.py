"""The answer excerpt an owner reads in the attempt log: bounded, readable, never more than the cap."""

from __future__ import annotations

import pytest

from services.notification.domain.attempts import MAX_EXCERPT_CHARS, response_excerpt


def test_control_characters_and_runs_of_white_space_become_single_spaces() -> None:
    assert (
        response_excerpt(b'{"error":\r\n\t"bad\x00signature"}\x1b[31m', 256)
        == '{"error": "bad signature"} [31m'
    )


def test_the_excerpt_is_cut_at_the_limit_in_characters_not_bytes() -> None:
    assert response_excerpt("签名无效，请检查密钥".encode(), 4) == "签名无效"
    assert response_excerpt(b"x" * 100, 10) == "x" * 10
    assert response_excerpt(b"xyz", 1) == "x"


def test_undecodable_bytes_are_replaced_and_a_character_cut_in_half_is_not_an_error() -> None:
    assert response_excerpt(b"\xff\xfeok", 10) == "\ufffd\ufffdok"
    assert response_excerpt("错".encode()[:2], 10) == "\ufffd"


@pytest.mark.parametrize(("body", "limit"), [(b"", 100), (b"   \n\t ", 100), (b"body", 0), (b"body", -1)])
def test_nothing_readable_or_no_room_is_no_excerpt(body: bytes, limit: int) -> None:
    assert response_excerpt(body, limit) is None


def test_no_setting_keeps_more_than_the_cap() -> None:
    assert len(response_excerpt(b"y" * 5000, 10_000) or "") == MAX_EXCERPT_CHARS
