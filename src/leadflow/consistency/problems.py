"""What the consistency checker finds: problems by check, and how much it looked at."""

from __future__ import annotations

from dataclasses import dataclass, field

# Problems kept per check: enough to see the pattern, never a flood.
KEPT_PER_CHECK = 20


@dataclass(frozen=True)
class Finding:
    """One thing wrong in the store: which check found it and where."""

    check: str
    detail: str


@dataclass
class Findings:
    """Problems gathered by check, at most KEPT_PER_CHECK details each, all counted."""

    counts: dict[str, int] = field(default_factory=dict)
    kept: list[Finding] = field(default_factory=list)

    def add(self, check: str, detail: str) -> None:
        """Count a problem, and keep its detail while the check has room."""
        seen = self.counts.get(check, 0)
        self.counts[check] = seen + 1
        if seen < KEPT_PER_CHECK:
            self.kept.append(Finding(check, detail))


@dataclass(frozen=True)
class ConsistencyReport:
    """How many things `check_store` looked at (by kind) and what it found; consistent when
    nothing was found."""

    counts: dict[str, int]
    problem_counts: dict[str, int]
    problems: tuple[Finding, ...]

    @property
    def consistent(self) -> bool:
        """True when no check found anything."""
        return not self.problem_counts

    def summary(self) -> str:
        """One line per problem found, or `consistent`."""
        if self.consistent:
            return "consistent"
        lines = [f"{f.check}: {f.detail}" for f in self.problems]
        hidden = sum(self.problem_counts.values()) - len(self.problems)
        if hidden:
            lines.append(f"... and {hidden} more")
        return "\n".join(lines)
