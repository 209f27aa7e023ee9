"""Ledger tables and their API shapes, by feature (the SQLModel Base / Create / table / Public family).

Every table is imported here so Alembic's metadata and `session.get` see them all.
"""

from services.registry.models.areas import DemonstrationArea, DemonstrationAreaCommunity
from services.registry.models.communities import (
    Community,
    CommunityAssessment,
    CommunityCreate,
    CommunityPublic,
)
from services.registry.models.directory import Organisation, OrganisationCreate, OrganisationPublic
from services.registry.models.patrols import SafetyPatrol
from services.registry.models.pipeline import PipelineExemption, PipelineWork
from services.registry.models.projects import Project, ProjectCreate, ProjectPublic, ProjectStep, StepPublic

__all__ = [
    "Community",
    "DemonstrationArea",
    "DemonstrationAreaCommunity",
    "SafetyPatrol",
    "CommunityAssessment",
    "CommunityCreate",
    "CommunityPublic",
    "Organisation",
    "OrganisationCreate",
    "OrganisationPublic",
    "PipelineExemption",
    "PipelineWork",
    "Project",
    "ProjectCreate",
    "ProjectPublic",
    "ProjectStep",
    "StepPublic",
]
