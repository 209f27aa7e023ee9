"""The programmes' rules over HTTP from a running registry: what a department integrator reads."""

from __future__ import annotations

from shared.policy import bundled_profiles
from tests.support import tokens


async def test_a_running_registry_lists_every_programme_and_cites_each_rule(platform) -> None:  # type: ignore[no-untyped-def]
    await platform.start("registry")
    power = platform.client("registry", tokens.utility())

    listed = await power.get("/programmes")
    assert listed.status_code == 200, listed.text
    assert [p["code"] for p in listed.json()] == list(bundled_profiles())

    for code in bundled_profiles():
        rules = await power.get(f"/programmes/{code}", headers={"Accept-Language": "en"})
        assert rules.status_code == 200, rules.text
        citations = rules.json()["citations"]
        assert citations and all(c["clause"] for c in citations), code

    unknown = await power.get("/programmes/no-such-plan", headers={"Accept-Language": "en"})
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "no programme 'no-such-plan'"
