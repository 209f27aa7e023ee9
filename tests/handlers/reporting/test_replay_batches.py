"""The consumer's batch path over reporting's projections on SQLite: inbox dedupe within and across
batches, a poison event dead-lettered alone, several partitions in one fetch (see replay_batches)."""

from __future__ import annotations

from services.reporting.handlers import SUBSCRIPTIONS
from tests.handlers.reporting import replay_batches as scenario


async def test_duplicates_within_a_batch_and_across_batches_count_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await scenario.duplicates_within_and_across_batches_count_once(harness.unit_of_work)


async def test_a_poison_event_inside_a_batch_is_dead_lettered_and_the_rest_counted(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await scenario.a_poison_event_in_a_batch_is_dead_lettered_alone(harness.unit_of_work)


async def test_two_partitions_of_one_fetch_each_count_once_and_commit_together(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await scenario.partitions_fetched_together_each_count_once(harness.unit_of_work, parallel=1)
