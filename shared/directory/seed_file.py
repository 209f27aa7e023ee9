"""The directory's own data (`seed.yaml`): names of departments and the default utilities.

Profiles refer to departments by code and keep the plan's wording; the directory needs one
canonical name per code, which lives here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import ValidationError, model_validator

from shared.directory.errors import DirectoryError
from shared.policy.models.base import Frozen, Named
from shared.policy.yamlfile import problems, read_mapping

SEED_FILE = Path(__file__).resolve().parent / "seed.yaml"


class DirectorySeed(Frozen):
    """Department names by code, and the utility companies every directory includes."""

    departments: tuple[Named, ...]
    utilities: tuple[Named, ...]

    @model_validator(mode="after")
    def _unique(self) -> DirectorySeed:
        seen: set[str] = set()
        for field in ("departments", "utilities"):
            for i, entry in enumerate(getattr(self, field)):
                if entry.code in seen:
                    raise ValueError(f"{field}[{i}].code: duplicate code {entry.code!r}")
                seen.add(entry.code)
        return self

    def department(self, code: str) -> Named | None:
        return next((d for d in self.departments if d.code == code), None)

    def utility(self, code: str) -> Named | None:
        return next((u for u in self.utilities if u.code == code), None)


def load_seed(path: Path | None = None) -> DirectorySeed:
    """Load and validate a seed file (default: the bundled `seed.yaml`)."""
    path = SEED_FILE if path is None else Path(path)
    data = read_mapping(path, DirectoryError)
    try:
        return DirectorySeed.model_validate(data)
    except ValidationError as exc:
        raise DirectoryError(path, problems(exc)) from exc


@cache
def bundled_seed() -> DirectorySeed:
    """The bundled seed, loaded once."""
    return load_seed()
