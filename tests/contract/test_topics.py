"""Every topic has a producer and a consumer; every event type is handled or published on purpose.

Topic names are central constants (shared.contracts.topics); a topic nobody writes, or nobody reads, is
a wiring mistake that no single service's tests would notice. Each service's subscription table
(`SUBSCRIPTIONS` in its handlers) says what it consumes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import pytest

import services
import shared.contracts.topics as topics
from shared.contracts.catalog import EVENT_TYPES
from shared.web.app import ServiceDefinition

TOPIC_CONSTANTS: dict[str, str] = {
    name: value for name, value in vars(topics).items() if name.isupper() and isinstance(value, str)
}

KNOWN_SERVICES = {"registry", "funding", "reporting", "notification"}

DELIVERY_ONLY_SERVICES: dict[str, str] = {
    "notification": "fans every event out to department webhooks; it reacts to none itself",
}
"""Services whose handlers forward events outward; they do not count as handling a type."""

PUBLISHED_FOR_DEPARTMENTS_ONLY: dict[str, str] = {
    "funding.investment.planned.v1": "funding's record of a plan version for departments; reporting reads "
    "the registry's plan events",
    "funding.source.committed.v1": "who funds a project is read through funding's sources API; the event "
    "tells departments and the district",
    "funding.property_subsidy.scheduled.v1": "the property-subsidy schedule is read through funding's API; "
    "the event tells departments and the district",
    "funding.property_subsidy.paid.v1": "arrears are listed by funding's API; the event tells departments "
    "and the district",
    "funding.central_allocation.proposed.v1": "Kaifeng's central-fund proposal is for Finance to review "
    "(department-only: it spans districts)",
    "funding.central_allocation.approved.v1": "departments hear the approval; each district hears its "
    "share as funding.source.committed.v1",
    "registry.project.residents_consulted.v1": "the consultation's result gates the plan inside the registry; "
    "departments and residents' committees subscribe to it",
    "reporting.bulletin.published.v1": "the bulletin is read through the reporting API; the event tells "
    "departments it is out",
    "reporting.evaluation.published.v1": "the monthly evaluation is read through GET /evaluations; the "
    "event tells departments and districts it is out",
}
"""Event types no service reacts to, published only for department systems: type -> why."""


def _handler_modules() -> dict[str, ModuleType]:
    """Each service package's handlers module, by service name."""
    found = {}
    for module in pkgutil.iter_modules(services.__path__):
        if not module.ispkg:
            continue
        try:
            found[module.name] = importlib.import_module(f"services.{module.name}.handlers")
        except ModuleNotFoundError as exc:
            if exc.name != f"services.{module.name}.handlers":
                raise
    return found


HANDLER_MODULES = _handler_modules()
SUBSCRIPTIONS: dict[str, Mapping[str, Any]] = {
    name: module.SUBSCRIPTIONS for name, module in HANDLER_MODULES.items()
}


def _consumed_topics(service_names: set[str] | None = None) -> set[str]:
    return {
        EVENT_TYPES[event_type].TOPIC
        for name, table in SUBSCRIPTIONS.items()
        if service_names is None or name in service_names
        for event_type in table
        if event_type in EVENT_TYPES
    }


def _service_definition(name: str, monkeypatch: pytest.MonkeyPatch) -> ServiceDefinition:
    """The definition `create_<name>_app()` builds, captured instead of building the app."""
    monkeypatch.setenv("ENVIRONMENT", "test")
    main = importlib.import_module(f"services.{name}.main")
    captured: list[ServiceDefinition] = []
    monkeypatch.setattr(main, "create_app", captured.append)
    getattr(main, f"create_{name}_app")()
    assert len(captured) == 1
    return captured[0]


def test_every_service_was_found() -> None:
    assert KNOWN_SERVICES <= set(SUBSCRIPTIONS)


def test_all_event_topics_lists_every_topic_constant_once() -> None:
    assert len(topics.ALL_EVENT_TOPICS) == len(set(topics.ALL_EVENT_TOPICS))
    assert set(topics.ALL_EVENT_TOPICS) == set(TOPIC_CONSTANTS.values())


@pytest.mark.parametrize("topic", sorted(TOPIC_CONSTANTS.values()))
def test_topic_has_a_producer(topic: str) -> None:
    producers = [t for t, model in EVENT_TYPES.items() if model.TOPIC == topic]
    assert producers, f"no contract in the catalog publishes on {topic}"


@pytest.mark.parametrize("topic", sorted(TOPIC_CONSTANTS.values()))
def test_topic_has_a_consumer(topic: str) -> None:
    assert topic in _consumed_topics(), f"no service handles any event type published on {topic}"


@pytest.mark.parametrize("topic", sorted(TOPIC_CONSTANTS.values()))
def test_topic_is_read_by_a_service_that_reacts_to_it(topic: str) -> None:
    reacting = set(SUBSCRIPTIONS) - set(DELIVERY_ONLY_SERVICES)
    departments_only_topics = {EVENT_TYPES[t].TOPIC for t in PUBLISHED_FOR_DEPARTMENTS_ONLY}
    if topic not in departments_only_topics:
        assert topic in _consumed_topics(reacting)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_event_type_is_handled_or_published_for_departments_only(event_type: str) -> None:
    handlers = [
        name
        for name, table in SUBSCRIPTIONS.items()
        if event_type in table and name not in DELIVERY_ONLY_SERVICES
    ]
    if event_type in PUBLISHED_FOR_DEPARTMENTS_ONLY:
        assert not handlers, (
            f"{event_type} is handled by {handlers}: remove it from PUBLISHED_FOR_DEPARTMENTS_ONLY"
        )
    else:
        assert handlers, (
            f"no service handles {event_type}; add a handler, or list it in "
            "PUBLISHED_FOR_DEPARTMENTS_ONLY with the reason"
        )


@pytest.mark.parametrize(
    "event_type",
    sorted(PUBLISHED_FOR_DEPARTMENTS_ONLY)
    or [pytest.param(None, marks=pytest.mark.skip(reason="every published type has a handler"))],
)
def test_a_type_published_for_departments_only_is_known_and_says_why(event_type: str) -> None:
    assert event_type in EVENT_TYPES
    assert PUBLISHED_FOR_DEPARTMENTS_ONLY[event_type].strip()


def test_departments_can_subscribe_to_every_event_type() -> None:
    """The notification service fans out every published type, so any type can be subscribed to."""
    assert set(SUBSCRIPTIONS["notification"]) == set(EVENT_TYPES)


@pytest.mark.parametrize("service", sorted(SUBSCRIPTIONS))
def test_service_handles_only_published_types(service: str) -> None:
    unknown = set(SUBSCRIPTIONS[service]) - set(EVENT_TYPES)
    assert not unknown, f"{service} subscribes to types no contract publishes: {unknown}"


@pytest.mark.parametrize("service", sorted(KNOWN_SERVICES))
def test_service_consumes_the_topics_of_the_types_it_handles(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    definition = _service_definition(service, monkeypatch)
    assert definition.subscriptions is SUBSCRIPTIONS[service]
    needed = _consumed_topics({service})
    missing = needed - set(definition.subscriptions.topics)
    assert not missing, f"{service} handles events from {missing} but does not consume them"
    if not len(definition.subscriptions):
        assert not definition.subscriptions.topics, f"{service} reads topics it has no handler for"


def test_each_contract_topic_is_declared_by_a_service_that_produces_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    produced = {
        topic
        for service in sorted(KNOWN_SERVICES)
        for topic in _service_definition(service, monkeypatch).produces
    }
    assert {model.TOPIC for model in EVENT_TYPES.values()} <= produced
