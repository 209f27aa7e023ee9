"""The organisation directory: offices, departments, districts, street offices and utilities,
seeded from the programme profiles and `seed.yaml`. Pure data and functions, no database.

Why from the profiles: the plans name the departments, districts and street offices that do the
work, so the directory is derived from them rather than typed in a second time.
"""

from shared.directory.errors import DirectoryError
from shared.directory.models import Organisation, OrganisationKind
from shared.directory.seed_file import SEED_FILE, DirectorySeed, bundled_seed, load_seed
from shared.directory.seeding import by_code, check_seed_covers, children, seed_directory

__all__ = [
    "SEED_FILE",
    "DirectoryError",
    "DirectorySeed",
    "Organisation",
    "OrganisationKind",
    "bundled_seed",
    "by_code",
    "check_seed_covers",
    "children",
    "load_seed",
    "seed_directory",
]
