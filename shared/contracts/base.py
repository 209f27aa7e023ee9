"""The base of every event payload: frozen, tolerant of unknown fields, typed by a stable string.

Why a base class: the envelope, the outbox and the consumer need the same four facts from every
payload (type, source, topic, key); declaring them here lets them work on any event unchanged.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

__all__ = ["EventPayload"]


class EventPayload(BaseModel):
    """A domain event's data. Subclasses set TYPE, SOURCE, TOPIC and say which aggregate they key on.

    Consumers ignore fields they do not know (`extra="ignore"`), so producers may add optional
    fields within a version; removing or changing a field is a new type (`...v2`).

    Attributes:
        TYPE: the versioned CloudEvents type, e.g. ``registry.project.accepted.v1``.
        SOURCE: the CloudEvents source, the producing service, e.g. ``urn:renovation:registry``.
        TOPIC: the base topic name the event is published on (see `shared.contracts.topics`).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    SOURCE: ClassVar[str]
    TOPIC: ClassVar[str]

    def partition_key(self) -> str:
        """The aggregate id that keys the Kafka record, so one aggregate's events stay in order.

        Returns:
            The id (e.g. the project id) as a string; every subclass overrides this.
        """
        raise NotImplementedError

    def subject(self) -> str:
        """The CloudEvents `subject`: the aggregate as a path, e.g. `projects/<id>`.

        Returns:
            The path; every subclass overrides this.
        """
        raise NotImplementedError

    def district(self) -> str | None:
        """The district the event concerns, carried as the `districtcode` extension.

        Returns:
            The district code, or None for an event that concerns no single district (the
            default); consumers use it to show an event only to those who may see the district.
        """
        return None
