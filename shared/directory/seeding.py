"""Build the organisation directory from the programme profiles plus `seed.yaml`.

Pure: the same profiles and seed give the same list, sorted by kind then code. An organisation
named by several profiles (a district in two Zhengzhou plans) appears once; if two sources give
the same code different names or parents, that is an error rather than a silent pick.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shared.directory.errors import DirectoryError
from shared.directory.models import Organisation, OrganisationKind
from shared.directory.seed_file import SEED_FILE, DirectorySeed, bundled_seed
from shared.policy.models.profile import ProgrammeProfile

__all__ = ["by_code", "check_seed_covers", "children", "seed_directory"]

_KIND_ORDER = {kind: i for i, kind in enumerate(OrganisationKind)}


def seed_directory(
    profiles: Mapping[str, ProgrammeProfile] | Iterable[ProgrammeProfile],
    seed: DirectorySeed | None = None,
) -> list[Organisation]:
    """Every organisation the profiles need: their offices, the departments they declare, the
    districts and street offices of their jurisdictions, and the seed's utility companies.

    Args:
        profiles: the programme profiles, as a mapping by code (values used) or any iterable.
        seed: the directory's own data; None for the bundled seed.

    Returns:
        Each organisation once, sorted by kind (office, department, district, street office,
        utility) then code; the same inputs always give the same list.

    Raises:
        DirectoryError: the seed misses a department or utility code a profile uses, or two
            sources define one code with different kinds, names or parents.
    """
    seed = bundled_seed() if seed is None else seed
    chosen = list(profiles.values()) if isinstance(profiles, Mapping) else list(profiles)
    check_seed_covers(chosen, seed)
    found: dict[str, tuple[Organisation, str]] = {}

    def add(org: Organisation, source: str) -> None:
        existing = found.get(org.code)
        if existing is None:
            found[org.code] = (org, source)
        elif existing[0] != org:
            raise DirectoryError(
                SEED_FILE,
                [
                    (
                        org.code,
                        f"{source} and {existing[1]} define {org.code!r} differently: "
                        f"{_show(org)} vs {_show(existing[0])}",
                    )
                ],
            )

    for utility in seed.utilities:
        add(_org(utility.code, OrganisationKind.UTILITY, utility.name_zh, utility.name_en), "seed")
    for profile in chosen:
        for ref in profile.departments:
            entry = seed.department(ref.code)
            assert entry is not None  # check_seed_covers
            add(_org(ref.code, OrganisationKind.DEPARTMENT, entry.name_zh, entry.name_en), "seed")
        if profile.office is not None:
            office = profile.office
            add(
                _org(
                    office.code,
                    OrganisationKind.OFFICE,
                    office.name_zh,
                    office.name_en,
                    office.host,
                ),
                profile.code,
            )
        for district in profile.jurisdiction.districts:
            add(
                _org(district.code, OrganisationKind.DISTRICT, district.name_zh, district.name_en),
                profile.code,
            )
            for street in district.street_offices:
                add(
                    _org(
                        street.code,
                        OrganisationKind.STREET_OFFICE,
                        street.name_zh,
                        street.name_en,
                        district.code,
                    ),
                    profile.code,
                )
    return sorted((org for org, _ in found.values()), key=lambda o: (_KIND_ORDER[o.kind], o.code))


def check_seed_covers(profiles: Iterable[ProgrammeProfile], seed: DirectorySeed) -> None:
    """Check that every department and utility code the profiles use is seeded.

    Args:
        profiles: the programme profiles to check.
        seed: the directory's own data.

    Raises:
        DirectoryError: listing every missing code, with the profile and position using it.
    """
    missing: list[tuple[str, str]] = []
    for profile in profiles:
        for i, ref in enumerate(profile.departments):
            if seed.department(ref.code) is None:
                missing.append(
                    (
                        "departments",
                        f"profile {profile.code!r} departments[{i}] uses "
                        f"{ref.code!r}, which the seed does not name",
                    )
                )
        for i, utility in enumerate(profile.utilities):
            if seed.utility(utility.code) is None:
                missing.append(
                    (
                        "utilities",
                        f"profile {profile.code!r} utilities[{i}] uses "
                        f"{utility.code!r}, which the seed does not name",
                    )
                )
    if missing:
        raise DirectoryError(SEED_FILE, missing)


def by_code(organisations: Iterable[Organisation]) -> dict[str, Organisation]:
    """Index a directory by code.

    Args:
        organisations: a directory, e.g. from `seed_directory`.

    Returns:
        Code → organisation (codes are unique in a seeded directory; otherwise the last wins).
    """
    return {org.code: org for org in organisations}


def children(organisations: Iterable[Organisation], parent_code: str) -> list[Organisation]:
    """The organisations directly under `parent_code` (a district's street offices, a host's office).

    Args:
        organisations: a directory.
        parent_code: the parent's code.

    Returns:
        Those whose ``parent_code`` is `parent_code`, in directory order; empty for an unknown code.
    """
    return [org for org in organisations if org.parent_code == parent_code]


def _org(
    code: str, kind: OrganisationKind, name_zh: str, name_en: str, parent: str | None = None
) -> Organisation:
    return Organisation(code=code, kind=kind, name_zh=name_zh, name_en=name_en, parent_code=parent)


def _show(org: Organisation) -> str:
    return f"{org.kind.value} {org.name_zh}/{org.name_en} parent={org.parent_code}"
