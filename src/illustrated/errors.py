"""Errors a user can act on.

Every failure caused by input (a missing file, a malformed line, a bad option) is raised as an
:class:`IllustratedError` whose message names the file, line or field and what was expected. The CLI
prints that message on one line and exits non-zero instead of showing a traceback.
"""

from __future__ import annotations

__all__ = ["IllustratedError", "CorpusError", "VocabError", "FormatError", "ConfigError",
           "TrainingError"]


class IllustratedError(Exception):
    """Base class for errors caused by the user's input, reported without a traceback."""


class CorpusError(IllustratedError):
    """A corpus file is missing, unreadable, undecodable or empty."""


class VocabError(IllustratedError):
    """A vocabulary is empty, malformed, or cannot map a token."""


class FormatError(IllustratedError):
    """A model or data file is of the wrong kind, truncated or corrupted."""


class ConfigError(IllustratedError, ValueError):
    """A configuration value is out of range."""


class TrainingError(IllustratedError):
    """Training went wrong (weights or loss no longer finite) and was stopped before saving."""
