"""Pick the reply language from an `Accept-Language` header (RFC 9110 section 12.5.4).

The default is Simplified Chinese: the platform's users are city staff. A request without the
header, with `*`, or naming only languages we do not have gets zh-CN; machines that want English
send `Accept-Language: en`. Any Chinese tag (zh, zh-CN, zh-Hans, zh-TW) gets Simplified Chinese,
the only Chinese the catalogue has; any English tag gets English.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

__all__ = ["DEFAULT_LANGUAGE", "ENGLISH", "LANGUAGES", "SIMPLIFIED_CHINESE", "negotiate"]

SIMPLIFIED_CHINESE = "zh-CN"
ENGLISH = "en"
LANGUAGES = (SIMPLIFIED_CHINESE, ENGLISH)
DEFAULT_LANGUAGE = SIMPLIFIED_CHINESE
_BY_LANGUAGE = {"zh": SIMPLIFIED_CHINESE, "en": ENGLISH}
_MAX_HEADER = 512  # a longer header is not a person's browser; its tail is ignored


def negotiate(accept_language: str | None) -> str:
    """The language to answer in.

    Args:
        accept_language: the header's value, or None when absent.

    Returns:
        "zh-CN" or "en": the acceptable language with the highest weight (ties: first listed);
        the default (zh-CN) when none is acceptable, the header is absent or `*` wins.
    """
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "")[:_MAX_HEADER].split(",")):
        tag, _, params = item.strip().partition(";")
        weight = _weight(params)
        if tag and weight > 0:
            ranked.append((-weight, position, tag.strip()))
    for _, _, tag in sorted(ranked):
        if tag == "*":
            return DEFAULT_LANGUAGE
        language = _language_of(tag)
        if language is not None:
            return language
    return DEFAULT_LANGUAGE


def _weight(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def _language_of(tag: str) -> str | None:
    """The catalogue language for a language tag, parsed by Babel (None if we have none)."""
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return _BY_LANGUAGE.get(tag.split("-")[0].lower())
    return _BY_LANGUAGE.get(locale.language)
