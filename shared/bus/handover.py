"""The consumer's part in a rebalance: finish and commit what it holds before partitions move.

Without it, a replica whose partitions are revoked mid-batch commits too late (the coordinator
refuses the offsets of a partition that has moved), and the new owner re-reads the whole batch;
the inbox skips every record of it, but each one costs a fetch and a claim, and a slow batch
during a deployment's rolling restart is re-read by every replica it passes through. aiokafka
calls `on_partitions_revoked` before the member rejoins, while its generation is still valid, so
offsets committed then are accepted.
"""

from __future__ import annotations

from typing import Protocol

from aiokafka import ConsumerRebalanceListener, TopicPartition

__all__ = ["Handover", "PartitionOwner"]


class PartitionOwner(Protocol):
    """What `Handover` asks of the consumer it is bound to (`shared.bus.consumer.EventConsumer`)."""

    async def hand_over(self, revoked: set[TopicPartition]) -> None:
        """Finish (bounded) and commit the fetch in hand, then forget the revoked partitions.

        Args:
            revoked: the partitions this member gives up.
        """

    def take_over(self, assigned: set[TopicPartition]) -> None:
        """Note the partitions this member now owns.

        Args:
            assigned: the member's whole new assignment.
        """


class Handover(ConsumerRebalanceListener):  # type: ignore[misc]
    """The listener `make_consumer` subscribes with; the `EventConsumer` built on that consumer
    binds itself to it. Until then (or for a consumer nobody binds) it does nothing."""

    def __init__(self) -> None:
        self._owner: PartitionOwner | None = None

    def bind(self, owner: PartitionOwner) -> None:
        """Route the group's rebalance callbacks to `owner`.

        Args:
            owner: the consumer loop that handles this aiokafka consumer's records.
        """
        self._owner = owner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        """aiokafka's call before the member rejoins: the owner hands the partitions over.

        Args:
            revoked: the partitions this member gives up.
        """
        if self._owner is not None and revoked:
            await self._owner.hand_over(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        """aiokafka's call once the group has assigned partitions again.

        Args:
            assigned: the member's whole new assignment.
        """
        if self._owner is not None:
            self._owner.take_over(set(assigned))
