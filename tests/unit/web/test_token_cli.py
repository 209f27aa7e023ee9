"""The token CLI signs with the same secret the services use, and refuses a ttl over the maximum."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.settings import ServiceSettings
from shared.web.auth import decode_token, main


@pytest.fixture(autouse=True)
def local_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("ENVIRONMENT", "JWT_SECRET", "JWT_JWKS_URL", "JWT_MAX_LIFETIME_S"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    return tmp_path


def test_the_cli_token_verifies_with_the_services_generated_secret(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["issue", "--org", "finance", "--kind", "department"]) == 0
    token = capsys.readouterr().out.strip()
    service_secret = ServiceSettings(service_name="registry").jwt_key
    assert decode_token(token, secret=service_secret).org_code == "finance"


def test_the_cli_refuses_a_ttl_over_the_maximum_lifetime(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["issue", "--org", "finance", "--kind", "department", "--ttl", str(25 * 3600)])
    assert "ttl" in capsys.readouterr().err
