"""The `renovation` CLI's commands that need no broker or database (Typer's CliRunner)."""

from __future__ import annotations

import httpx
import jwt
import pytest
from typer.testing import CliRunner

from cli import app, health, tokens
from shared.settings import TEST_JWT_SECRET

runner = CliRunner()


@pytest.fixture(autouse=True)
def _test_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.delenv("JWT_SECRET", raising=False)


def claims(token: str) -> dict[str, object]:
    return jwt.decode(token, TEST_JWT_SECRET, algorithms=["HS256"], audience="renovation-platform")


class TestTokenIssue:
    def test_a_department_token_takes_its_kind_from_the_directory(self) -> None:
        result = runner.invoke(app, ["token", "issue", "--org", "finance"])
        assert result.exit_code == 0, result.output
        token = claims(result.stdout.strip().splitlines()[-1])
        assert token["org"] == "finance" and token["org_kind"] == "department"
        assert "district" not in token

    def test_a_district_token_carries_its_own_district(self) -> None:
        result = runner.invoke(app, ["token", "issue", "--org", "zz-jinshui"])
        token = claims(result.stdout.strip().splitlines()[-1])
        assert (token["org_kind"], token["district"]) == ("district", "zz-jinshui")

    def test_a_street_office_token_carries_its_parent_district(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # the bundled plans name no street office yet; a directory that has one
        from shared.directory import Organisation, OrganisationKind

        street = Organisation(
            code="zz-jinshui-wenhua",
            kind=OrganisationKind.STREET_OFFICE,
            name_zh="文化路街道办事处",
            name_en="Wenhua Road Street Office",
            parent_code="zz-jinshui",
        )
        monkeypatch.setattr(tokens, "directory_organisations", lambda: [street])
        result = runner.invoke(app, ["token", "issue", "--org", street.code])
        token = claims(result.stdout.strip().splitlines()[-1])
        assert (token["org_kind"], token["district"]) == ("street_office", "zz-jinshui")

    def test_a_typo_is_refused_with_suggestions_and_no_token(self) -> None:
        result = runner.invoke(app, ["token", "issue", "--org", "finace"])
        assert result.exit_code == 2
        assert "finance" in result.stderr
        assert "eyJ" not in result.stdout

    def test_scopes_and_lifetime_can_be_chosen(self) -> None:
        result = runner.invoke(
            app, ["token", "issue", "--org", "finance", "--scope", "funding:read", "--ttl", "600"]
        )
        token = claims(result.stdout.strip().splitlines()[-1])
        assert token["scope"] == "funding:read"
        assert int(token["exp"]) - int(token["iat"]) == 600  # type: ignore[call-overload]

    def test_a_lifetime_beyond_the_maximum_is_refused(self) -> None:
        result = runner.invoke(app, ["token", "issue", "--org", "finance", "--ttl", str(48 * 3600)])
        assert result.exit_code == 2
        assert "eyJ" not in result.stdout


class TestHealth:
    def test_every_service_ready_is_exit_code_zero_with_a_table(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        asked: list[str] = []

        def answer(request: httpx.Request) -> httpx.Response:
            asked.append(str(request.url))
            return httpx.Response(200, json={"status": "ready", "checks": {"database": "ok", "kafka": "ok"}})

        monkeypatch.setattr(health, "TRANSPORT", httpx.MockTransport(answer))
        result = runner.invoke(app, ["health"])
        assert result.exit_code == 0, result.output
        assert sorted(asked) == [f"http://127.0.0.1:{p}/readyz" for p in (8001, 8002, 8003, 8004)]
        for name in ("registry", "funding", "reporting", "notification"):
            assert name in result.stdout

    def test_a_service_not_ready_or_unreachable_is_exit_code_one(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def answer(request: httpx.Request) -> httpx.Response:
            if request.url.port == 8002:
                raise httpx.ConnectError("refused", request=request)
            if request.url.port == 8003:
                return httpx.Response(
                    503, json={"status": "not-ready", "checks": {"kafka": "error: Timeout"}}
                )
            return httpx.Response(200, json={"status": "ready", "checks": {}})

        monkeypatch.setattr(health, "TRANSPORT", httpx.MockTransport(answer))
        result = runner.invoke(app, ["health"])
        assert result.exit_code == 1
        assert "unreachable" in result.stdout and "503" in result.stdout

    def test_one_service_address_can_be_overridden(self, monkeypatch: pytest.MonkeyPatch) -> None:
        asked: list[str] = []
        monkeypatch.setattr(
            health,
            "TRANSPORT",
            httpx.MockTransport(lambda r: asked.append(str(r.url)) or httpx.Response(200, json={})),
        )
        runner.invoke(app, ["health", "--url", "funding=http://127.0.0.1:9999"])
        assert "http://127.0.0.1:9999/readyz" in asked


class TestProgrammes:
    def test_the_list_names_every_bundled_programme(self) -> None:
        result = runner.invoke(app, ["programmes"], env={"COLUMNS": "250"})
        assert result.exit_code == 0
        for code in ("kaifeng-2019", "zhengzhou-2018", "zhengzhou-2019", "zhongyuan-2013"):
            assert code in result.stdout

    def test_one_programme_lists_its_rules_with_their_clauses(self) -> None:
        from cli.programmes import cited_rules
        from shared.policy import get_profile

        profile = get_profile("zhengzhou-2019")
        rules = list(cited_rules(profile))
        assert rules and all(rule.clause for _, rule in rules)
        assert not any(path.startswith("departments") for path, _ in rules)
        result = runner.invoke(app, ["programmes", "zhengzhou-2019"], env={"COLUMNS": "250"})
        assert result.exit_code == 0
        assert rules[0][0] in result.stdout and rules[0][1].clause in result.stdout

    def test_an_unknown_programme_is_refused(self) -> None:
        result = runner.invoke(app, ["programmes", "atlantis-2020"])
        assert result.exit_code == 2
        assert "zhengzhou-2019" in result.stderr


class TestRefusals:
    def test_redrive_without_a_selection_is_refused_before_touching_kafka(self) -> None:
        result = runner.invoke(app, ["dlq", "redrive", "funding"])
        assert result.exit_code == 2
        assert "--all" in result.stderr

    def test_a_malformed_offset_is_refused(self) -> None:
        result = runner.invoke(app, ["dlq", "redrive", "funding", "--offset", "zero"])
        assert result.exit_code == 2

    def test_outbox_redrive_without_a_selection_is_refused(self) -> None:
        result = runner.invoke(app, ["outbox", "redrive", "funding"])
        assert result.exit_code == 2

    def test_an_unknown_service_is_refused(self) -> None:
        result = runner.invoke(app, ["dlq", "list", "billing"])
        assert result.exit_code == 2
