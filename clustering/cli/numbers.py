"""Numeric options: parsed, then checked against the library's bounds.

The bounds live in :mod:`clustering.reading.numbers`, for the library to check the same.

A value that is no number, NaN, infinite or out of range is click's usage error (exit 2)
saying the allowed range.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import click

from clustering.errors import SettingsError
from clustering.reading import BYTES, Bounds

if TYPE_CHECKING:  # click's ParamType is generic only in recent versions (8.2 and on)
    _NumberType = click.ParamType[float, Any]
    _IntType = click.ParamType[int, Any]
else:
    _NumberType = _IntType = click.ParamType


class Number(_NumberType):
    """A number within ``bounds`` (an integer where they say so)."""

    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self.name = "integer" if bounds.integer else "float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """``value`` as an int or float within the bounds."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            number: float = value
        else:
            try:
                number = int(str(value)) if self.bounds.integer else float(str(value))
            except ValueError:
                self.fail(f"{value!r} is not {self.bounds.describe()}", param, ctx)
        try:
            return self.bounds.check(number, "")
        except SettingsError:
            self.fail(f"{value!r} is not {self.bounds.describe()}", param, ctx)


class ByteSize(_IntType):
    """A number of bytes: an integer, or one with a suffix k, M, G or T (powers of 1024)."""

    name = "bytes"
    units: ClassVar[dict[str, int]] = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """The number of bytes ``value`` says, from 1 to 1T."""
        if isinstance(value, int):
            return value
        text = str(value).strip()
        unit = text[-1:].lower() if text[-1:].isalpha() else ""
        try:
            size = int(text[: len(text) - len(unit)]) * self.units[unit]
        except (KeyError, ValueError):
            self.fail(f"{value!r} is not a size such as 1048576, 512k, 64M or 1G", param, ctx)
        if not BYTES.allows(size):
            self.fail(f"{value!r} is not a size from 1 byte to 1T", param, ctx)
        return size
