"""The base of every event payload: frozen, tolerant of unknown fields, typed by a stable string."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class EventPayload(BaseModel):
    """A domain event's data. Subclasses set TYPE, SOURCE, TOPIC and say which aggregate they key on.

    Consumers ignore fields they do not know (`extra="ignore"`), so producers may add optional
    fields within a version; removing or changing a field is a new type (`...v2`).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    SOURCE: ClassVar[str]
    TOPIC: ClassVar[str]

    def partition_key(self) -> str:
        """The aggregate id that keys the Kafka record, so one aggregate's events stay in order."""
        raise NotImplementedError

    def subject(self) -> str:
        """The CloudEvents `subject`: the aggregate as a path, e.g. `projects/<id>`."""
        raise NotImplementedError

    def district(self) -> str | None:
        """The district the event concerns, carried as the `districtcode` extension."""
        return None
