"""Request bodies with keyword defaults, so a test states only what it is about."""

from __future__ import annotations

from typing import Any


def community_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "金水区文化路3号院",
        "district_code": "zz-jinshui",
        "street_office": "文化路街道",
        "residents_committee": "文化路社区",
        "programme_code": "zhengzhou-2019",
        "built_year": 1995,
        "buildings": 6,
        "households": 320,
        "floor_area_m2": "25000.50",
        **overrides,
    }


def project_body(community_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "文化路3号院综合整治",
        "community_id": community_id,
        "investment_fen": 1_234_567_89,
        **overrides,
    }


STAGES_TO_ACCEPTANCE = ("consulted", "planned", "under_construction")
