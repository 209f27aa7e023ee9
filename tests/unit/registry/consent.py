"""A bundled profile with a residents' consent threshold written into its YAML and loaded the way
every profile is (`load_profile`): what an office that adopts a threshold would do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from shared.policy import ProgrammeProfile
from shared.policy.errors import ProfileError
from shared.policy.loader import PROFILES_DIR, load_profile
from shared.policy.yamlfile import read_mapping

ZHENGZHOU_2019 = "zhengzhou-2019"


def with_consent(directory: Path, base: str = ZHENGZHOU_2019, **consent: Any) -> ProgrammeProfile:
    """The bundled profile `base` with `consent` on its consultation step, saved in `directory`
    as `<base>.yaml` and loaded from there."""
    data = read_mapping(PROFILES_DIR / f"{base}.yaml", ProfileError)
    (stage,) = [s for s in data["lifecycle"]["stages"] if s["code"] == "consultation"]
    stage["consent"] = consent
    path = directory / f"{base}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_profile(path)
