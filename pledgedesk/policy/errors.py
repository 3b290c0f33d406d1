"""Errors a policy file can raise: one :class:`PolicyError` carrying every :class:`Problem`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy file, at a dotted key path (``priorities.red.colour``)."""

    file: str
    key_path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.key_path}: {self.message}"


class PolicyError(ValueError):
    """A policy file that cannot be used; ``problems`` lists everything found, not the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class PolicyInputError(ValueError):
    """Bad input to a policy lookup, a simulation or an evaluation (unknown priority, plan,
    channel, status or exclusion reason; a missing organisation zone or country)."""
