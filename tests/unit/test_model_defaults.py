"""The cached "does this default factory take the validated data?" answer is pydantic's own, is
asked once per factory, and default factories still run for every row."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field
from pydantic._internal import _fields

import shared.db  # noqa: F401  (installs the cache)
from shared.db import model_defaults


def test_installed_in_pydantic_when_shared_db_is_imported() -> None:
    assert _fields.takes_validated_data_argument is model_defaults.takes_validated_data


def test_answers_as_pydantic_does_for_both_kinds_of_factory() -> None:
    assert model_defaults._original is not None
    for factory in (uuid.uuid4, list, lambda: 1, lambda data: data["a"]):
        assert model_defaults.takes_validated_data(factory) == bool(model_defaults._original(factory))
    assert model_defaults.takes_validated_data(lambda data: 1) is True


def test_signature_is_read_once_per_factory(monkeypatch: Any) -> None:
    calls: list[object] = []

    def counting(factory: object) -> bool:
        calls.append(factory)
        return False

    monkeypatch.setattr(model_defaults, "_original", counting)
    monkeypatch.setattr(model_defaults, "_answers", {})

    def factory() -> int:
        return 1

    for _ in range(5):
        model_defaults.takes_validated_data(factory)
    assert calls == [factory]


def test_factories_still_run_per_instance_and_see_validated_data() -> None:
    class Row(BaseModel):
        a: int = 2
        id: uuid.UUID = Field(default_factory=uuid.uuid4)
        items: list[int] = Field(default_factory=list)
        double: int = Field(default_factory=lambda data: data["a"] * 2)

    first, second = Row(), Row()
    assert first.id != second.id and first.items is not second.items
    assert first.double == 4
    constructed = Row.model_construct()
    assert constructed.double == 4 and isinstance(constructed.id, uuid.UUID)


def test_an_unhashable_factory_is_answered_without_caching() -> None:
    class Factory:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self) -> int:
            return 1

    assert model_defaults.takes_validated_data(Factory()) is False
