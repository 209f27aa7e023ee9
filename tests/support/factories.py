"""Request bodies with keyword defaults, so a test states only what it is about."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shared.policy import get_profile, sign_offs, step_modes


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


WALK_SKIPS = frozenset({"acceptance-failure", "progress-report", "final-accounts-audit"})
"""Actions a walk to acceptance leaves out: they record without moving the project on."""


def step_bodies(programme_code: str, on: str, investment_fen: int) -> dict[str, dict[str, Any]]:
    """A valid body for each step action of `programme_code`, every step dated `on`.

    The items, signing roles and takeover mode are read from the programme's profile, so the
    bodies follow the profile rather than a retyped list.
    """
    profile = get_profile(programme_code)
    day = date.fromisoformat(on)
    items = [item.code for item in profile.catalogue.items[:2]]
    shares = [investment_fen // 2, investment_fen - investment_fen // 2]
    roles = [sign_off.any_of[0] for sign_off in sign_offs(profile, "acceptance")]
    modes = [mode.code for mode in step_modes(profile, "property_takeover")] or ["property-company"]
    levels = [level.code for level in profile.service_levels]
    review = {"done_on": on, "reference": "文号-1"}
    return {
        "residents-consultation": {
            "consulted_on": on,
            "households_consulted": 300,
            "households_in_favour": 250,
            "publicity_notice": "改造内容公示",
            "publicity_from": (day - timedelta(days=7)).isoformat(),
            "publicity_to": (day - timedelta(days=1)).isoformat(),
        },
        "plan-submission": {
            "submitted_on": on,
            "items": [{"item_code": c, "investment_fen": f} for c, f in zip(items, shares, strict=False)],
        },
        "plan-approval": {"approved_on": on, "version": 1},
        "project-approval": review,
        "design-review": review,
        "cost-review": review,
        "tender-award": {"awarded_on": on, "contractor": "某建设工程有限公司", "supervisor": "某监理公司"},
        "construction-start": {"started_on": on},
        "progress-report": {"reported_on": on, "items": [{"item_code": items[0], "percent_complete": 50}]},
        "construction-completion": {"completed_on": on},
        "acceptance-failure": {
            "inspected_on": on,
            "defects": [{"description": "雨水管接口渗漏", "recorded_by": roles[0] if roles else "district"}],
        },
        "rectification": {"rectified_on": on},
        "acceptance": {
            "accepted_on": on,
            "accepted_investment_fen": investment_fen,
            "sign_offs": [{"role": r, "signatory": f"{r} 签字人", "signed_on": on} for r in roles],
        },
        "final-accounts-audit": {"audited_on": on, "audited_investment_fen": investment_fen},
        "property-takeover": {
            "taken_over_on": on,
            "mode": modes[0],
            "manager": "某物业服务有限公司",
            **({"service_level": levels[-1]} if levels else {}),
        },
        "close-out": {"closed_on": on},
    }
