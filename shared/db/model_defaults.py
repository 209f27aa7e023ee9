"""Remember, per default factory, whether pydantic must pass it the validated data.

Why: SQLModel builds a table row (`Project(...)`, an outbox row, an import's thousands of
entries) by asking each omitted field for its default, and pydantic 2.14's
`FieldInfo.get_default` decides how to call a `default_factory` by running `inspect.signature`
on it every time (`pydantic._internal._fields.takes_validated_data_argument`). Profiled on the
registry's POST /projects that was ~4% of the request for two fields (`id`, `plan_items`). The
answer depends only on the factory's signature, which does not change, so it is cached here by
the factory itself. A factory that cannot be a dictionary key is asked afresh, as before.

`install()` runs when `shared.db` is imported; it is idempotent and does nothing when pydantic no
longer has the function (the cost, not the behaviour, would come back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic._internal import _fields

__all__ = ["install", "takes_validated_data"]

_original: Callable[[Any], bool] | None = getattr(_fields, "takes_validated_data_argument", None)
_answers: dict[Any, bool] = {}


def takes_validated_data(default_factory: Any) -> bool:
    """pydantic's answer for `default_factory`, computed once per factory.

    Args:
        default_factory: a field's `default_factory`.

    Returns:
        Whether pydantic calls it with the validated data (a one-parameter factory).
    """
    assert _original is not None
    try:
        return _answers[default_factory]
    except KeyError:
        answer = _answers[default_factory] = bool(_original(default_factory))
        return answer
    except TypeError:  # unhashable factory: not cached
        return bool(_original(default_factory))


def install() -> None:
    """Put the cached answer in pydantic's place (once; a no-op when pydantic lacks the function)."""
    if _original is None or _fields.takes_validated_data_argument is takes_validated_data:
        return
    _fields.takes_validated_data_argument = takes_validated_data  # type: ignore[assignment]
