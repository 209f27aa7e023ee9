"""Opening a project and administering the directory, on the handler tier: events, audit, refusals."""

from __future__ import annotations

import uuid

import pytest

from services.registry.handlers import SUBSCRIPTIONS, directory, projects
from services.registry.models.directory import Organisation, OrganisationCreate
from services.registry.models.projects import ProjectCreate
from shared.errors import ConflictError, Forbidden, NotFoundError, RuleViolation
from tests.handlers.registry.walk import district, office, open_project, project_outbox


async def test_opening_a_project_announces_it_and_audits_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness)
    (event,) = await project_outbox(harness)
    assert event.type == "registry.project.registered.v1"
    assert (
        event.data["project_id"] == str(project.id) and event.data["investment_fen"] == project.investment_fen
    )
    assert await harness.audit_actions() == ["community.registered", "project.registered"]


async def test_a_project_on_an_unknown_or_foreign_community_is_refused(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness)
    now = harness.clock.now()
    unknown = ProjectCreate(name="x", investment_fen=1, community_id=uuid.uuid4())
    with pytest.raises(RuleViolation) as caught:
        await harness.run(lambda s: projects.register_project(s, district(), unknown, now))
    assert [(p.field, p.rule) for p in caught.value.errors] == [("community_id", "exists")]
    foreign = ProjectCreate(name="x", investment_fen=1, community_id=project.community_id)
    with pytest.raises(RuleViolation):  # another district cannot even see it
        await harness.run(lambda s: projects.register_project(s, district("zz-erqi"), foreign, now))
    with pytest.raises(Forbidden):  # the office sees it but keeps no district's ledger
        await harness.run(lambda s: projects.register_project(s, office(), foreign, now))
    assert len(await project_outbox(harness)) == 1


async def test_the_office_adds_an_organisation_once_and_a_street_office_needs_its_district(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    await harness.run(directory.seed_organisations)
    street = OrganisationCreate.model_validate(
        {
            "code": "zz-jinshui-wenhualu",
            "kind": "street_office",
            "name_zh": "文化路街道",
            "name_en": "Wenhualu",
            "parent_code": "zz-jinshui",
        }
    )
    added = await harness.run(lambda s: directory.add_organisation(s, office(), street))
    assert added.source == "admin"
    with pytest.raises(ConflictError):
        await harness.run(lambda s: directory.add_organisation(s, office(), street))
    orphan = street.model_copy(update={"code": "zz-orphan", "parent_code": "zz-nowhere"})
    with pytest.raises(RuleViolation) as caught:
        await harness.run(lambda s: directory.add_organisation(s, office(), orphan))
    assert [(p.field, p.rule) for p in caught.value.errors] == [("parent_code", "existing_district")]
    assert await harness.audit_actions() == ["organisation.added"]
    assert "zz-jinshui-wenhualu" in {o.code for o in await harness.all(Organisation)}


async def test_a_project_is_read_by_its_district_and_the_office_and_is_unknown_to_other_districts(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness)
    for reader in (district(), office()):
        assert await harness.read(projects.get_project, reader, project.id) == project
    for missing, reader in ((project.id, district("zz-erqi")), (uuid.uuid4(), office())):
        with pytest.raises(NotFoundError, match=f"no project {missing}"):
            await harness.read(projects.get_project, reader, missing)
    # a project just opened has taken no step yet; another district may not even ask
    assert await harness.run(lambda s: projects.timeline(s, district(), project.id)) == []
    with pytest.raises(NotFoundError, match=f"no project {project.id}"):
        await harness.run(lambda s: projects.timeline(s, district("zz-erqi"), project.id))
