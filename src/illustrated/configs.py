"""The plain-dict form of the settings dataclasses, which model files store as JSON."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import ClassVar, Self

from .errors import ConfigError

__all__ = ["DictConfig"]

_KINDS = {int: "an integer", float: "a number", bool: "true or false", str: "a string", type(None): "null"}


def _fits(value: object, kind: object) -> bool:
    """Whether a JSON ``value`` fits the field annotation ``kind`` (a plain type or a union of
    them; container annotations are not checked)."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        return any(_fits(value, k) for k in typing.get_args(kind))
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind in (str, type(None)):
        return isinstance(value, kind)
    return True


def _expected(kind: object) -> str:
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        return " or ".join(_expected(k) for k in typing.get_args(kind))
    return _KINDS.get(kind, str(kind))


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
    def from_dict(cls, data: Mapping, strict: bool = False) -> Self:
        """The settings ``data`` holds; with ``strict`` every value must have its field's type
        (an integer where an integer is meant: a size of ``16.0`` is refused, not built)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown and cls.config_name is not None:
            raise ConfigError(f"{cls.config_name}: unknown field(s) {sorted(unknown)}")
        if strict:
            hints = typing.get_type_hints(cls)
            for name, value in data.items():
                if name in known and not _fits(value, hints[name]):
                    raise ConfigError(f"{cls.config_name or cls.__name__}: {name} must be "
                                      f"{_expected(hints[name])}, got {value!r}")
        return cls(**{k: v for k, v in data.items() if k in known})
