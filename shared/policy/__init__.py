"""Programme profiles: each renovation plan's rules as validated data, plus pure rule functions.

A profile (`profiles/<code>.yaml`) is one source document's rules, each citing its clause, so a
reader can check the data against the plan. Services ask these functions, never hard-code a
ratio or a weekday: a fifth programme is a new YAML file.

    profile = get_profile("zhengzhou-2019")
    award_fen(profile, 1_000_000_00)        # 40% of the investment, in fen
"""

from shared.policy.errors import (
    DataFileError,
    ProfileError,
    RuleAbsentError,
    UnknownItemError,
    UnknownProgrammeError,
)
from shared.policy.loader import (
    PROFILES_DIR,
    bundled_profiles,
    get_profile,
    load_profile,
    load_profiles,
)
from shared.policy.models import *  # noqa: F403  (the rule models are part of the API)
from shared.policy.models import __all__ as _model_names
from shared.policy.rules import *  # noqa: F403
from shared.policy.rules import __all__ as _rule_names

__all__ = [
    "PROFILES_DIR",
    "DataFileError",
    "ProfileError",
    "RuleAbsentError",
    "UnknownItemError",
    "UnknownProgrammeError",
    "bundled_profiles",
    "get_profile",
    "load_profile",
    "load_profiles",
    *_model_names,
    *_rule_names,
]
