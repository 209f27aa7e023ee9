"""The consumer's handling of one partition's batch: batch first, then one by one with retries.

A healthy batch is stored in one transaction. When a batch fails it is rolled back and replayed
one event per transaction, so one bad event does not block the rest. The replay classifies each
failure (`shared.bus.failures.classify`): the handler's refusal is dead-lettered at once, its
other errors after `max_attempts` runs with doubling pauses, and a database or broker outage is
waited out without limit and never dead-lettered. ``dlq.attempts`` is how often the handler ran
and failed for the event's own fault.
"""

from __future__ import annotations

import logging

import pytest
from aiokafka import TopicPartition

from shared.bus.errors import PermanentError
from shared.contracts.registry import ProjectRegistered
from tests.handlers.bus.consumer_fakes import (  # noqa: F401  (fixtures)
    DLQ_TOPIC,
    TYPE,
    DeadLetters,
    Inbox,
    PausingKafka,
    ScriptedHandler,
    envelope,
    inbox_fixture,
    make_consumer,
    metric,
    new_service,
    record,
    sleeps_fixture,
)


class TestHealthyBatch:
    async def test_a_batch_is_stored_in_one_transaction_each_event_handled_once(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        handler, dead, service = ScriptedHandler(), DeadLetters(), new_service()
        first, second = envelope("e-1", correlationid="flow-1"), envelope("e-2")
        records = [record(first, 0), record(second, 1), record(first, 2)]  # the third is a copy

        await make_consumer(inbox, handler, dead, service).process_partition_batch(records)

        assert handler.runs == ["e-1", "e-2"]
        assert inbox.unit_of_work.transactions == 1
        assert sorted(await inbox.rows()) == ["e-1", "e-2"]
        assert metric("events_consumed_total", service=service, type=TYPE, outcome="handled") == 2
        assert metric("events_consumed_total", service=service, type=TYPE, outcome="duplicate") == 1
        assert dead.sent == [] and sleeps == []

    async def test_the_handler_gets_the_session_the_parsed_payload_and_the_raw_record(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        handler = ScriptedHandler()
        event = envelope("e-1", correlationid="flow-1")
        await make_consumer(inbox, handler, DeadLetters(), new_service()).process_partition_batch(
            [record(event)]
        )
        [seen] = handler.seen
        assert seen["session"] is True
        assert seen["id"] == "e-1"
        assert seen["payload"] == "ProjectRegistered"
        assert seen["raw"] == event.to_bytes()
        assert (seen["correlation"], seen["causation"], seen["event"]) == ("flow-1", "e-1", "e-1")

    async def test_a_redelivered_batch_is_counted_as_duplicates_and_not_handled_again(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        handler, service = ScriptedHandler(), new_service()
        consumer = make_consumer(inbox, handler, DeadLetters(), service)
        records = [record(envelope("e-1"), 0), record(envelope("e-2"), 1)]
        await consumer.process_partition_batch(records)
        await consumer.process_partition_batch(records)
        assert handler.runs == ["e-1", "e-2"]
        assert metric("events_consumed_total", service=service, type=TYPE, outcome="handled") == 2
        assert metric("events_consumed_total", service=service, type=TYPE, outcome="duplicate") == 2


class TestFailedBatch:
    async def test_a_refused_event_is_dead_lettered_once_and_the_rest_are_replayed_one_by_one(
        self, inbox: Inbox, sleeps: list[float], caplog: pytest.LogCaptureFixture
    ) -> None:
        refusal = PermanentError("project unknown here")
        handler = ScriptedHandler({"e-2": [refusal]})
        dead, service = DeadLetters(), new_service()
        records = [record(envelope("e-1"), 7), record(envelope("e-2"), 8)]

        with caplog.at_level(logging.INFO, logger="shared.bus.consumer"):
            await make_consumer(inbox, handler, dead, service).process_partition_batch(records)

        assert handler.runs == ["e-1", "e-2", "e-1"], "the refusal's batch run is its one run"
        assert inbox.unit_of_work.transactions == 2  # the batch, then e-1 alone
        assert await inbox.rows() == ["e-1"]
        assert dead.summary() == [("8", "permanent", "1")]
        [letter] = dead.sent
        assert letter["topic"] == DLQ_TOPIC
        assert letter["value"] == records[1].value
        assert letter["headers"]["dlq.error.class"] == b"PermanentError"
        assert metric("events_consumed_total", service=service, type=TYPE, outcome="handled") == 1
        assert metric("events_dead_lettered_total", service=service, reason="permanent") == 1
        assert sleeps == []
        messages = [r.getMessage() for r in caplog.records if r.name == "shared.bus.consumer"]
        assert messages == [
            f"batch of 2 failed ({refusal!r}); handling one by one",
            f"dead-lettering registry.events[0]@8 (permanent): {refusal!r}",
        ]

    async def test_a_retryable_error_is_retried_with_doubling_pauses_then_dead_lettered(
        self, inbox: Inbox, sleeps: list[float], caplog: pytest.LogCaptureFixture
    ) -> None:
        error = RuntimeError("flaky")
        handler, dead, service = ScriptedHandler({"e-1": [error]}), DeadLetters(), new_service()
        consumer = make_consumer(inbox, handler, dead, service, max_attempts=3, retry_backoff_s=0.5)

        with caplog.at_level(logging.WARNING, logger="shared.bus.consumer"):
            await consumer.process_partition_batch([record(envelope("e-1"), 4)])

        assert handler.runs == ["e-1"] * 3, "the batch run and two replays"
        assert sleeps == [0.5, 1.0]
        assert dead.summary() == [("4", "retries_exhausted", "3")]
        assert dead.sent[0]["headers"]["dlq.error.class"] == b"RuntimeError"
        assert dead.sent[0]["headers"]["dlq.error.message"] == b"flaky"
        assert await inbox.rows() == []
        assert metric("events_failed_total", service=service, type=TYPE, error="RuntimeError")
        assert metric("events_failed_total", service=service, type=TYPE, error="NoneType") is None
        assert metric("events_dead_lettered_total", service=service, reason="retries_exhausted") == 1
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert warnings == [
            f"event e-1 attempt 1 failed: {error!r}",
            f"event e-1 attempt 2 failed: {error!r}",
        ]

    async def test_by_default_an_event_runs_five_times_pausing_from_a_fifth_of_a_second(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        handler, dead = ScriptedHandler({"e-1": [RuntimeError("flaky")]}), DeadLetters()
        await make_consumer(inbox, handler, dead, new_service()).process_partition_batch(
            [record(envelope("e-1"))]
        )
        assert len(handler.runs) == 5
        assert sleeps == [0.2, 0.4, 0.8, 1.6]
        assert dead.summary() == [("0", "retries_exhausted", "5")]

    async def test_a_batch_run_rolled_back_for_another_events_failure_does_not_count_against_it(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        # e-1 succeeds in the batch, which e-2 then fails; replayed alone e-1 keeps failing.
        handler = ScriptedHandler({"e-1": [None, RuntimeError("flaky")], "e-2": [PermanentError("no")]})
        dead = DeadLetters()
        consumer = make_consumer(inbox, handler, dead, new_service(), max_attempts=2, retry_backoff_s=1.0)
        await consumer.process_partition_batch([record(envelope("e-1"), 0), record(envelope("e-2"), 1)])
        assert handler.runs == ["e-1", "e-2", "e-1", "e-1"]
        assert sleeps == [1.0]
        assert dead.summary() == [("0", "retries_exhausted", "2"), ("1", "permanent", "1")]


class TestOutage:
    async def test_an_outage_is_waited_out_with_doubling_pauses_and_never_dead_lettered(
        self, inbox: Inbox, sleeps: list[float], caplog: pytest.LogCaptureFixture
    ) -> None:
        outage = ConnectionResetError("database restarting")
        handler = ScriptedHandler({"e-1": [outage, outage, outage, outage, None]})
        dead, service = DeadLetters(), new_service()
        consumer = make_consumer(
            inbox, handler, dead, service, max_attempts=1, retry_backoff_s=1.0, max_backoff_s=100.0
        )

        with caplog.at_level(logging.WARNING, logger="shared.bus.consumer"):
            await consumer.process_partition_batch([record(envelope("e-1"))])

        assert handler.runs == ["e-1"] * 5
        assert sleeps == [2.0, 4.0, 8.0, 16.0]
        assert dead.sent == []
        assert await inbox.rows() == ["e-1"]
        assert metric("events_consumed_total", service=service, type=TYPE, outcome="handled") == 1
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert warnings[0] == f"event e-1 waits for the infrastructure ({outage!r}); retry in 2.0s"
        assert warnings[3] == f"event e-1 waits for the infrastructure ({outage!r}); retry in 16.0s"

    async def test_during_an_outage_the_partitions_are_paused_and_polled_so_the_member_stays_in_its_group(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        outage = ConnectionResetError("database restarting")
        handler = ScriptedHandler({"e-1": [outage, outage, outage, None]})
        kafka = PausingKafka()
        consumer = make_consumer(inbox, handler, DeadLetters(), new_service(), kafka=kafka)
        await consumer.process_partition_batch([record(envelope("e-1"))])
        # before each of the three pauses: pause the assignment and poll (nothing comes back);
        # after each, the partition resumes for the next try
        assert kafka.calls == ["pause", "poll", "resume"] * 3
        assert len(sleeps) == 3 and await inbox.rows() == ["e-1"]

    async def test_a_record_the_keepalive_poll_brings_back_is_rewound_not_skipped(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        outage = ConnectionResetError("database restarting")
        handler = ScriptedHandler({"e-1": [outage, None]})
        newly_assigned = TopicPartition("t", 1)  # assigned between the pause and the poll
        kafka = PausingKafka({newly_assigned: [record(envelope("e-9"), 42), record(envelope("e-10"), 43)]})
        consumer = make_consumer(inbox, handler, DeadLetters(), new_service(), kafka=kafka)
        await consumer.process_partition_batch([record(envelope("e-1"))])
        assert kafka.calls == ["pause", "poll", "seek 1:42", "resume"]
        assert handler.runs == ["e-1", "e-1"]  # e-9 and e-10 are left for the next fetch

    async def test_a_handler_error_is_retried_without_pausing_the_partitions(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        handler = ScriptedHandler({"e-1": [RuntimeError("bug"), None]})
        kafka = PausingKafka()
        await make_consumer(
            inbox, handler, DeadLetters(), new_service(), kafka=kafka
        ).process_partition_batch([record(envelope("e-1"))])
        assert kafka.calls == [] and sleeps == [0.2]

    async def test_the_pause_during_an_outage_is_capped_at_half_a_minute_by_default(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        outage = ConnectionResetError("database restarting")
        handler = ScriptedHandler({"e-1": [outage] * 9 + [None]})
        await make_consumer(inbox, handler, DeadLetters(), new_service()).process_partition_batch(
            [record(envelope("e-1"))]
        )
        assert sleeps == [0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]

    async def test_the_outage_pause_stops_doubling_after_sixteen_rounds(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        outage = ConnectionResetError("database restarting")
        handler = ScriptedHandler({"e-1": [outage] * 17 + [None]})
        consumer = make_consumer(
            inbox, handler, DeadLetters(), new_service(), retry_backoff_s=2.0**-16, max_backoff_s=10.0
        )
        await consumer.process_partition_batch([record(envelope("e-1"))])
        assert sleeps == [2.0 ** (n - 16) for n in range(1, 17)] + [1.0]

    async def test_failures_during_an_outage_do_not_count_toward_the_attempts(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        flaky, outage = RuntimeError("flaky"), ConnectionResetError("database restarting")
        handler = ScriptedHandler({"e-1": [flaky, outage, outage, flaky]})
        dead = DeadLetters()
        consumer = make_consumer(
            inbox, handler, dead, new_service(), max_attempts=2, retry_backoff_s=1.0, max_backoff_s=100.0
        )
        await consumer.process_partition_batch([record(envelope("e-1"))])
        assert handler.runs == ["e-1"] * 4
        assert sleeps == [1.0, 2.0, 4.0]
        assert dead.summary() == [("0", "retries_exhausted", "2")]
        assert dead.sent[0]["headers"]["dlq.error.class"] == b"RuntimeError"


class TestUndecodable:
    async def test_an_unknown_version_of_a_subscribed_type_is_dead_lettered_without_a_run(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        newer = ProjectRegistered.TYPE.removesuffix(".v1") + ".v9"
        handler, dead, service = ScriptedHandler(), DeadLetters(), new_service()
        await make_consumer(inbox, handler, dead, service).process_partition_batch(
            [record(envelope("e-1", type=newer), 3)]
        )
        assert handler.runs == []
        assert inbox.unit_of_work.transactions == 0
        assert dead.summary() == [("3", "unknown_version", "0")]
        headers = dead.sent[0]["headers"]
        assert headers["dlq.error.class"] == b"PermanentError"
        assert headers["dlq.error.message"] == (
            f"{newer}: a version of a subscribed type this build does not know".encode()
        )
        assert metric("events_dead_lettered_total", service=service, reason="unknown_version") == 1

    async def test_a_type_of_another_family_is_skipped_and_counted_as_ignored(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        handler, dead, service = ScriptedHandler(), DeadLetters(), new_service()
        other = "billing.invoice.issued.v1"
        await make_consumer(inbox, handler, dead, service).process_partition_batch(
            [record(envelope("e-1", type=other))]
        )
        assert handler.runs == [] and dead.sent == []
        assert metric("events_consumed_total", service=service, type=other, outcome="ignored") == 1

    @pytest.mark.parametrize("value", [b"not json", b'{"specversion": "1.0"}'])
    async def test_an_unparsable_record_is_dead_lettered_as_malformed(
        self, inbox: Inbox, sleeps: list[float], value: bytes
    ) -> None:
        handler, dead, service = ScriptedHandler(), DeadLetters(), new_service()
        await make_consumer(inbox, handler, dead, service).process_partition_batch([record(value, 5)])
        assert handler.runs == []
        assert dead.summary() == [("5", "malformed", "0")]
        assert dead.sent[0]["headers"]["dlq.error.class"] == b"ValidationError"
        assert metric("events_dead_lettered_total", service=service, reason="malformed") == 1

    async def test_a_record_without_a_value_is_dead_lettered_as_an_empty_one(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        dead = DeadLetters()
        await make_consumer(inbox, ScriptedHandler(), dead, new_service()).process_partition_batch(
            [record(None, 6)]
        )
        assert dead.summary() == [("6", "malformed", "0")]
        assert b"input_value=b''" in dead.sent[0]["headers"]["dlq.error.message"]

    async def test_data_that_does_not_fit_the_payload_class_is_dead_lettered_as_malformed(
        self, inbox: Inbox, sleeps: list[float]
    ) -> None:
        handler, dead = ScriptedHandler(), DeadLetters()
        await make_consumer(inbox, handler, dead, new_service()).process_partition_batch(
            [record(envelope("e-1", data={"name": "no ids"}), 2), record(envelope("e-2"), 3)]
        )
        assert handler.runs == ["e-2"]
        assert dead.summary() == [("2", "malformed", "0")]
        assert dead.sent[0]["headers"]["dlq.error.class"] == b"ValidationError"
