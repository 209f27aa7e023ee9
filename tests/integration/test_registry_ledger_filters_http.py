"""Over HTTP on PostgreSQL: a project's ledger date is validated as a problem naming the field,
shown on the project, and GET /projects filters by the community's classification and overdue."""

from __future__ import annotations

from tests.support import tokens
from tests.support.factories import community_body, project_body


async def test_registered_on_is_checked_shown_and_the_ledger_filters_apply(platform) -> None:  # type: ignore[no-untyped-def]
    await platform.start("registry")
    registry = platform.client("registry", tokens.district("kf-gulou"))
    body = community_body(district_code="kf-gulou", programme_code="kaifeng-2019")
    community = (await registry.post("/communities", json=body)).json()
    classified = await registry.put(
        f"/communities/{community['id']}/classification", json={"tier": "implement", "demonstration": True}
    )
    assert classified.status_code == 200, classified.text

    for day, rule in (("2100-01-01", "not_in_future"), ("2018-12-31", "not_before_programme_year")):
        refused = await registry.post("/projects", json=project_body(community["id"], registered_on=day))
        assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
        assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [("registered_on", rule)]
    assert (await registry.get("/projects")).headers["x-total-count"] == "0"

    opened = await registry.post("/projects", json=project_body(community["id"], registered_on="2019-06-03"))
    assert opened.status_code == 201, opened.text
    assert opened.json()["registered_on"] == "2019-06-03"

    for params, expected in (
        ({"tier": "implement", "demonstration": "true"}, 1),
        ({"tier": "reserve"}, 0),
        ({"centrally_funded": "true"}, 0),
    ):
        listed = await registry.get("/projects", params=params)
        assert listed.status_code == 200 and listed.headers["x-total-count"] == str(expected), params
    overdue = int((await registry.get("/projects", params={"overdue": "true"})).headers["x-total-count"])
    on_time = int((await registry.get("/projects", params={"overdue": "false"})).headers["x-total-count"])
    assert overdue + on_time == 1
    bad = await registry.get("/projects", params={"overdue": "maybe"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("overdue")
