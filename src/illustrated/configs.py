"""The plain-dict form of the settings dataclasses, which model files store as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import ClassVar, Self

from .errors import ConfigError

__all__ = ["DictConfig"]


class DictConfig:
    """Base of a settings dataclass: :meth:`to_dict` and :meth:`from_dict` for its files.

    ``config_name`` is what an error about keys that name no field calls the settings (``"model
    config: unknown field(s) ['x']"``); None ignores such keys (a file written by a later
    version). Fields missing from the dict take their defaults.
    """

    config_name: ClassVar[str | None] = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> Self:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown and cls.config_name is not None:
            raise ConfigError(f"{cls.config_name}: unknown field(s) {sorted(unknown)}")
        return cls(**{k: v for k, v in data.items() if k in known})
