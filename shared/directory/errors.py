"""Errors the directory raises on purpose."""

from __future__ import annotations

from shared.policy.errors import DataFileError


class DirectoryError(DataFileError):
    """The seed file is invalid, lacks a code a profile uses, or two sources disagree on a code."""
