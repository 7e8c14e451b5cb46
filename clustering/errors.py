"""Errors about bad input and settings: input errors name the file and, where known, the line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class InputError(ValueError):
    """An input that cannot be read as articles, located as ``path[:line]``."""

    path: str
    message: str
    line: int | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    @property
    def location(self) -> str:
        """``path`` or ``path:line``."""
        return self.path if self.line is None else f"{self.path}:{self.line}"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class OutputError(ValueError):
    """An output file that cannot (or must not) be written: ``path: cannot write: reason``."""

    path: str
    reason: str

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}: cannot write: {self.reason}"


class SettingsError(ValueError):
    """A clustering setting that cannot apply to the model in use, named with the fix."""


class InputWarning(UserWarning):
    """An input read with a change its user should know of, such as an article cut short."""
