"""Put a problem's title, detail and rule messages into the negotiated language.

English keeps the original sentences the code wrote (they carry the specifics: the date, the
amount, the planned items). Chinese leads with the catalogue's sentence and keeps the original
specifics after it in parentheses when they add something, so nothing a person needs is lost.
An unknown code falls back to the original text rather than failing the response.
"""

from __future__ import annotations

from shared.i18n.catalogue import HTTP_STATUS_TITLES, PROBLEM_TYPES, RULES
from shared.i18n.negotiation import ENGLISH

__all__ = ["problem_detail", "problem_title", "rule_message"]


def problem_title(problem_type: str, language: str, original: str) -> str:
    """The title of a problem type in `language`.

    Args:
        problem_type: the slug, e.g. ``not-found`` or ``http-405``.
        language: "zh-CN" or "en".
        original: the title the code gave (kept in English and for unknown types).

    Returns:
        The catalogue title; for ``http-<status>`` the status's Chinese title.
    """
    if language == ENGLISH:
        return original
    known = PROBLEM_TYPES.get(problem_type)
    if known is not None:
        return known.title.zh
    status = _http_status(problem_type)
    if status is not None and status in HTTP_STATUS_TITLES:
        return HTTP_STATUS_TITLES[status].zh
    return original


def problem_detail(problem_type: str, language: str, original: str) -> str:
    """The detail of one problem in `language`.

    Args:
        problem_type: the slug, e.g. ``rule-violation``.
        language: "zh-CN" or "en".
        original: the detail the code wrote, in English, with the specifics of this refusal.

    Returns:
        English: the original. Chinese: the type's sentence, then the specifics in parentheses.
    """
    if language == ENGLISH:
        return original
    known = PROBLEM_TYPES.get(problem_type)
    if known is not None:
        return _with_specifics(known.detail.zh, original, known.detail.en)
    status = _http_status(problem_type)
    if status is not None and status in HTTP_STATUS_TITLES:
        text = HTTP_STATUS_TITLES[status]
        return _with_specifics(text.zh, original, text.en)
    return original


def rule_message(rule: str, language: str, original: str) -> str:
    """One field problem's message in `language`.

    Args:
        rule: the stable rule code, e.g. ``lifecycle_order``.
        language: "zh-CN" or "en".
        original: the message the code wrote (may be empty).

    Returns:
        English: the original, or the catalogue's sentence when it is empty. Chinese: the
        catalogue's sentence, then the specifics in parentheses. An unknown rule: the original.
    """
    known = RULES.get(rule)
    if known is None:
        return original
    if language == ENGLISH:
        return original or known.en
    return _with_specifics(known.zh, original, known.en)


def _with_specifics(sentence: str, original: str, general_en: str) -> str:
    """`sentence`, followed by the original text when it says more than the general sentence."""
    specifics = original.strip()
    if not specifics or specifics == general_en:
        return sentence
    return f"{sentence}（{specifics}）"


def _http_status(problem_type: str) -> int | None:
    prefix, _, status = problem_type.partition("-")
    return int(status) if prefix == "http" and status.isdigit() else None
