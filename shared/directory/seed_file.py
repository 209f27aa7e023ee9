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

__all__ = ["SEED_FILE", "DirectorySeed", "bundled_seed", "load_seed"]

SEED_FILE = Path(__file__).resolve().parent / "seed.yaml"
"""The bundled seed file, beside this module."""


class DirectorySeed(Frozen):
    """Department names by code, and the utility companies every directory includes.

    Attributes:
        departments: one canonical name per department code.
        utilities: the utility companies (专业经营单位) every directory includes.

    A code may appear only once across both lists (validation fails otherwise).
    """

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
        """Look a department up by code.

        Args:
            code: a department code a profile uses, e.g. ``finance``.

        Returns:
            Its canonical names, or None when the seed does not name it.
        """
        return next((d for d in self.departments if d.code == code), None)

    def utility(self, code: str) -> Named | None:
        """Look a utility company up by code.

        Args:
            code: a utility code a profile uses.

        Returns:
            Its canonical names, or None when the seed does not name it.
        """
        return next((u for u in self.utilities if u.code == code), None)


def load_seed(path: Path | None = None) -> DirectorySeed:
    """Load and validate a seed file.

    Args:
        path: the YAML file; None for the bundled `SEED_FILE`.

    Returns:
        The validated seed.

    Raises:
        DirectoryError: the file is missing, not YAML, not a mapping, or breaks a rule (an
            unknown or missing field, a duplicate code); the problems name each field.
    """
    path = SEED_FILE if path is None else Path(path)
    data = read_mapping(path, DirectoryError)
    try:
        return DirectorySeed.model_validate(data)
    except ValidationError as exc:
        raise DirectoryError(path, problems(exc)) from exc


@cache
def bundled_seed() -> DirectorySeed:
    """The bundled seed, loaded once per process and shared.

    Returns:
        ``load_seed()`` of `SEED_FILE`, cached.

    Raises:
        DirectoryError: the bundled file is invalid (a packaging error; not cached).
    """
    return load_seed()
