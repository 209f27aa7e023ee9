"""ensure_topics against a fake cluster: missing topics are created with the spec, existing ones
are verified, and a topic that could lose acked events stops the service (issue 12, item 1)."""

from __future__ import annotations

import logging

import pytest
from aiokafka.admin.config_resource import ConfigResourceType

from shared.bus import kafka
from shared.bus.kafka import KafkaSecurity, TopicMismatchError, TopicSpec, ensure_topics
from tests.unit.bus.kafka_fakes import FakeAsyncio, FakeCluster, FakeTopic

BROKERS = "kafka-0:9092,kafka-1:9092"
SAFE = {"min.insync.replicas": "2", "unclean.leader.election.enable": "false"}
PRODUCTION = TopicSpec(partitions=3, replication_factor=3, min_insync_replicas=2)


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    fake = FakeCluster()
    monkeypatch.setattr(kafka, "AIOKafkaAdminClient", fake.admin_factory)
    return fake


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeAsyncio:
    fake = FakeAsyncio()
    monkeypatch.setattr(kafka, "asyncio", fake)
    return fake


def good(**overrides: object) -> FakeTopic:
    """A topic as the production spec makes it: 3 partitions of 3 replicas, safe configs."""
    fields: dict[str, object] = {"replicas": [3, 3, 3], "configs": dict(SAFE)}
    fields.update(overrides)
    return FakeTopic(**fields)  # type: ignore[arg-type]


async def mismatch(cluster: FakeCluster, topics: list[str], spec: TopicSpec = PRODUCTION) -> str:
    """The TopicMismatchError message ensure_topics raises for topics that already exist."""
    with pytest.raises(TopicMismatchError) as refused:
        await ensure_topics(BROKERS, topics, spec=spec)
    return str(refused.value)


# --- creation -----------------------------------------------------------------------------------


async def test_missing_topics_are_created_with_the_specs_partitions_replicas_and_configs(
    cluster: FakeCluster,
) -> None:
    spec = TopicSpec(partitions=6, replication_factor=3, min_insync_replicas=2, retention_ms=86_400_000)
    await ensure_topics(BROKERS, ["registry.project", "funding.award"], spec=spec)
    assert [t.name for t in cluster.created] == ["registry.project", "funding.award"]
    expected_configs = {
        "min.insync.replicas": "2",
        "unclean.leader.election.enable": "false",
        "compression.type": "producer",
        "retention.ms": "86400000",
    }
    for new in cluster.created:
        assert (new.num_partitions, new.replication_factor) == (6, 3)
        assert new.topic_configs == expected_configs
    assert cluster.topics["funding.award"].replicas == [3] * 6
    # freshly created topics are not verified: the cluster has just made them to the spec
    assert cluster.described == []


async def test_topics_are_created_unless_told_otherwise(cluster: FakeCluster) -> None:
    await ensure_topics(BROKERS, ["registry.project"], spec=TopicSpec(partitions=1))
    assert "registry.project" in cluster.topics


async def test_the_admin_client_gets_the_brokers_and_security_and_is_closed(cluster: FakeCluster) -> None:
    security = KafkaSecurity(
        protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="registry", sasl_password="pw"
    )
    await ensure_topics(BROKERS, ["registry.project"], spec=TopicSpec(partitions=1), security=security)
    [admin] = cluster.admins
    assert admin.kwargs == {
        "bootstrap_servers": BROKERS,
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": "registry",
        "sasl_plain_password": "pw",
    }
    assert admin.started and admin.closed


async def test_the_admin_client_is_closed_when_verification_fails(cluster: FakeCluster) -> None:
    cluster.topics["registry.project"] = good(replicas=[1, 1, 1])
    await mismatch(cluster, ["registry.project"])
    assert cluster.admins[0].closed


async def test_a_partition_count_alone_means_a_local_one_replica_spec(cluster: FakeCluster) -> None:
    await ensure_topics(BROKERS, ["registry.project"], 4)
    [new] = cluster.created
    assert (new.num_partitions, new.replication_factor) == (4, 1)
    assert new.topic_configs["min.insync.replicas"] == "1"


async def test_neither_spec_nor_partitions_is_a_type_error(cluster: FakeCluster) -> None:
    with pytest.raises(TypeError) as refused:
        await ensure_topics(BROKERS, ["registry.project"])
    assert str(refused.value) == "ensure_topics needs `spec` or `partitions`"
    assert cluster.admins == []


async def test_a_partition_count_that_disagrees_with_the_spec_is_refused(cluster: FakeCluster) -> None:
    with pytest.raises(ValueError) as refused:
        await ensure_topics(BROKERS, ["registry.project"], 4, spec=TopicSpec(partitions=3))
    assert str(refused.value) == "pass the partition count in `spec` only"
    assert cluster.admins == []


async def test_a_partition_count_that_agrees_with_the_spec_is_accepted(cluster: FakeCluster) -> None:
    await ensure_topics(BROKERS, ["registry.project"], 3, spec=PRODUCTION)
    [new] = cluster.created
    assert (new.num_partitions, new.replication_factor) == (3, 3)


async def test_too_few_live_brokers_for_the_replication_factor_is_explained(cluster: FakeCluster) -> None:
    cluster.live_brokers = 1
    with pytest.raises(RuntimeError) as refused:
        await ensure_topics(BROKERS, ["registry.project"], spec=PRODUCTION)
    assert str(refused.value) == (
        "could not create topic registry.project with replication factor 3: "
        "the cluster has fewer live brokers (KAFKA_REPLICATION_FACTOR)"
    )


async def test_the_brokers_own_reason_for_a_bad_replication_factor_is_passed_on(cluster: FakeCluster) -> None:
    cluster.create_errors["registry.project"] = (
        "registry.project",
        38,
        "Replication factor: 3 larger than available brokers: 2.",
    )
    with pytest.raises(RuntimeError) as refused:
        await ensure_topics(BROKERS, ["registry.project"], spec=PRODUCTION)
    assert str(refused.value) == (
        "could not create topic registry.project with replication factor 3: "
        "Replication factor: 3 larger than available brokers: 2. (KAFKA_REPLICATION_FACTOR)"
    )


async def test_any_other_creation_error_is_reported_with_its_code_and_message(cluster: FakeCluster) -> None:
    cluster.create_errors["funding.award"] = ("funding.award", 29, "Authorization failed.")
    with pytest.raises(RuntimeError) as refused:
        await ensure_topics(BROKERS, ["registry.project", "funding.award"], spec=PRODUCTION)
    assert str(refused.value) == "could not create topic funding.award: error code 29 Authorization failed."


async def test_a_creation_error_without_a_message_still_names_topic_and_code(cluster: FakeCluster) -> None:
    cluster.create_errors["funding.award"] = ("funding.award", 1)
    with pytest.raises(RuntimeError) as refused:
        await ensure_topics(BROKERS, ["funding.award"], spec=PRODUCTION)
    assert str(refused.value) == "could not create topic funding.award: error code 1 "


async def test_a_create_answer_without_topic_errors_means_nothing_existed(cluster: FakeCluster) -> None:
    cluster.create_response = object()
    await ensure_topics(BROKERS, ["registry.project"], spec=PRODUCTION)
    assert cluster.described == []


# --- verification of topics that already existed ------------------------------------------------


async def test_existing_topics_that_meet_the_spec_pass_and_only_they_are_described(
    cluster: FakeCluster,
) -> None:
    cluster.topics["registry.project"] = good()
    cluster.topics["funding.award"] = good(with_error_code=False)
    await ensure_topics(BROKERS, ["registry.project", "reporting.view", "funding.award"], spec=PRODUCTION)
    assert cluster.described == [["funding.award", "registry.project"]]
    assert cluster.config_requests == [
        [(ConfigResourceType.TOPIC, "funding.award"), (ConfigResourceType.TOPIC, "registry.project")]
    ]
    assert [t.name for t in cluster.created] == ["registry.project", "reporting.view", "funding.award"]


async def test_an_existing_topic_with_fewer_replicas_is_refused(cluster: FakeCluster) -> None:
    cluster.topics["registry.project"] = good(replicas=[3, 2, 3])
    assert await mismatch(cluster, ["registry.project"]) == (
        "topics do not match the settings: registry.project: replication factor 2 < 3"
    )


async def test_a_topic_with_exactly_the_specs_replicas_and_min_isr_passes(cluster: FakeCluster) -> None:
    cluster.topics["registry.project"] = good(replicas=[3, 4, 3], configs={"min.insync.replicas": "2"})
    await ensure_topics(BROKERS, ["registry.project"], spec=PRODUCTION)


async def test_a_partition_without_replicas_counts_as_none(cluster: FakeCluster) -> None:
    cluster.topics["registry.project"] = good(replicas=[3, 0, 3])
    assert await mismatch(cluster, ["registry.project"]) == (
        "topics do not match the settings: registry.project: replication factor 0 < 3"
    )


async def test_a_topic_without_partitions_has_no_replicas(cluster: FakeCluster) -> None:
    cluster.topics["registry.project"] = good(replicas=[])
    assert await mismatch(cluster, ["registry.project"], TopicSpec(partitions=1)) == (
        "topics do not match the settings: registry.project: replication factor 0 < 1"
    )


async def test_a_lower_min_insync_replicas_is_refused(cluster: FakeCluster) -> None:
    cluster.topics["registry.project"] = good(configs={"min.insync.replicas": "1"})
    assert await mismatch(cluster, ["registry.project"]) == (
        "topics do not match the settings: registry.project: min.insync.replicas 1 < 2"
    )


async def test_an_unset_min_insync_replicas_is_the_brokers_default_of_one(cluster: FakeCluster) -> None:
    cluster.topics["registry.project"] = good(configs={})
    assert await mismatch(cluster, ["registry.project"]) == (
        "topics do not match the settings: registry.project: min.insync.replicas 1 < 2"
    )
    # and one is enough for a spec that asks for one
    await ensure_topics(BROKERS, ["registry.project"], spec=TopicSpec(partitions=3, replication_factor=3))


async def test_a_config_reported_without_a_value_counts_as_unset(cluster: FakeCluster) -> None:
    cluster.topics["registry.project"] = good(
        configs={"min.insync.replicas": "2", "unclean.leader.election.enable": None}
    )
    await ensure_topics(BROKERS, ["registry.project"], spec=PRODUCTION)


@pytest.mark.parametrize("value", ["true", "TRUE", "True"])
async def test_unclean_leader_election_on_an_existing_topic_is_refused(
    cluster: FakeCluster, value: str
) -> None:
    cluster.topics["registry.project"] = good(
        configs={"min.insync.replicas": "2", "unclean.leader.election.enable": value}
    )
    assert await mismatch(cluster, ["registry.project"]) == (
        "topics do not match the settings: registry.project: unclean.leader.election.enable=true"
    )


async def test_unclean_leader_election_passes_when_the_spec_allows_it(cluster: FakeCluster) -> None:
    cluster.topics["registry.project"] = good(
        configs={"min.insync.replicas": "2", "unclean.leader.election.enable": "true"}
    )
    spec = TopicSpec(partitions=3, replication_factor=3, min_insync_replicas=2, unclean_leader_election=True)
    await ensure_topics(BROKERS, ["registry.project"], spec=spec)


async def test_every_problem_of_every_topic_is_reported_in_name_order(cluster: FakeCluster) -> None:
    cluster.topics["registry.project"] = good(
        replicas=[1, 1, 1], configs={"min.insync.replicas": "1", "unclean.leader.election.enable": "true"}
    )
    cluster.topics["funding.award"] = good(replicas=[2, 2, 2])
    assert await mismatch(cluster, ["registry.project", "funding.award"]) == (
        "topics do not match the settings: funding.award: replication factor 2 < 3; "
        "registry.project: replication factor 1 < 3; registry.project: min.insync.replicas 1 < 2; "
        "registry.project: unclean.leader.election.enable=true"
    )


async def test_a_different_partition_count_is_only_logged(
    cluster: FakeCluster, caplog: pytest.LogCaptureFixture
) -> None:
    cluster.topics["registry.project"] = good(replicas=[3, 3, 3, 3, 3])
    with caplog.at_level(logging.WARNING, logger="shared.bus.kafka"):
        await ensure_topics(BROKERS, ["registry.project"], spec=PRODUCTION)
    assert [r.getMessage() for r in caplog.records if r.name == "shared.bus.kafka"] == [
        "topic registry.project has 5 partitions, settings say 3; left as it is (changing the count "
        "re-maps keys: plan it as a migration)"
    ]


async def test_the_same_partition_count_logs_nothing(
    cluster: FakeCluster, caplog: pytest.LogCaptureFixture
) -> None:
    cluster.topics["registry.project"] = good()
    with caplog.at_level(logging.WARNING, logger="shared.bus.kafka"):
        await ensure_topics(BROKERS, ["registry.project"], spec=PRODUCTION)
    assert [r for r in caplog.records if r.name == "shared.bus.kafka"] == []


async def test_a_topic_the_broker_cannot_describe_is_an_error(cluster: FakeCluster) -> None:
    cluster.topics["registry.project"] = good(configs_error=29)
    with pytest.raises(RuntimeError) as refused:
        await ensure_topics(BROKERS, ["registry.project"], spec=PRODUCTION)
    assert str(refused.value) == "could not describe topic registry.project: error code 29"


# --- provisioned topics (create=False) ----------------------------------------------------------


async def test_provisioned_topics_are_verified_not_created(cluster: FakeCluster) -> None:
    cluster.topics["registry.project"] = good()
    cluster.topics["funding.award"] = good()
    await ensure_topics(BROKERS, ["registry.project", "funding.award"], spec=PRODUCTION, create=False)
    assert cluster.created == []
    assert cluster.described == [["funding.award", "registry.project"]]


async def test_a_missing_provisioned_topic_is_a_mismatch_and_the_rest_are_still_checked(
    cluster: FakeCluster, clock: FakeAsyncio
) -> None:
    cluster.topics["funding.award"] = good(replicas=[1, 1, 1])
    cluster.topics["reporting.view"] = good(unknown_for=1)
    with pytest.raises(TopicMismatchError) as refused:
        await ensure_topics(
            BROKERS, ["registry.project", "reporting.view", "funding.award"], spec=PRODUCTION, create=False
        )
    assert str(refused.value) == (
        "topics do not match the settings: funding.award: replication factor 1 < 3; "
        "registry.project: missing (KAFKA_TOPICS_PROVISIONED is set); "
        "reporting.view: missing (KAFKA_TOPICS_PROVISIONED is set)"
    )
    assert clock.sleeps == []


# --- metadata spreading: retries ----------------------------------------------------------------


async def test_a_topic_not_yet_known_to_the_broker_is_retried_until_it_is(
    cluster: FakeCluster, clock: FakeAsyncio
) -> None:
    # another replica of the service created it a moment ago
    cluster.create_errors["registry.project"] = ("registry.project", 36, "exists")
    cluster.topics["registry.project"] = good(unknown_for=2)
    await ensure_topics(BROKERS, ["registry.project"], spec=PRODUCTION)
    assert clock.sleeps == [0.25, 0.25]
    assert len(cluster.described) == 3


async def test_a_topic_whose_configs_are_not_yet_known_is_retried(
    cluster: FakeCluster, clock: FakeAsyncio
) -> None:
    cluster.topics["registry.project"] = good(configs_unknown_for=1)
    await ensure_topics(BROKERS, ["registry.project"], spec=PRODUCTION)
    assert clock.sleeps == [0.25]


async def test_a_topic_that_stays_unknown_fails_after_forty_attempts(
    cluster: FakeCluster, clock: FakeAsyncio
) -> None:
    cluster.create_errors["registry.project"] = ("registry.project", 36, "exists")
    with pytest.raises(RuntimeError) as refused:
        await ensure_topics(BROKERS, ["registry.project"], spec=PRODUCTION)
    assert str(refused.value) == "topics ['registry.project'] stayed unknown to the brokers"
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert clock.sleeps == [0.25] * 39
    assert len(cluster.described) == 40
    assert cluster.admins[0].closed
