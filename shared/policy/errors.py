"""Errors the policy package raises on purpose.

    ValueError
     └── DataFileError        a data file is unreadable or breaks a rule (file, field, rule)
          └── ProfileError    a programme profile in particular
    KeyError
     ├── UnknownProgrammeError  no profile has this code
     └── UnknownItemError       the catalogue has no such item
    LookupError
     └── RuleAbsentError      the plan has no such rule; nothing is invented

Rule functions also raise plain ValueError for an argument the plan does not know (a step,
an exclusion or a signer) and TypeError for a float where money or a measure is exact.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DataFileError", "ProfileError", "RuleAbsentError", "UnknownItemError", "UnknownProgrammeError"]


class DataFileError(ValueError):
    """A data file is unreadable or breaks a rule; the message names file, field and rule.

    Args:
        file: the data file at fault.
        problems: one (field path, rule) pair per broken rule, kept as `problems` for callers
            that list them; an empty path means the file as a whole.

    The message is one line for one problem, else a count followed by one line per problem.
    """

    def __init__(self, file: Path | str, problems: list[tuple[str, str]]) -> None:
        self.file = Path(file)
        self.problems = problems
        lines = [f"{field}: {rule}" if field else rule for field, rule in problems]
        if len(lines) == 1:
            message = f"{self.file}: {lines[0]}"
        else:
            message = f"{self.file}: {len(lines)} problems\n" + "\n".join(
                f"  {self.file}: {line}" for line in lines
            )
        super().__init__(message)


class ProfileError(DataFileError):
    """A programme-profile file is unreadable or invalid."""


class UnknownProgrammeError(KeyError):
    """No bundled (or loaded) profile has this code."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown programme"


class UnknownItemError(KeyError):
    """The catalogue has no item with this number or code."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown catalogue item"


class RuleAbsentError(LookupError):
    """The plan has no such rule (e.g. Kaifeng sets no award ratio); nothing is invented."""
