"""Errors the directory raises on purpose.

    ValueError
     └── DataFileError          (shared.policy.errors) a data file is unreadable or breaks a rule
          └── DirectoryError    the seed is invalid, misses a code, or two sources disagree

A DirectoryError is a DataFileError, so a start-up check that catches data-file errors catches the
directory's too; its `problems` name the field and the rule, its `file` the seed file.
"""

from __future__ import annotations

from shared.policy.errors import DataFileError

__all__ = ["DirectoryError"]


class DirectoryError(DataFileError):
    """The seed file is invalid, lacks a code a profile uses, or two sources disagree on a code.

    Args:
        file: the seed file the problem is reported against.
        problems: (field path, rule) pairs, one per broken rule.
    """
