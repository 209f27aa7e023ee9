"""The Kubernetes manifests (deploy/k8s/base, Kustomize) describe the platform as the code runs it:
a Deployment per service with replicas and probes, migrations as Jobs, topics as Strimzi
KafkaTopics matching the production topic settings, PostgreSQL as a CloudNativePG cluster.

Schema validation uses kubeconform when it is on PATH (or in $KUBECONFORM) *and* a local schema
mirror is named by $KUBECONFORM_SCHEMA_LOCATION: tests never fetch schemas from the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.funding.settings import FundingSettings
from shared.bus.kafka import TopicSpec
from shared.contracts.topics import FUNDING_EVENTS, REGISTRY_EVENTS, REPORTING_EVENTS, dead_letter_topic

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s" / "base"
SERVICES = {"registry": 8001, "funding": 8002, "reporting": 8003, "notification": 8004}


def _resources() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for name in kustomization["resources"]:
        docs.extend(d for d in yaml.safe_load_all((BASE / name).read_text()) if d)
    return docs


def _of(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _resources() if d["kind"] == kind}


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_each_service_is_a_deployment_with_replicas_probes_and_no_start_up_migrations(
    name: str, port: int
) -> None:
    deployment = _of("Deployment")[name]
    assert deployment["spec"]["replicas"] >= 2
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", f"services.{name}"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    env = _env(container)
    assert env["PORT"] == str(port) and env["RUN_MIGRATIONS_ON_START"] == "false"
    assert env["KAFKA_TOPICS_PROVISIONED"] == "true"
    assert "secretKeyRef" in env["JWT_SECRET"] and "secretKeyRef" in env["KAFKA_SASL_PASSWORD"]
    assert f"/{name}" in env["DATABASE_URL"]
    assert container["securityContext"]["runAsNonRoot"] is True


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_migrated_by_a_one_shot_job(name: str) -> None:
    [container] = _of("Job")[f"{name}-migrate"]["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "shared.db.migrate", name]
    assert f"/{name}" in _env(container)["DATABASE_URL"]


def test_topics_are_declared_with_the_production_topic_settings() -> None:
    production = FundingSettings(
        environment="production",
        jwt_secret="x" * 48,
        database_url="postgresql://u@db/funding",
        topic_partitions=12,
    )
    spec = TopicSpec.from_settings(production)
    topics = {t["spec"]["topicName"]: t["spec"] for t in _of("KafkaTopic").values()}
    wanted = {REGISTRY_EVENTS, FUNDING_EVENTS, REPORTING_EVENTS} | {dead_letter_topic(s) for s in SERVICES}
    assert set(topics) == wanted
    for topic in topics.values():
        assert topic["replicas"] == spec.replication_factor
        assert topic["partitions"] == spec.partitions
        assert topic["config"]["min.insync.replicas"] == spec.min_insync_replicas
        assert topic["config"]["unclean.leader.election.enable"] is False


def test_postgres_is_a_cloudnativepg_cluster_with_every_service_database() -> None:
    [cluster] = _of("Cluster").values()
    assert cluster["apiVersion"].startswith("postgresql.cnpg.io/")
    assert cluster["spec"]["instances"] >= 3
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    created = {initdb["database"]} | {sql.split()[2] for sql in initdb["postInitSQL"]}
    assert created == set(SERVICES)


def test_manifests_validate_against_the_kubernetes_schemas() -> None:
    kubeconform = os.environ.get("KUBECONFORM") or shutil.which("kubeconform")
    schemas = os.environ.get("KUBECONFORM_SCHEMA_LOCATION")
    if not kubeconform:
        pytest.skip(
            "kubeconform not installed (go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0)"
        )
    if not schemas:
        pytest.skip("KUBECONFORM_SCHEMA_LOCATION (a local schema mirror) unset; tests do not fetch schemas")
    files = [
        str(BASE / name) for name in yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"]
    ]
    result = subprocess.run(
        [
            kubeconform,
            "-strict",
            "-summary",
            "-schema-location",
            schemas,
            "-skip",
            "KafkaTopic,Cluster",
            *files,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
