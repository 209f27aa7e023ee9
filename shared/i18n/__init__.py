"""Messages in the caller's language: the one catalogue of problem titles, details and rule
messages (Simplified Chinese and English), and Accept-Language negotiation.

Why one place: a rule's code is the machine contract, its sentence is for people; keeping every
sentence here, keyed by problem type and rule code, lets a test prove both languages exist for
every code the source uses.

    lang = negotiate("zh-CN,zh;q=0.9,en;q=0.8")   # "zh-CN"
    rule_message("lifecycle_order", lang, "expected 'consulted'")
"""

from shared.i18n.catalogue import HTTP_STATUS_TITLES, PROBLEM_TYPES, RULES, ProblemText, Text
from shared.i18n.localise import problem_detail, problem_title, rule_message
from shared.i18n.negotiation import DEFAULT_LANGUAGE, ENGLISH, LANGUAGES, SIMPLIFIED_CHINESE, negotiate

__all__ = [
    "DEFAULT_LANGUAGE",
    "HTTP_STATUS_TITLES",
    "ENGLISH",
    "LANGUAGES",
    "ProblemText",
    "PROBLEM_TYPES",
    "RULES",
    "SIMPLIFIED_CHINESE",
    "Text",
    "negotiate",
    "problem_detail",
    "problem_title",
    "rule_message",
]
